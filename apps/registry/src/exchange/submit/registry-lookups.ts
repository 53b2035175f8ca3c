import { Inject, Injectable } from '@nestjs/common';
import type { CacheTicket, RegistryCache } from '../../platform/registry-changes/registry-cache.js';
import { RegistryChanges } from '../../platform/registry-changes/registry-changes.js';
import { type ExchangeKey, type ExchangeStandard, type ExchangeVersion, RegistryReadModel } from '../registry-read-model.js';

/** What check 2 and check 5's stateless half need before any transaction: the keys by kid, the standards by type with their versions by dataschema. */
export interface Lookups {
  keys: ExchangeKey[];
  standards: ExchangeStandard[];
  versions: ExchangeVersion[];
}

/** Entries each cache holds at most: more signing keys and standards than a registry has in use. */
const CACHED_ROWS = 10_000;

/**
 * The registry as phase 2 reads it, outside the storing transaction, from per-process caches (emptied at every
 * registry change, never older than PLAZA_REGISTRY_CACHE_MAX_AGE_MS): a submission costs no query here when they
 * hold what it names. Nothing read here decides alone: every key is judged again under lock in phase 3, in the
 * transaction that stores the events, so a key revoked a moment ago is refused even while a cache still holds it.
 * Only what exists is cached: a kid, type or dataschema not found is read again, so one registered a moment ago is found.
 */
@Injectable()
export class RegistryLookups {
  private readonly keys: RegistryCache<string, ExchangeKey>;
  private readonly standards: RegistryCache<string, ExchangeStandard>;
  private readonly versions: RegistryCache<string, ExchangeVersion>;
  /** Standards reads under way, by what they ask for: a lookup that misses the same joins one (as RegistryCache.getMany does). */
  private readonly reading = new Map<string, { tickets: [CacheTicket, CacheTicket]; value: Promise<Pick<Lookups, 'standards' | 'versions'>> }>();

  constructor(
    @Inject(RegistryReadModel) private readonly registry: RegistryReadModel,
    @Inject(RegistryChanges) changes: RegistryChanges,
  ) {
    this.keys = changes.cache(CACHED_ROWS);
    this.standards = changes.cache(CACHED_ROWS);
    this.versions = changes.cache(CACHED_ROWS);
  }

  async lookup(kids: string[], types: string[], schemaUris: string[]): Promise<Lookups> {
    const [keys, found] = await Promise.all([
      this.keys.getMany(kids, async (missing) => (await this.registry.keys(missing)).map((key): [string, ExchangeKey] => [key.kid, key])),
      this.standardsOf(types, schemaUris),
    ]);
    return { keys: [...keys.values()], ...found };
  }

  /**
   * The standards of `types` with their versions named by `schemaUris`, as RegistryReadModel.standards answers: from
   * the caches when they hold every type and every URI, else in one read that refills them.
   */
  private async standardsOf(types: string[], schemaUris: string[]): Promise<Pick<Lookups, 'standards' | 'versions'>> {
    if (types.length === 0) return { standards: [], versions: [] };
    const standards = this.standards.peek(types);
    const versions = this.versions.peek(schemaUris);
    if (standards.missing.length === 0 && versions.missing.length === 0) {
      const ids = new Set([...standards.found.values()].map((standard) => standard.id));
      // The read joins versions to the standards asked for only: a cached version of another standard is left out alike.
      return { standards: [...standards.found.values()], versions: [...versions.found.values()].filter((version) => ids.has(version.standardId)) };
    }
    const asked = JSON.stringify([types, schemaUris]);
    const under = this.reading.get(asked);
    const joinable = (tickets: [CacheTicket, CacheTicket]) => this.standards.joinable(tickets[0]) && this.versions.joinable(tickets[1]);
    if (under !== undefined && joinable(under.tickets)) {
      const read = await under.value;
      // Read anew when a change or the max age overtook the joined read, or it lacks a type or version (registered a moment ago).
      const complete = types.every((type) => read.standards.some((standard) => standard.ceType === type)) && schemaUris.every((uri) => read.versions.some((version) => version.schemaUri === uri));
      if (complete && joinable(under.tickets)) return read;
    }
    const tickets: [CacheTicket, CacheTicket] = [this.standards.ticket(), this.versions.ticket()];
    const value = this.registry.standards(types, schemaUris).then((read) => {
      this.standards.store(tickets[0], read.standards.map((standard): [string, ExchangeStandard] => [standard.ceType, standard]));
      this.versions.store(tickets[1], read.versions.map((version): [string, ExchangeVersion] => [version.schemaUri, version]));
      return read;
    });
    this.reading.set(asked, { tickets, value });
    const done = () => {
      if (this.reading.get(asked)?.value === value) this.reading.delete(asked);
    };
    value.then(done, done);
    return value;
  }
}
