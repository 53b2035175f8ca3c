import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalSchemaUri, schemaDigest } from '#plaza/standards';
import { actorOf } from '../../apps/registry/src/kernel/auth/principal.js';
import { isUniqueViolation } from '../../apps/registry/src/kernel/errors/unique-violation.js';
import { type Transaction, UnitOfWork } from '../../apps/registry/src/platform/journal/unit-of-work.js';
import { StandardsImportError } from '../../apps/registry/src/standards/standard-error.js';
import { type StandardFields, StandardPublisher, type VersionFields } from '../../apps/registry/src/standards/standard-publisher.js';
import { StandardRepository } from '../../apps/registry/src/standards/standard.repository.js';
import { standardKind, standardVersionKind } from '../../apps/registry/src/standards/standard-record.js';
import { StandardService } from '../../apps/registry/src/standards/standard.service.js';
import { StandardsCatalogue } from '../../apps/registry/src/standards/standards-catalogue.js';
import { StandardsImport } from '../../apps/registry/src/standards/standards-import.js';
import { standardsDir } from '../support/fixtures.js';
import { describeOnServer, uniqueSlug } from '../support/test-app.js';
import { secondLockerMeets } from './support/organisations.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

describe('standards: repository, publisher, catalogue and import on the database', () => {
  let ctx: RegistryContext;
  let standards: StandardRepository;
  let publisher: StandardPublisher;
  const folders: string[] = [];

  /** Runs `work` with the publisher in a unit of work, as the operator. */
  const publishing = async <T>(work: (tx: Transaction) => Promise<T>) => ctx.get(UnitOfWork).run(actorOf(await ctx.operator()), work);
  const standardFields = (token = uniqueSlug('tok').replace(/-/g, '')): StandardFields => {
    const id = uniqueSlug('int-std');
    return { id, title: { en: `Test standard ${token}`, fr: `Norme d’essai ${token}` }, description: { en: 'For tests', fr: 'Pour les essais' }, type: `org.plaza.test.${id}`, licence: 'CC-BY-4.0' };
  };
  // Versions published here say they come from a proposal: the standards suite counts the baseline's.
  const versionFields = (standardId: string, version: string): VersionFields => ({
    standardId, version, origin: 'proposal', proposalNumber: null, examples: { valid: {}, invalid: {} },
    schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: canonicalSchemaUri(standardId, version), type: 'object' },
  });
  /** The standards and baseline versions the folder imported, with the journal index of each: what an import may not touch. */
  const baseline = () =>
    ctx.db.query(
      "SELECT 'standard' AS kind, id::text, journal_index FROM standards WHERE id IN (SELECT standard_id FROM standard_versions WHERE origin = 'baseline') UNION ALL SELECT 'version', id::text, journal_index FROM standard_versions WHERE origin = 'baseline' ORDER BY 1, 2",
    );
  /** A copy of the standards folder, changed by `change`, and an import that reads it. */
  const importOf = (change: (folder: string) => void) => {
    const folder = mkdtempSync(join(tmpdir(), 'plaza-int-standards-'));
    folders.push(folder);
    cpSync(standardsDir, folder, { recursive: true });
    change(folder);
    return new StandardsImport({ ...ctx.config, standardsDir: folder }, ctx.get(UnitOfWork), standards, publisher, ctx.get(StandardsCatalogue));
  };
  const editSchema = (folder: string, path: string, edit: (schema: Record<string, unknown>) => void) => {
    const file = join(folder, path);
    const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    edit(schema);
    writeFileSync(file, JSON.stringify(schema, null, 2));
  };

  beforeAll(async () => {
    ctx = await startRegistryContext();
    standards = ctx.get(StandardRepository);
    publisher = ctx.get(StandardPublisher);
  });
  afterAll(async () => {
    await ctx.close();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('creates a standard and publishes a version, each journaled, found by id, by CloudEvents type and by number', async () => {
    const fields = standardFields();
    const { standard, version } = await publishing(async (tx) => {
      const standard = await publisher.createStandard(tx, fields);
      return { standard, version: await publisher.publishVersion(tx, versionFields(fields.id, '1.0.0')) };
    });
    expect(await standards.findStandard(fields.id)).toMatchObject({ id: fields.id, ceType: fields.type, title: fields.title });
    expect((await standards.findByType(fields.type))?.id).toBe(fields.id);
    expect(await standards.findVersion(fields.id, '1.0.0')).toMatchObject({
      major: 1, minor: 0, patch: 0, status: 'published', origin: 'proposal', schemaUri: canonicalSchemaUri(fields.id, '1.0.0'), schemaDigest: schemaDigest(version.schema), deprecatedAt: null,
    });
    const actions = (await ctx.db.query('SELECT action FROM journal_entries WHERE index = ANY($1) ORDER BY index', [[standard.journalIndex, version.journalIndex]])) as { action: string }[];
    expect(actions.map((a) => a.action)).toEqual(['standard.created', 'standard-version.published']);
  });

  it('finds nothing for an unknown standard, type or version', async () => {
    expect(await standards.findStandard(uniqueSlug('int-none'))).toBeNull();
    expect(await standards.findByType('org.plaza.test.none')).toBeNull();
    expect(await standards.findVersion('air-quality-observation', '9.9.9')).toBeNull();
  });

  it('orders a standard’s versions by number, not as text, and gives those of one major', async () => {
    const fields = standardFields();
    await publishing(async (tx) => {
      await publisher.createStandard(tx, fields);
      for (const version of ['1.10.0', '2.0.0', '1.2.0', '1.0.0']) await publisher.publishVersion(tx, versionFields(fields.id, version));
    });
    expect((await standards.versionsOf(fields.id)).map((v) => v.version)).toEqual(['1.0.0', '1.2.0', '1.10.0', '2.0.0']);
    expect((await standards.versionsOfMajor(fields.id, 1)).map((v) => v.version)).toEqual(['1.0.0', '1.2.0', '1.10.0']);
  });

  it('updates a standard’s texts and deprecates a version, each disclosed at the record’s latest entry only', async () => {
    const fields = standardFields();
    const created = await publishing(async (tx) => ({ standard: await publisher.createStandard(tx, fields), version: await publisher.publishVersion(tx, versionFields(fields.id, '1.0.0')) }));
    const createdAt = { standard: created.standard.journalIndex!, version: created.version.journalIndex! };
    const title = { en: `Renamed ${fields.id}`, fr: `Renommée ${fields.id}` };
    await publishing(async (tx) => {
      await publisher.updateStandard(tx, (await standards.findStandard(fields.id, tx.manager))!, { title, description: fields.description, licence: 'CC0-1.0' });
      await publisher.deprecateVersion(tx, (await standards.findVersion(fields.id, '1.0.0', tx.manager))!);
    });
    const standard = (await standards.findStandard(fields.id))!;
    const version = (await standards.findVersion(fields.id, '1.0.0'))!;
    expect(standard).toMatchObject({ title, licence: 'CC0-1.0', ceType: fields.type });
    expect(version).toMatchObject({ status: 'deprecated', deprecatedAt: expect.any(Date) });
    expect(await standardKind.disclose(ctx.db.manager, createdAt.standard)).toBeNull();
    expect(await standardVersionKind.disclose(ctx.db.manager, createdAt.version)).toBeNull();
    expect((await standardKind.disclose(ctx.db.manager, standard.journalIndex!))?.state).toMatchObject({ id: fields.id, title, licence: 'CC0-1.0' });
    expect((await standardVersionKind.disclose(ctx.db.manager, version.journalIndex!))?.state).toMatchObject({ version: '1.0.0', status: 'deprecated' });
  });

  it('refuses, in the database, a second standard of a CloudEvents type already taken', async () => {
    const first = standardFields();
    await publishing((tx) => publisher.createStandard(tx, first));
    const second = { ...standardFields(), type: first.type };
    const outcome = await publishing((tx) => publisher.createStandard(tx, second)).then(
      () => 'stored',
      (error: unknown) => (isUniqueViolation(error) ? 'refused' : error),
    );
    expect(outcome).toBe('refused');
    expect(await standards.findStandard(second.id)).toBeNull();
  });

  it('finds standards by free text in either language, and counts them; a wildcard is only a character', async () => {
    const token = uniqueSlug('needle').replace(/-/g, '');
    const fields = { ...standardFields(token), title: { en: `Share 100% ${token}`, fr: `Part de ${token}` } };
    await publishing((tx) => publisher.createStandard(tx, fields));
    expect((await standards.list(token.toUpperCase(), { limit: 10 })).rows.map((s) => s.id)).toEqual([fields.id]);
    expect(await standards.count(`part de ${token}`)).toBe(1);
    const percent = (await standards.list('100%', { limit: 100 })).rows;
    expect(percent.map((s) => s.id)).toContain(fields.id);
    expect(percent.every((s) => JSON.stringify([s.id, s.title, s.description]).includes('100%'))).toBe(true);
    expect(await standards.count(`${token}_`)).toBe(0);
  });

  it('serves the catalogue: unknown standards and versions are refused, a schema comes with its digest as ETag', async () => {
    const service = ctx.get(StandardService);
    await expect(service.get(uniqueSlug('int-none'))).rejects.toMatchObject({ code: 'standard.not_found' });
    await expect(service.getVersion('parking-occupancy', '9.9.9')).rejects.toMatchObject({ code: 'standard.version_not_found' });
    const stored = (await standards.findVersion('parking-occupancy', '1.1.0'))!;
    expect(await service.schema('parking-occupancy', '1.1.0')).toEqual({ schema: stored.schema, etag: `"${stored.schemaDigest}"` });
    const detail = await service.get('parking-occupancy');
    expect(detail.versions.slice(0, 2).map((v) => v.version)).toEqual(['1.0.0', '1.1.0']);
  });

  it('imports the folder again without changing anything', async () => {
    const before = await baseline();
    expect(before.length).toBeGreaterThan(0);
    await importOf(() => {}).onApplicationBootstrap();
    expect(await baseline()).toEqual(before);
  });

  it('refuses a published version whose file changed, naming the file and the version, and writes nothing', async () => {
    const before = await baseline();
    const changed = importOf((folder) =>
      editSchema(folder, 'noise-level-observation/1.0.0/schema.json', (schema) => {
        schema.description = `${String(schema.description ?? '')} (edited)`;
      }),
    );
    const refusal = changed.onApplicationBootstrap();
    await expect(refusal).rejects.toBeInstanceOf(StandardsImportError);
    await expect(refusal).rejects.toThrow(/noise-level-observation\/1\.0\.0\/schema\.json: version 1\.0\.0 of noise-level-observation is published and immutable/);
    expect(await baseline()).toEqual(before);
  });

  it('refuses a schema it must not compile (a remote reference) before writing anything', async () => {
    const before = await baseline();
    const unsafe = importOf((folder) =>
      editSchema(folder, 'parking-occupancy/1.1.0/schema.json', (schema) => {
        schema.properties = { ...(schema.properties as object), extra: { $ref: 'https://evil.example/schema.json' } };
      }),
    );
    await expect(unsafe.onApplicationBootstrap()).rejects.toThrow(/parking-occupancy\/1\.1\.0\/schema\.json/);
    expect(await baseline()).toEqual(before);
  });

  it('validates data against a published version, and says when the version is deprecated', async () => {
    const fields = standardFields();
    const version = await publishing(async (tx) => {
      await publisher.createStandard(tx, fields);
      const published = await publisher.publishVersion(tx, { ...versionFields(fields.id, '1.0.0'), schema: { ...versionFields(fields.id, '1.0.0').schema, required: ['n'] } });
      return publisher.deprecateVersion(tx, published);
    });
    const catalogue = ctx.get(StandardsCatalogue);
    expect(catalogue.validate(version, { n: 1 })).toMatchObject({ valid: true, deprecated: true });
    expect(catalogue.validate(version, {})).toMatchObject({ valid: false });
  });

  describeOnServer('on the server, where transactions run side by side', () => {
    it('lets one transaction at a time publish versions of a standard', async () => {
      const id = uniqueSlug('int-std-lock');
      expect(await secondLockerMeets(ctx, (manager) => standards.lockPublications(id, manager))).toBe('55P03');
    });
  });
});
