import { createServer } from 'node:net';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../config/config.js';
import { RegistryChanges } from './registry-changes.js';

/** A TCP port nobody listens on at the moment. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('registry changes', () => {
  beforeAll(() => Logger.overrideLogger(false));
  it('on the embedded database, caches from the start and tells every subscriber of a change made here', () => {
    const changes = new RegistryChanges(loadConfig({}));
    const told: string[] = [];
    const stop = changes.subscribe(() => told.push('first'));
    changes.subscribe(() => told.push('second'));
    expect(changes.caching).toBe(true);
    changes.changed();
    stop();
    changes.changed();
    expect(told).toEqual(['first', 'second', 'second']);
  });

  it("empties a cache that follows the log at a change of the log's own state, and the others only at a change of the records", () => {
    const changes = new RegistryChanges(loadConfig({}));
    const records = changes.cache<string, string>(10, undefined, 60_000);
    const log = changes.cache<string, string>(10, undefined, 60_000, true);
    const fill = () => {
      for (const cache of [records, log]) cache.store(cache.ticket(), [['k', 'v']]);
    };
    fill();
    changes.changed('log');
    expect([records.size, log.size]).toEqual([1, 0]);
    fill();
    changes.changed();
    expect([records.size, log.size]).toEqual([0, 0]);
  });

  it("names a change's scope in its notice, so other processes empty only what it concerns", () => {
    const changes = new RegistryChanges(loadConfig({}));
    expect(changes.notice()).toBe(changes.origin);
    expect(changes.notice('log')).toBe(`${changes.origin} log`);
  });

  it('gives each instance its own origin, so one process never takes another’s notification for its own', () => {
    expect(new RegistryChanges(loadConfig({})).origin).not.toBe(new RegistryChanges(loadConfig({})).origin);
  });

  it('on a server it cannot reach, keeps caching off while it retries, and stops at shutdown', async () => {
    const changes = new RegistryChanges(loadConfig({ DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/none`, PLAZA_DB_CONNECT_TIMEOUT_MS: '100' }));
    let told = 0;
    changes.subscribe(() => (told += 1));
    await changes.onModuleInit();
    expect(changes.caching).toBe(false);
    // Each failed attempt empties the caches again; give it a few.
    for (const deadline = Date.now() + 10_000; told < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    expect(told).toBeGreaterThanOrEqual(2);
    expect(changes.caching).toBe(false);
    await changes.onApplicationShutdown();
  });

  it('on a server with every cache turned off (row caches at max age 0, no public answers), does not listen at all', async () => {
    const changes = new RegistryChanges(loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', PLAZA_REGISTRY_CACHE_MAX_AGE_MS: '0', PLAZA_PUBLIC_CACHE_MB: '0' }));
    let told = 0;
    changes.subscribe(() => (told += 1));
    await changes.onModuleInit();
    // A failed attempt would have told the caches to empty.
    expect(told).toBe(0);
    expect(changes.caching).toBe(false);
    await changes.onApplicationShutdown();
  });
});
