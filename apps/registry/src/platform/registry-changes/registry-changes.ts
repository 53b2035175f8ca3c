import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { type ChangeScope, type ChangeSource, RegistryCache } from './registry-cache.js';

/** The channel every committed registry change is notified on (the unit of work sends it inside its transaction). */
export const REGISTRY_CHANGES_CHANNEL = 'plaza_registry_changes';
/** How the listening connection shows in pg_stat_activity. */
export const REGISTRY_CHANGES_APPLICATION_NAME = 'plaza-registry-changes';

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5_000;

/**
 * Tells this process's caches that the registry changed, so they drop what they hold. A change committed here is told
 * at once, before the unit of work returns (the next request sees it); a change committed by another process arrives
 * as a PostgreSQL notification on a connection of its own, outside the pool. A notification can be lost with that
 * connection, so while it is not listening caching is off (reads go to the database), and it is emptied when it
 * drops and again when it listens anew. The embedded database has one process: what is told here is all there is.
 * Whatever happens to notifications, a cache never serves an entry older than PLAZA_REGISTRY_CACHE_MAX_AGE_MS.
 */
@Injectable()
export class RegistryChanges implements ChangeSource, OnModuleInit, OnApplicationShutdown {
  /** The payload of this process's notifications: it has told its own caches already, so it ignores them. */
  readonly origin = randomUUID();
  private readonly logger = new Logger('RegistryChanges');
  private readonly listeners = new Set<(scope: ChangeScope) => void>();
  /** What a cache that does not follow the log's own state sees of the changes: the records' alone. */
  private readonly records: ChangeSource;
  private listening: boolean;
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.listening = config.database.mode === 'embedded';
    const changes = this;
    this.records = {
      get caching() {
        return changes.caching;
      },
      subscribe: (listener) => this.subscribe((scope) => scope === 'records' && listener()),
    };
  }

  /** Whether caches may serve: always on the embedded database; on a server, while the notifications are listened to. */
  get caching(): boolean {
    return this.listening;
  }

  /** Calls `listener` at every change, told its scope (and at every turn of caching, as a change of the records). */
  subscribe(listener: (scope: ChangeScope) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A cache of at most `capacity` values (or of what `weigh` counts), emptied at every change of the records (and of
   * the log's own state too if it `followsLog`) and never serving one older than `maxAgeMs`
   * (PLAZA_REGISTRY_CACHE_MAX_AGE_MS unless told).
   */
  cache<K, V>(capacity: number, weigh?: (value: V) => number, maxAgeMs = this.config.registryCacheMaxAgeMs, followsLog = false): RegistryCache<K, V> {
    return new RegistryCache<K, V>(followsLog ? this : this.records, maxAgeMs, capacity, weigh);
  }

  /** A change committed in this process (or may have: a commit that failed midway may have committed all the same). */
  changed(scope: ChangeScope = 'records'): void {
    for (const listener of this.listeners) listener(scope);
  }

  /** The payload of this process's notification of a change of `scope`, for a statement's pg_notify. */
  notice(scope: ChangeScope = 'records'): string {
    return scope === 'log' ? `${this.origin} log` : this.origin;
  }

  async onModuleInit(): Promise<void> {
    // With caching off (max age 0) nothing would use the notifications. The first attempt is awaited, so a registry
    // that starts caches from its first request; one that fails retries in the background, caching off meanwhile.
    const caching = this.config.registryCacheMaxAgeMs > 0 || (this.config.publicCacheBytes > 0 && this.config.publicCacheMaxAgeMs > 0);
    if (this.config.database.mode === 'server' && caching) await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const { database } = this.config;
    if (database.mode !== 'server' || this.stopped) return;
    const client = new pg.Client({
      connectionString: database.url,
      application_name: REGISTRY_CHANGES_APPLICATION_NAME,
      connectionTimeoutMillis: database.connectTimeoutMs,
      keepAlive: true,
    });
    this.client = client;
    let lost = false;
    const lose = (error?: Error) => {
      if (lost) return;
      lost = true;
      this.lost(client, error);
    };
    client.on('error', lose);
    client.on('end', () => lose());
    client.on('notification', (message) => {
      if (message.channel !== REGISTRY_CHANGES_CHANNEL) return;
      const [origin, scope] = (message.payload ?? '').split(' ');
      if (origin !== this.origin) this.changed(scope === 'log' ? 'log' : 'records');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${REGISTRY_CHANGES_CHANNEL}`);
    } catch (error) {
      lose(error as Error);
      return;
    }
    if (lost || this.stopped) return;
    if (this.failures > 0) this.logger.log('listening to registry changes again; caching is back on');
    this.failures = 0;
    this.listening = true;
    // Reads that started while caching was off must not store what they found.
    this.changed();
  }

  private lost(client: pg.Client, error: Error | undefined): void {
    this.listening = false;
    this.changed();
    if (this.client === client) this.client = undefined;
    client.end().catch(() => undefined);
    if (this.stopped) return;
    const delay = Math.min(FIRST_RETRY_MS * 2 ** this.failures, LAST_RETRY_MS);
    if (this.failures === 0) this.logger.warn({ err: error }, 'not listening to registry changes; caching is off until the connection is back');
    this.failures += 1;
    this.retry = setTimeout(() => void this.listen(), delay);
    this.retry.unref();
  }
}
