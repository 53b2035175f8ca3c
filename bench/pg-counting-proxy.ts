/**
 * A TCP proxy between a client and PostgreSQL that counts the client's round trips: it reads the frontend
 * protocol's framing from client to server (the startup packet, and the SSL, GSS and cancel requests, have no type
 * byte; every message after the startup packet is one type byte and an int32 length that counts itself) and counts
 * messages by type. A round trip is a simple query ('Q') or a Sync ('S', which closes an extended-protocol exchange
 * however many Parse/Bind/Execute it carries). The proxy costs CPU, so a benchmark counts in a pass of its own.
 */
import { Buffer } from 'node:buffer';
import { connect, createServer, type Socket } from 'node:net';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** Splits the client's byte stream into messages without copying their bodies. */
class FrontendFraming {
  private startup = true;
  private skip = 0;
  private head = Buffer.alloc(0);

  constructor(private readonly onMessage: (type: string) => void) {}

  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const need = this.startup ? 8 : 5;
      const take = Math.min(need - this.head.length, chunk.length - at);
      this.head = Buffer.concat([this.head, chunk.subarray(at, at + take)]);
      at += take;
      if (this.head.length < need) return;
      if (this.startup) {
        const code = this.head.readInt32BE(4);
        // After an SSL or GSS request the client sends its startup packet; a cancel request ends the connection.
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST && code !== CANCEL_REQUEST) this.startup = false;
        this.skip = this.head.readInt32BE(0) - 8;
      } else {
        this.onMessage(String.fromCharCode(this.head[0]!));
        this.skip = this.head.readInt32BE(1) - 4;
      }
      this.head = Buffer.alloc(0);
    }
  }
}

export interface RoundTripCounts {
  /** 'Q' simple queries plus 'S' syncs. */
  roundTrips: number;
  simpleQueries: number;
  syncs: number;
  connections: number;
  /** Every frontend message type seen, by its type byte. */
  messages: Record<string, number>;
}

export interface CountingProxy {
  port: number;
  /** The counts since the last reset. */
  counts(): RoundTripCounts;
  reset(): void;
  close(): Promise<void>;
}

/** Listens on a free port of 127.0.0.1 and forwards every connection to `host`:`port`. */
export async function startCountingProxy(host: string, port: number): Promise<CountingProxy> {
  let messages = new Map<string, number>();
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    connections++;
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    const framing = new FrontendFraming((type) => messages.set(type, (messages.get(type) ?? 0) + 1));
    client.on('data', (chunk: Buffer) => framing.feed(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as { port: number }).port,
    counts() {
      const simpleQueries = messages.get('Q') ?? 0;
      const syncs = messages.get('S') ?? 0;
      return { roundTrips: simpleQueries + syncs, simpleQueries, syncs, connections, messages: Object.fromEntries(messages) };
    },
    reset() {
      messages = new Map();
      connections = 0;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
}
