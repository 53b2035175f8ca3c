import cluster, { type Worker } from 'node:cluster';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type AppConfig, ConfigError, loadConfig } from './platform/config/config.js';
import { DataFolderLockedError } from '#plaza/database';
import { FolderError } from '#plaza/standards';
import { createApp } from './composition/app.js';
import { createLogger } from './kernel/logging/logger.js';
import { serveClusterMetrics } from './platform/metrics/metrics.js';
import { DemoKeysStoredError } from './signing-keys/signing-key-error.js';
import { StandardsImportError } from './standards/standard-error.js';
import { LogRolledBackError } from './transparency/published-size.js';

/** The primary's request to a worker to stop: finish what is in flight, close, exit. */
const SHUTDOWN = 'plaza:shutdown';
/** How long the primary waits for workers to finish their requests before killing them. */
const SHUTDOWN_GRACE_MS = 30_000;

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.workers > 1 && cluster.isPrimary) await runPrimary(config);
  else await serve(config);
}

/**
 * One serving process: the whole registry on the port (in a cluster, a worker sharing the primary's port).
 * SIGTERM, SIGINT or the primary's request stop it gracefully, once, whichever comes first.
 */
async function serve(config: AppConfig): Promise<void> {
  const app = await createApp(config);
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= close(app));
  process.on('SIGTERM', stop).on('SIGINT', stop);
  if (cluster.isWorker) process.on('message', (message) => message === SHUTDOWN && stop());
  await app.listen(config.port, config.host);
}

async function close(app: NestFastifyApplication): Promise<void> {
  try {
    await app.close();
    process.exit(0);
  } catch (error) {
    process.stderr.write(`plaza: could not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

/**
 * Cluster mode (PLAZA_WORKERS > 1, a PostgreSQL server): the primary first starts the registry once and closes it,
 * so that migrations, first-start keys and the standards import happen in one process before any worker starts
 * (they are also safe under advisory locks, but this keeps workers from queueing on them). Then it forks the
 * workers, which share the port; a worker that dies after it was serving is replaced, one that fails to start
 * stops the whole cluster. On SIGTERM or SIGINT it asks every worker to finish its requests and waits for them.
 */
async function runPrimary(config: AppConfig): Promise<void> {
  const logger = createLogger(config.logLevel).child({ cluster: 'primary' });
  // The primary serves the metrics port itself (below), so the setup registry must not take it.
  const setup = await createApp({ ...config, schedulerIntervalSeconds: 0, metricsPort: null });
  await setup.init();
  await setup.close();

  const live = new Set<Worker>();
  const serving = new WeakSet<Worker>();
  let stopping = false;
  let exitCode = 0;
  const fork = () => live.add(cluster.fork());
  cluster.on('listening', (worker) => {
    serving.add(worker);
    logger.info({ worker: worker.process.pid }, 'worker serving');
  });
  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    if (stopping) {
      if (live.size === 0) process.exit(exitCode);
      return;
    }
    if (!serving.has(worker)) {
      logger.error({ worker: worker.process.pid, code, signal }, 'a worker failed to start; stopping the cluster');
      shutdown(1);
      return;
    }
    logger.error({ worker: worker.process.pid, code, signal }, 'a worker died; starting another');
    fork();
  });

  const shutdown = (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    if (live.size === 0) process.exit(exitCode);
    for (const worker of live) if (worker.isConnected()) worker.send(SHUTDOWN);
    setTimeout(() => {
      logger.error({ workers: live.size }, 'workers did not stop in time; killing them');
      for (const worker of live) worker.process.kill('SIGKILL');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  process.on('SIGTERM', () => shutdown(0)).on('SIGINT', () => shutdown(0));

  // Every worker's metrics, added up on the metrics port (prom-client asks each worker over the cluster's IPC).
  if (config.metricsPort !== null) await serveClusterMetrics(config.metricsPort);
  for (let i = 0; i < config.workers; i++) fork();
  logger.info({ workers: config.workers, port: config.port }, `cluster: ${config.workers} workers share the port`);
}

main().catch((error: unknown) => {
  // Configuration, locking and stored-data problems are the operator's to fix: say what, without a stack.
  if (error instanceof ConfigError || error instanceof DataFolderLockedError || error instanceof StandardsImportError || error instanceof FolderError || error instanceof DemoKeysStoredError || error instanceof LogRolledBackError) {
    process.stderr.write(`plaza: ${error.message}\n`);
  } else {
    process.stderr.write(`plaza: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
