import { type ChangeScope, type ChangeSource, RegistryCache } from '../../platform/registry-changes/registry-cache.js';
import type { RegistryChanges } from '../../platform/registry-changes/registry-changes.js';
import type { ExchangeStandard, ExchangeVersion, RegistryReadModel } from '../registry-read-model.js';
import { RegistryLookups } from './registry-lookups.js';

const TYPE = 'org.plaza.air-quality-observation';
const URI = 'https://schemas.plaza.example/standards/air-quality-observation/1.1.0/schema.json';

/** Lookups over a read model whose standards reads answer what it held when they began, once the test releases them. */
function setUp() {
  const listeners = new Set<(scope?: ChangeScope) => void>();
  const source: ChangeSource = { caching: true, subscribe: (listener) => (listeners.add(listener), () => listeners.delete(listener)) };
  const changes = { cache: (capacity: number) => new RegistryCache(source, 500, capacity) } as unknown as RegistryChanges;
  const held: { standards: ExchangeStandard[]; versions: ExchangeVersion[] } = { standards: [], versions: [] };
  const releases: (() => void)[] = [];
  let reads = 0;
  const registry = {
    standards: async () => {
      reads += 1;
      const found = { standards: [...held.standards], versions: [...held.versions] };
      await new Promise<void>((resolve) => releases.push(resolve));
      return found;
    },
  } as unknown as RegistryReadModel;
  const register = () => {
    held.standards.push({ id: 's1', ceType: TYPE });
    held.versions.push({ id: 'v1', standardId: 's1', major: 1, schemaUri: URI, status: 'published' });
  };
  const releaseAll = async () => {
    for (let i = 0; i < 10; i++) {
      while (releases.length > 0) releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const change = () => {
    for (const listener of listeners) listener();
  };
  return { lookups: new RegistryLookups(registry, changes), register, held, change, releaseAll, reads: () => reads };
}

describe("the exchange's registry lookups", () => {
  it('read a standard once for the submissions that miss it while it is read', async () => {
    const { lookups, register, releaseAll, reads } = setUp();
    register();
    const all = [lookups.lookup([], [TYPE], [URI]), lookups.lookup([], [TYPE], [URI]), lookups.lookup([], [TYPE], [URI])];
    await releaseAll();
    for (const found of await Promise.all(all)) expect(found.standards.map((s) => s.ceType)).toEqual([TYPE]);
    expect(reads()).toBe(1);
  });

  it('read a standard again that the joined read did not find: one registered a moment ago is found at once', async () => {
    const { lookups, register, releaseAll, reads } = setUp();
    const before = lookups.lookup([], [TYPE], [URI]);
    register();
    const after = lookups.lookup([], [TYPE], [URI]);
    await releaseAll();
    expect((await before).standards).toEqual([]);
    expect((await after).versions.map((v) => v.schemaUri)).toEqual([URI]);
    expect(reads()).toBe(2);
  });

  it('read a standard again when a change came while the joined read ran: a version deprecated meanwhile is seen at once', async () => {
    const { lookups, register, held, change, releaseAll, reads } = setUp();
    register();
    const first = lookups.lookup([], [TYPE], [URI]);
    const joiner = lookups.lookup([], [TYPE], [URI]);
    held.versions[0] = { ...held.versions[0]!, status: 'deprecated' };
    change();
    await releaseAll();
    expect([(await first).versions[0]!.status, (await joiner).versions[0]!.status]).toEqual(['published', 'deprecated']);
    expect(reads()).toBe(2);
  });
});
