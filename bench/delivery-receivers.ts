/**
 * The delivery benchmark's webhook sinks: N HTTP servers on 127.0.0.1 in one child process of their own, so their
 * CPU is neither the load generator's nor the registry's. Each answers the handshake with consent to any origin at
 * any rate, verifies EVERY delivery request's HTTP message signature (libs/http-signatures, the registry's delivery
 * key, tag plaza-delivery, a nonce cache) and one event in `dsseSampleEvery` of the producer's DSSE signatures
 * (libs/dsse), and notes when each event id first arrived and how many times it arrived. Event ids are
 * `<prefix><n>` with n a whole number, so the receipts are typed arrays indexed by n.
 *
 * The parent drives it by messages (startReceivers below); the same file is the child's entry.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { scanBatch, scanStructured, verify as verifyEvent } from '#plaza/dsse';
import { NonceCache, verifyRequest } from '#plaza/http-signatures';

const CHILD_FLAG = 'delivery-receivers';
const DELIVERY_TAG = 'plaza-delivery';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes of one machine. */
export const clock = (): number => performance.timeOrigin + performance.now();

export interface ReceiverOptions {
  count: number;
  /** The registry's delivery keys, from /.well-known/delivery-jwks.json. */
  deliveryKeys: (JsonWebKey & { kid: string })[];
  /** The producer's public signing keys by DSSE keyid. */
  producerKeys: Record<string, JsonWebKey>;
  idPrefix: string;
  dsseSampleEvery: number;
}

/** What one receiver saw, for the parent to judge. */
export interface ReceiverReport {
  /** First receipt time of event n (NaN: never arrived). */
  first: Float64Array;
  /** How many times event n arrived. */
  copies: Uint32Array;
  /** Receipt times of every copy after the first. */
  duplicateTimes: number[];
  requests: number;
  events: number;
  /** Requests refused, by the signature check's reason (or the body's). */
  refused: Record<string, number>;
  dsse: { checked: number; verified: number; failed: Record<string, number> };
  /** Events whose id is not one of the benchmark's. */
  foreign: number;
  largestBatch: number;
  contentTypes: Record<string, number>;
}

type Request =
  | { kind: 'start'; options: ReceiverOptions }
  | { kind: 'down'; index: number }
  | { kind: 'up'; index: number }
  | { kind: 'missing'; index: number; from: number; to: number }
  | { kind: 'next-delivery' }
  | { kind: 'cpu' }
  | { kind: 'report' };

