/**
 * A real webhook sink on 127.0.0.1 for the delivery suites: it answers the handshake as told, records every request
 * (method, URL as received, headers, exact body) and answers deliveries with whatever status the test scripts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** The absolute URL as the sink sees it: its own origin and the request target. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export type Answer = { status: number; headers?: Record<string, string> };

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Deliveries (POSTs) received so far. */
  deliveries(): ReceivedRequest[];
  /** How the next OPTIONS is answered (default: consent to any origin at an unlimited rate); a promise holds the answer back. */
  handshake: (request: ReceivedRequest) => Answer | Promise<Answer>;
  /** How each POST is answered (default: 204). */
  answer: (request: ReceivedRequest) => Answer | Promise<Answer>;
  /** Resolves when `count` deliveries have arrived. */
  waitForDeliveries(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: (() => void)[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    requests,
    deliveries: () => requests.filter((r) => r.method === 'POST'),
    handshake: () => ({ status: 200, headers: { 'webhook-allowed-origin': '*', 'webhook-allowed-rate': '*' } }),
    answer: () => ({ status: 204 }),
    async waitForDeliveries(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (receiver.deliveries().length < count) {
        if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${count} deliveries; ${receiver.deliveries().length} arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return receiver.deliveries();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      // When it arrived, for tests of pacing (a header no sender could set: the receiver's own).
      headers['x-received-at'] = String(Date.now());
      const request = { method: req.method ?? '', url: `${receiver.url.slice(0, receiver.url.indexOf(path))}${req.url ?? ''}`, headers, body: Buffer.concat(chunks) };
      requests.push(request);
      const answer = await (request.method === 'OPTIONS' ? receiver.handshake(request) : receiver.answer(request));
      res.writeHead(answer.status, answer.headers ?? {}).end();
      waiters.splice(0).forEach((wake) => wake());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}
