import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';
import { generateApiKey } from '../../apps/registry/src/api-keys/api-key-secret.js';
import { createApp } from '../../apps/registry/src/composition/app.js';
import { type AppConfig, loadConfig } from '../../apps/registry/src/platform/config/config.js';

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  config: AppConfig;
  operatorKey: string;
  /** True when the suite runs against a PostgreSQL server (DATABASE_URL), false on embedded PGlite. */
  onServer: boolean;
  close(): Promise<void>;
}

/**
 * Builds the real registry for a suite: embedded PGlite in a fresh folder, or the PostgreSQL server
 * named by DATABASE_URL (CI creates a fresh database for the run; suites make their own organisations).
 */
export async function startTestApp(env: Record<string, string> = {}, options: { ownDatabase?: boolean; logDestination?: DestinationStream } = {}): Promise<TestApp> {
  const setting = await testSetting(env, options);
  const app = await createApp(setting.config, { logDestination: options.logDestination });
  try {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } catch (error) {
    // A start that fails (a test of a refusal) must still release the database and its lock.
    await app.close();
    await setting.release();
    throw error;
  }
  return {
    app,
    http: request(app.getHttpServer()),
    config: setting.config,
    operatorKey: setting.operatorKey,
    onServer: setting.config.database.mode === 'server',
    async close() {
      await app.close();
      await setting.release();
    },
  };
}

/** The configuration of a registry under test, and how to release what it was given (its data folder, its own database). */
export interface TestSetting {
  config: AppConfig;
  operatorKey: string;
  release(): Promise<void>;
}

/**
 * A registry's configuration for a suite: embedded PGlite in a fresh folder, or the PostgreSQL server named by
 * DATABASE_URL. Shared by the end-to-end suites (over HTTP) and the integration tier (no HTTP).
 */
export async function testSetting(env: Record<string, string> = {}, options: { ownDatabase?: boolean } = {}): Promise<TestSetting> {
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-test-'));
  const operatorKey = generateApiKey().key;
  // On the server, a suite that tampers with the log gets a database of its own, so no other suite sees the damage.
  const own = options.ownDatabase && process.env.DATABASE_URL ? await createDatabase(process.env.DATABASE_URL) : undefined;
  const shared = process.env.DATABASE_URL !== undefined && own === undefined;
  const config = loadConfig({
    DATABASE_URL: own?.url ?? process.env.DATABASE_URL,
    PLAZA_DATA_DIR: dataDir,
    // Registries sharing a database share its log key, as instances in production do: a checkpoint one suite's
    // registry signs is served by every other's, and must verify with their JWKS.
    ...(shared ? { PLAZA_LOG_SIGNING_KEY: SHARED_LOG_KEY } : {}),
    PLAZA_OPERATOR_KEY: operatorKey,
    PLAZA_LOG_LEVEL: 'silent',
    // Suites move time-driven transitions on themselves, with Scheduler.tick(at).
    PLAZA_SCHEDULER_INTERVAL_SECONDS: '0',
    // and sign checkpoints when they ask for them (the transparency suite runs the publisher),
    PLAZA_CHECKPOINT_INTERVAL_MS: '0',
    // and run retention by hand (its suite calls the job).
    PLAZA_RETENTION_INTERVAL_SECONDS: '0',
    // Delivery and the broker run only in the suites about them, which set their own interval.
    PLAZA_DELIVERY_POLL_MS: '0',
    // Exports are built only in their own suite, which sets its interval.
    PLAZA_EXPORT_INTERVAL_MS: '0',
    ...env,
  });
  return {
    config,
    operatorKey,
    async release() {
      rmSync(dataDir, { recursive: true, force: true });
      await own?.drop();
    },
  };
}

/**
 * One Ed25519 log key for every registry on the shared server database (suites' apps and the processes some suites
 * start), the same in every jest worker (a fixed seed).
 */
export const SHARED_LOG_KEY = JSON.stringify(
  createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 7)]), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }),
);

/** A new, empty database on the server of `serverUrl`, and how to drop it. */
export function createDatabase(serverUrl: string): Promise<ScratchDatabase> {
  return createScratchDatabase(serverUrl, `plaza_own_${process.pid}_${Date.now().toString(36)}_${++counter}`);
}

/** `describe` on the server database only: concurrency and fault tests would pass trivially on serialised PGlite. */
export const describeOnServer = process.env.DATABASE_URL ? describe : describe.skip;

let counter = 0;
/** A slug no other suite uses, so suites sharing a server database never collide. */
export function uniqueSlug(base: string): string {
  counter += 1;
  return `${base}-${process.pid.toString(36)}-${Date.now().toString(36)}-${counter}`.slice(0, 63);
}
