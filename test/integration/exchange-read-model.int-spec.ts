import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import {
  type KeyRow, keysSql, READ_MODEL_COLUMNS, RegistryReadModel, type StandardRow, standardsSql, toKey, toStandards, versionCoveredSql,
} from '../../apps/registry/src/exchange/registry-read-model.js';
import { AIR_TYPE, airSchema, type ExchangeScenario, exchangeScenario, READING_FIELDS } from '../support/exchange-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const AIR = 'air-quality-observation';

/**
 * The exchange reads other features' tables through one read model (apps/registry/src/exchange/registry-read-model.ts).
 * These tests pin what it reads: a renamed or dropped column fails here, against the real database, rather than in a
 * request. The registry is seeded through its public API, as people would; the read model is then called directly.
 */
describe("the exchange's registry read model on the database", () => {
  let t: TestApp;
  let model: RegistryReadModel;
  let db: DataSource;

  beforeAll(async () => {
    // A database of its own on the server, so that "empty" means empty.
    t = await startTestApp({}, { ownDatabase: true });
    model = t.app.get(RegistryReadModel, { strict: false });
    db = t.app.get(DataSource);
  });
  afterAll(() => t?.close());

  const inTransaction = <T>(work: (manager: EntityManager) => Promise<T>) => db.transaction(work);
  const keysByKid = async (kids: string[]) => ((await db.query(`SELECT * FROM (${keysSql('$1')}) k`, [kids])) as KeyRow[]).map(toKey);
  const standardsOf = async (types: string[], uris: string[]) => toStandards((await db.query(`SELECT * FROM (${standardsSql('$1', '$2')}) st`, [types, uris])) as StandardRow[]);
  const covered = async (versionId: string, pairs: [string, number][]) =>
    ((await db.query(`SELECT ${versionCoveredSql('$1::uuid', '$2', '$3')} AS covered`, [versionId, pairs.map((p) => p[0]), pairs.map((p) => p[1])])) as { covered: boolean }[])[0]!.covered;

  it('finds in the database every table and column it declares', async () => {
    const rows = (await db.query('SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1)', [
      Object.keys(READ_MODEL_COLUMNS),
    ])) as { table_name: string; column_name: string }[];
    const present = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
    const declared = Object.entries(READ_MODEL_COLUMNS).flatMap(([table, columns]) => columns.map((column) => `${table}.${column}`));
    expect(declared.filter((column) => !present.has(column))).toEqual([]);
  });

  it('runs each of its queries on a registry with no organisation, key, source or agreement, and finds nothing', async () => {
    const nobody = randomUUID();
    await inTransaction(async (manager) => {
      expect(await model.lockRegistry(['no-such-kid'], ['urn:no-such-source'], [{ ceSource: 'urn:no-such-source', organisationId: nobody }], manager)).toEqual({ keys: [], sources: [], agreements: [] });
      expect(await model.agreementVersions([randomUUID()], manager)).toEqual([]);
    });
    expect(await model.findSource({ ceSource: 'urn:no-such-source' })).toBeNull();
    expect(await model.findSource({ id: randomUUID() })).toBeNull();
    expect(await model.standards(['org.plaza.no-such-type'], [airSchema()])).toEqual({ standards: [], versions: [] });
    expect(await model.schemas(['https://schemas.plaza.example/standards/no-such/1.0.0/schema.json'])).toEqual(new Map());
    expect(await keysByKid(['no-such-kid'])).toEqual([]);
    expect(await standardsOf(['org.plaza.no-such-type'], [])).toEqual({ standards: [], versions: [] });
    expect(await covered(randomUUID(), [[AIR, 1]])).toBe(false);
  });

  describe('once a city, a vendor, their keys, an active source and an agreement in force are registered', () => {
    let s: ExchangeScenario;
    beforeAll(async () => {
      s = await exchangeScenario(t);
    });

    it('locks and reads the keys, the source and the agreement the events rely on, as the exchange types them', async () => {
      await inTransaction(async (manager) => {
        const locked = await model.lockRegistry([s.vendorKey.keyid, s.cityKey.keyid], [s.source], [{ ceSource: s.source, organisationId: s.vendor.id }], manager);
        const keys = new Map(locked.keys.map((key) => [key.kid, key]));
        expect(locked.keys).toHaveLength(2);
        expect(keys.get(s.vendorKey.keyid)).toEqual({
          kid: s.vendorKey.keyid, organisationId: s.vendor.id, jwk: expect.objectContaining({ kty: 'OKP', crv: 'Ed25519' }), validFrom: expect.any(Date), expiresAt: null, revokedAt: null,
        });
        expect(keys.get(s.cityKey.keyid)).toEqual(expect.objectContaining({ organisationId: s.city.id }));
        expect(locked.sources).toEqual([
          { id: s.sourceId, ceSource: s.source, ownerId: s.city.id, operatorId: s.vendor.id, status: 'active', personalInformation: false, standards: [{ standard: AIR, major: 1 }] },
        ]);
        expect(locked.agreements).toEqual([{ id: s.agreementId, cityId: s.city.id }]);
        // The city sends for its own source: no agreement of its source is locked for it.
        expect((await model.lockRegistry([], [s.source], [{ ceSource: s.source, organisationId: s.city.id }], manager)).agreements).toEqual([]);

        const [version, ...more] = await model.agreementVersions([s.agreementId], manager);
        expect(more).toEqual([]);
        expect(version).toEqual({
          id: expect.any(String), agreementId: s.agreementId, number: 1, status: 'active', vendorIds: [s.vendor.id], sourceIds: [s.sourceId],
          eventTypes: [{ standard: AIR, major: 1 }], allowedFields: [{ partyId: s.vendor.id, standard: AIR, major: 1, fields: READING_FIELDS }],
          validFrom: expect.any(Date), validUntil: expect.any(Date), privacyRecordIds: [], signaturesCompletedAt: expect.any(Date),
          history: expect.arrayContaining([{ status: 'active', at: expect.any(String), reason: null }]),
        });
      });
    });

    it('reads the standard of a type and the published version a dataschema names, its schema, and which majors cover it', async () => {
      const { standards, versions } = await model.standards([AIR_TYPE], [airSchema()]);
      expect(standards).toEqual([{ id: AIR, ceType: AIR_TYPE }]);
      expect(versions).toEqual([{ id: expect.any(String), standardId: AIR, major: 1, schemaUri: airSchema(), status: 'published' }]);
      expect(await standardsOf([AIR_TYPE], [airSchema()])).toEqual({ standards, versions });
      expect((await model.schemas([airSchema()])).get(airSchema())).toEqual(expect.objectContaining({ $id: airSchema() }));
      expect(await covered(versions[0]!.id, [[AIR, 1]])).toBe(true);
      expect(await covered(versions[0]!.id, [[AIR, 2], ['noise-level-observation', 1]])).toBe(false);
    });

    it('finds the source by id and by CloudEvents source, and the keys by kid outside any lock', async () => {
      const identity = { id: s.sourceId, ownerId: s.city.id, ceSource: s.source };
      expect(await model.findSource({ id: s.sourceId })).toEqual(identity);
      expect(await model.findSource({ ceSource: s.source })).toEqual(identity);
      expect(await keysByKid([s.vendorKey.keyid])).toEqual([expect.objectContaining({ kid: s.vendorKey.keyid, organisationId: s.vendor.id, validFrom: expect.any(Date) })]);
    });
  });
});
