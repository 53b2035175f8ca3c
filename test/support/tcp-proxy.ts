import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './registry-process.js';

/**
 * A TCP proxy in front of the database, so a test can cut the registry off from PostgreSQL and
 * restore it without touching the server itself.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listens on the port it had before a cut; the first time on one that no listen on port 0 elsewhere can take meanwhile. */
  async start(): Promise<void> {
    if (this.server?.listening) return;
    if (this.port === 0) this.port = await freePort();
    this.server = createServer((client) => {
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', resolve);
    });
  }

  /** Refuses new connections and drops every open one, as a crashed or unreachable server would. */
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
