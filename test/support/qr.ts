import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import type jsqr from 'jsqr';

const require = createRequire(import.meta.url);
// jsQR is CommonJS whose types declare a default export: required, it is the function itself.
const jsQR = require('jsqr') as typeof jsqr.default;
let ready: Promise<void> | undefined;

/**
 * Reads the QR code in an SVG document as a phone would see it: the SVG rasterised (resvg, as WebAssembly) and the
 * pixels decoded by a QR reader (jsQR), so the test trusts neither the code's generator nor its markup.
 */
export async function readQrCode(svg: string, width = 1200): Promise<string | null> {
  ready ??= initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
  await ready;
  const image = new Resvg(svg, { fitTo: { mode: 'width', value: width }, background: '#ffffff' }).render();
  const found = jsQR(new Uint8ClampedArray(image.pixels), image.width, image.height);
  image.free();
  return found?.data ?? null;
}
