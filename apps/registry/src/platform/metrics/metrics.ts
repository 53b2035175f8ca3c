import cluster from 'node:cluster';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, type GaugeConfiguration, Histogram, Registry } from 'prom-client';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';

/** Where the metrics are read on the registry's own port (with PLAZA_METRICS_TOKEN) and on the metrics port. */
export const METRICS_PATH = '/metrics';

/** The route label of a request no route matched (its URL is never a label). */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The registry's metrics, in Prometheus text through prom-client: one registry per application (so in-process tests
 * never share one), with the Node process's default metrics and the HTTP requests' latency by route template and
 * status class. Features record into it through the counters, histograms and gauges they make here (`counter`,
 * `histogram`, `gauge`): the platform names no feature. A gauge that reads a feature's state is given its `collect` by
 * that feature, and runs at scrape time. Labels must stay bounded: routes, codes, modes, states, configured names.
 *
 * Read with the bearer token on the registry's port (`/metrics`, off the rate limit; without the token it answers
 * as an unknown route does), or on PLAZA_METRICS_PORT, bound to 127.0.0.1. In a cluster the primary serves that port
 * and adds up every worker's registry (prom-client's AggregatorRegistry over the cluster's IPC).
 */
@Injectable()
export class Metrics implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status_class'>;
  private readonly tokenDigest: Buffer | null;
  private server: Server | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    collectDefaultMetrics({ register: this.registry });
    this.requests = this.histogram({
      name: 'plaza_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status class (2xx, 4xx...), and how long they took; its _count is the request rate.',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.tokenDigest = config.metricsToken === null ? null : digest(config.metricsToken);
    // A worker answers the primary's requests for its metrics from this registry: prom-client starts listening for
    // them when an AggregatorRegistry is first made in the process.
    if (cluster.isWorker) {
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([this.registry]);
    }
  }

  counter<L extends string>(configuration: { name: string; help: string; labelNames?: readonly L[] }): Counter<L> {
    return new Counter({ ...configuration, registers: [this.registry] });
  }

  histogram<L extends string>(configuration: { name: string; help: string; labelNames?: readonly L[]; buckets?: number[] }): Histogram<L> {
    return new Histogram({ ...configuration, registers: [this.registry] });
  }

  /**
   * A gauge, set by its owner or read at scrape time by `collect`. In a cluster the workers' values are added up
   * unless `aggregator` says otherwise: `max` for what every worker reads from the one database (the journal's size).
   */
  gauge<L extends string>(configuration: Pick<GaugeConfiguration<L>, 'name' | 'help' | 'labelNames' | 'collect' | 'aggregator'>): Gauge<L> {
    return new Gauge({ ...configuration, registers: [this.registry] });
  }

  /** Installs the request timer on every route, and `/metrics` when a token is configured. */
  register(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', async (request, reply) => {
      this.requests.observe(
        { method: request.method, route: request.routeOptions.url ?? UNMATCHED_ROUTE, status_class: `${Math.floor(reply.statusCode / 100)}xx` },
        reply.elapsedTime / 1000,
      );
    });
    if (this.tokenDigest === null) return;
    // Not a Nest route: no API key is looked at, and the scraper is not counted against the public rate limit.
    fastify.get(METRICS_PATH, { config: { rateLimit: false } }, (request, reply) => this.answerWithToken(request, reply));
  }

  async onApplicationBootstrap(): Promise<void> {
    // In a cluster the primary serves the metrics port (serveClusterMetrics); workers only answer it.
    if (this.config.metricsPort === null || cluster.isWorker) return;
    this.server = await listenOnLoopback(this.config.metricsPort, () => this.text());
  }

  async onApplicationShutdown(): Promise<void> {
    await closeServer(this.server);
    this.server = null;
  }

  private async text(): Promise<string> {
    return this.registry.metrics();
  }

  private async answerWithToken(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    // Without the token, the router's own 404: whoever has no token cannot tell whether metrics are on.
    if (!bearerMatches(request.headers.authorization, this.tokenDigest!)) {
      reply.callNotFound();
      return reply;
    }
    return reply.header('content-type', this.registry.contentType).header('cache-control', 'no-store').send(await this.text());
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether `Authorization: Bearer <token>` carries the token: compared as digests, in constant time. */
export function bearerMatches(header: string | undefined, tokenDigest: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), tokenDigest);
}

/** A plain HTTP server on 127.0.0.1 answering `/metrics` with `text()` and anything else 404. */
export async function listenOnLoopback(port: number, text: () => Promise<string>): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    text().then(
      (body) => response.writeHead(200, { 'content-type': Registry.PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(body),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

async function closeServer(server: Server | null): Promise<void> {
  if (server === null) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The primary of a cluster: every worker's metrics, added up, on the metrics port (127.0.0.1), until the primary exits. */
export async function serveClusterMetrics(port: number): Promise<void> {
  const aggregator = new AggregatorRegistry();
  await listenOnLoopback(port, () => aggregator.clusterMetrics());
}
