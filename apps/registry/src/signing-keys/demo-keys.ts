/**
 * Thumbprints (kid) of the demo's signing keys, whose private halves are committed in demo/keys.ts so that
 * `npm run demo` can sign agreements and events. Anyone can read those private keys, so a registry that is not
 * running the demo refuses to register them (demo-keys.spec.ts keeps this list equal to the file).
 */
export const DEMO_KEY_KIDS: ReadonlySet<string> = new Set([
  'Q9YF4pyY2mvQRrS9tUibbnsseePwHQmDe0d6s_NECus',
  'HnZEgo09nTaFCCRdA69BaEwcZOHAdIJw5u5batHmA6g',
  'E-OfGTwq9OACaF7IErsPSnv03UbFZ-bNKc2Gp3DHLDI',
  'BpP2w0ke8VjVltr_7JlYD3ozkdm20oSEltaKJjJQhH4',
  'Z7hvm6W7eNmFfJL5qtiwdYFzgjYTvutE36VbCXem_v4',
  '-NFDnUaz8Ma68MAagWVGfieA4n3DWHaOvFcNbMk9pPw',
  'tZiQt6bGk36mrG37Nd1xOE4LPmweIjI6ibpYmJInG1E',
]);
