import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { contentDigest, NonceCache, signRequest, verifyRequest, type VerifyResult } from './index.js';

/*
 * Plaza signs with fetch's view of the sink URL; a receiver on a real HTTP server rebuilds the target URI
 * from what arrives. The origin it rebuilds with decides the outcome.
 */
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const TAG = 'plaza-delivery';

let server: Server;
let port: number;
let receiverOrigin: (request: IncomingMessage) => string;

beforeAll(async () => {
  const nonces = new NonceCache();
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const result: VerifyResult = verifyRequest(
        { method: request.method!, url: receiverOrigin(request) + request.url!, headers: request.headers, body: Buffer.concat(chunks) },
        { keys: (keyid) => (keyid === 'k1' ? publicKey : undefined), tag: TAG, now: Date.now() / 1000, seenNonce: nonces.seen },
      );
      response.writeHead(result.ok ? 204 : 401, { 'content-type': 'text/plain' }).end(result.ok ? '' : result.reason);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function deliver(signedUrl: string, nonce: string): Promise<{ status: number; reason: string }> {
  const body = Buffer.from('{"specversion":"1.0","id":"r-1"}');
  const headers = { 'content-type': 'application/cloudevents+json', 'content-digest': contentDigest(body), 'ce-id': 'r-1', 'ce-type': 'air.reading' };
  const created = Math.floor(Date.now() / 1000);
  const signature = signRequest(
    { method: 'POST', url: signedUrl, headers, body },
    { key: privateKey, keyid: 'k1', created, expires: created + 300, nonce, tag: TAG },
  );
  const path = new URL(signedUrl);
  const response = await fetch(`http://127.0.0.1:${port}${path.pathname}${path.search}`, {
    method: 'POST',
    headers: { ...headers, ...signature },
    body,
  });
  return { status: response.status, reason: await response.text() };
}

describe('a delivery over HTTP', () => {
  it('verifies when the receiver rebuilds the target URI from its scheme, the Host header and the request target', async () => {
    receiverOrigin = (request) => `http://${request.headers.host}`;
    // fetch percent-encodes the space; the signer serialises the URL the same way.
    expect(await deliver(`http://127.0.0.1:${port}/hooks/plaza events?sub=7`, 'n-1')).toEqual({ status: 204, reason: '' });
  });

  it('is refused when a proxy forwards it and the receiver rebuilds its own origin instead of the registered sink URL', async () => {
    receiverOrigin = (request) => `http://${request.headers.host}`;
    expect(await deliver('https://hooks.example.org/plaza?sub=7', 'n-2')).toEqual({ status: 401, reason: 'the signature does not verify' });
  });

  it('verifies behind that proxy when the receiver rebuilds with the origin of the sink URL it registered', async () => {
    receiverOrigin = () => 'https://hooks.example.org';
    expect(await deliver('https://hooks.example.org/plaza?sub=7', 'n-3')).toEqual({ status: 204, reason: '' });
  });

  it('refuses the same nonce twice', async () => {
    receiverOrigin = (request) => `http://${request.headers.host}`;
    expect((await deliver(`http://127.0.0.1:${port}/hooks`, 'n-4')).status).toBe(204);
    expect(await deliver(`http://127.0.0.1:${port}/hooks`, 'n-4')).toEqual({ status: 401, reason: 'the nonce was seen before' });
  });
});