export interface Receivers {
  urls: string[];
  pid: number;
  /** Closes receiver `index` and every connection to it; resolves with the time it was closed. */
  down(index: number): Promise<number>;
  /** Listens again on the same port; resolves with the time it listens. */
  up(index: number): Promise<number>;
  /** The event numbers in [from, to) receiver `index` has not received. */
  missing(index: number, from: number, to: number): Promise<number[]>;
  /** Resolves as the next delivery request arrives at any receiver, before it is answered: a moment to crash the sender in. */
  nextDelivery(): Promise<number>;
  /** CPU the child used so far (user + system), in microseconds. */
  cpuMicros(): Promise<number>;
  report(): Promise<{ receivers: ReceiverReport[]; cpuMicros: number }>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The parent's side

export async function startReceivers(options: ReceiverOptions): Promise<Receivers> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { done: (value: unknown) => void; fail: (error: Error) => void }>();
  let nextId = 0;
  child.on('message', (message: { id: number; value?: unknown; error?: string }) => {
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiting?.fail(new Error(`receivers: ${message.error}`));
    else waiting?.done(message.value);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  void exited.then(() => pending.forEach((p) => p.fail(new Error('the receivers process exited'))));
  const call = <T>(request: Request): Promise<T> =>
    new Promise<T>((done, fail) => {
      const id = nextId++;
      pending.set(id, { done: done as (value: unknown) => void, fail });
      child.send({ id, request });
    });
  const urls = await call<string[]>({ kind: 'start', options });
  return {
    urls,
    pid: child.pid!,
    down: (index) => call({ kind: 'down', index }),
    up: (index) => call({ kind: 'up', index }),
    missing: (index, from, to) => call({ kind: 'missing', index, from, to }),
    nextDelivery: () => call({ kind: 'next-delivery' }),
    cpuMicros: () => call({ kind: 'cpu' }),
    report: () => call({ kind: 'report' }),
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The child's side

class Receipts {
  first = new Float64Array(1 << 16).fill(NaN);
  copies = new Uint32Array(1 << 16);
  duplicateTimes: number[] = [];

  note(n: number, at: number): void {
    if (n >= this.first.length) this.grow(n);
    if (this.copies[n]! > 0) this.duplicateTimes.push(at);
    else this.first[n] = at;
    this.copies[n]!++;
  }

  private grow(n: number): void {
    let size = this.first.length;
    while (size <= n) size *= 2;
    const first = new Float64Array(size).fill(NaN);
    first.set(this.first);
    this.first = first;
    const copies = new Uint32Array(size);
    copies.set(this.copies);
    this.copies = copies;
  }
}

/** Whoever waits for the next delivery request, at any receiver. */
const deliveryWaiters: ((at: number) => void)[] = [];

class Receiver {
  readonly receipts = new Receipts();
  readonly stats = { requests: 0, events: 0, refused: new Map<string, number>(), checked: 0, verified: 0, dsseFailed: new Map<string, number>(), foreign: 0, largestBatch: 0, contentTypes: new Map<string, number>() };
  private readonly nonces = new NonceCache({ maxEntries: 1_000_000 });
  private readonly server: Server;
  origin = '';
  port = 0;

  constructor(
    private readonly options: ReceiverOptions,
    private readonly deliveryKeys: Map<string, KeyObject>,
    private readonly producerKeys: Map<string, KeyObject>,
  ) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = clock();
        if (req.method === 'OPTIONS') {
          res.writeHead(200, { 'webhook-allowed-origin': '*', 'webhook-allowed-rate': '*' }).end();
          return;
        }
        void this.receive(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks), at).then((status) => res.writeHead(status).end());
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((done) => this.server.listen(this.port, '127.0.0.1', done));
    this.port = (this.server.address() as AddressInfo).port;
    this.origin = `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((done) => this.server.close(() => done()));
    this.server.closeAllConnections();
    await closed;
  }

  private refuse(reason: string): number {
    this.stats.refused.set(reason, (this.stats.refused.get(reason) ?? 0) + 1);
    return 401;
  }

  private async receive(method: string, target: string, headers: Record<string, string | string[] | undefined>, body: Buffer, at: number): Promise<number> {
    this.stats.requests++;
    deliveryWaiters.splice(0).forEach((wake) => wake(at));
    // The sink URL as registered (this server's origin) joined to the request target as it arrived.
    const checked = verifyRequest(
      { method, url: this.origin + target, headers, body },
      { keys: (keyid) => this.deliveryKeys.get(keyid), tag: DELIVERY_TAG, now: Date.now() / 1000, seenNonce: this.nonces.seen },
    );
    if (!checked.ok) return this.refuse(checked.reason);
    const contentType = String(headers['content-type'] ?? '');
    this.stats.contentTypes.set(contentType, (this.stats.contentTypes.get(contentType) ?? 0) + 1);
    let events;
    try {
      events = contentType.startsWith('application/cloudevents-batch+json') ? scanBatch(body) : [scanStructured(body)];
    } catch (error) {
      return this.refuse(`unreadable body: ${(error as Error).message}`);
    }
    this.stats.largestBatch = Math.max(this.stats.largestBatch, events.length);
    const { idPrefix, dsseSampleEvery } = this.options;
    for (const event of events) {
      this.stats.events++;
      const id = String(event.attributes.id);
      const n = id.startsWith(idPrefix) ? Number(id.slice(idPrefix.length)) : NaN;
      if (Number.isInteger(n) && n >= 0) this.receipts.note(n, at);
      else this.stats.foreign++;
      if (this.stats.events % dsseSampleEvery === 0) {
        this.stats.checked++;
        const result = await verifyEvent(event, (keyid) => this.producerKeys.get(keyid));
        if (result.ok) this.stats.verified++;
        else this.stats.dsseFailed.set(result.code, (this.stats.dsseFailed.get(result.code) ?? 0) + 1);
      }
    }
    return 204;
  }

  missing(from: number, to: number): number[] {
    const out: number[] = [];
    for (let n = from; n < to; n++) if (n >= this.receipts.copies.length || this.receipts.copies[n] === 0) out.push(n);
    return out;
  }

  report(): ReceiverReport {
    const s = this.stats;
    return {
      first: this.receipts.first,
      copies: this.receipts.copies,
      duplicateTimes: this.receipts.duplicateTimes,
      requests: s.requests,
      events: s.events,
      refused: Object.fromEntries(s.refused),
      dsse: { checked: s.checked, verified: s.verified, failed: Object.fromEntries(s.dsseFailed) },
      foreign: s.foreign,
      largestBatch: s.largestBatch,
      contentTypes: Object.fromEntries(s.contentTypes),
    };
  }
}

function runChild(): void {
  let receivers: Receiver[] = [];
  const cpuMicros = () => {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  };
  const handle = async (request: Request): Promise<unknown> => {
    switch (request.kind) {
      case 'start': {
        const { options } = request;
        const deliveryKeys = new Map(options.deliveryKeys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: 'jwk' })]));
        const producerKeys = new Map(Object.entries(options.producerKeys).map(([keyid, jwk]) => [keyid, createPublicKey({ key: jwk, format: 'jwk' })]));
        receivers = Array.from({ length: options.count }, () => new Receiver(options, deliveryKeys, producerKeys));
        for (const receiver of receivers) await receiver.listen();
        return receivers.map((r) => `${r.origin}/hook`);
      }
      case 'down':
        await receivers[request.index]!.close();
        return clock();
      case 'up':
        await receivers[request.index]!.listen();
        return clock();
      case 'missing':
        return receivers[request.index]!.missing(request.from, request.to);
      case 'next-delivery':
        return new Promise<number>((wake) => deliveryWaiters.push(wake));
      case 'cpu':
        return cpuMicros();
      case 'report':
        return { receivers: receivers.map((r) => r.report()), cpuMicros: cpuMicros() };
    }
  };
  process.on('message', (message: { id: number; request: Request }) => {
    handle(message.request).then(
      (value) => process.send!({ id: message.id, value }),
      (error: unknown) => process.send!({ id: message.id, error: (error as Error).message }),
    );
  });
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[2] === CHILD_FLAG) runChild();
