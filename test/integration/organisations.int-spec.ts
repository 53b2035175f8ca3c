import { randomUUID } from 'node:crypto';
import { DISPLAY_NAME_CONSTRAINT, OrganisationRepository } from '../../apps/registry/src/organisations/organisation.repository.js';
import { OrganisationService } from '../../apps/registry/src/organisations/organisation.service.js';
import { OrganisationScope } from '../../apps/registry/src/organisations/organisation-scope.js';
import { organisationKind } from '../../apps/registry/src/organisations/organisation-record.js';
import { organisationById } from '../../apps/registry/src/organisations/index.js';
import { actorOf } from '../../apps/registry/src/kernel/auth/principal.js';
import { isUniqueViolation } from '../../apps/registry/src/kernel/errors/unique-violation.js';
import { UnitOfWork, UnjournaledWriteError } from '../../apps/registry/src/platform/journal/unit-of-work.js';
import { organisationBody } from '../support/fixtures.js';
import { describeOnServer, uniqueSlug } from '../support/test-app.js';
import { registerOrganisation, secondLockerMeets } from './support/organisations.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

describe('organisations: repository and service on the database', () => {
  let ctx: RegistryContext;
  let organisations: OrganisationRepository;
  let service: OrganisationService;

  beforeAll(async () => {
    ctx = await startRegistryContext();
    organisations = ctx.get(OrganisationRepository);
    service = ctx.get(OrganisationService);
  });
  afterAll(() => ctx.close());

  it('finds an organisation the service created by its id and its slug, and journals its creation', async () => {
    const slug = uniqueSlug('int-org');
    const created = await service.create(await ctx.operator(), organisationBody(slug, 'city'));
    expect((await organisations.findById(created.id))?.slug).toBe(slug);
    expect((await organisations.findBySlug(slug))?.id).toBe(created.id);
    expect(created.journalIndex).toEqual(expect.any(Number));
    const [entry] = (await ctx.db.query('SELECT subject_type, subject_id FROM journal_entries WHERE index = $1', [created.journalIndex])) as { subject_type: string; subject_id: string }[];
    expect(entry).toEqual({ subject_type: 'organisation', subject_id: created.id });
  });

  it('stores what a new organisation is given: no website and outside the coalition unless said', async () => {
    const slug = uniqueSlug('int-defaults');
    const created = await service.create(await ctx.operator(), organisationBody(slug, 'vendor'));
    expect(await organisations.findById(created.id)).toMatchObject({ slug, kind: 'vendor', coalitionMember: false, website: null, jurisdiction: 'CA-QC' });
  });

  it('finds nothing for an unknown id or slug, and the journaled kinds’ look-up by id fails for one', async () => {
    expect(await organisations.findById(randomUUID())).toBeNull();
    expect(await organisations.findBySlug(uniqueSlug('int-missing'))).toBeNull();
    await expect(organisationById(ctx.db.manager, randomUUID())).rejects.toThrow();
  });

  it('refuses a slug that is taken, and stores nothing', async () => {
    const slug = uniqueSlug('int-slug');
    await service.create(await ctx.operator(), organisationBody(slug, 'city'));
    const other = organisationBody(slug, 'vendor', { name: { en: `Another ${slug}`, fr: `Autre ${slug}` } });
    await expect(service.create(await ctx.operator(), other)).rejects.toMatchObject({ code: 'organisation.slug_taken' });
    expect(((await ctx.db.query('SELECT count(*)::int AS n FROM organisations WHERE slug = $1', [slug])) as [{ n: number }])[0].n).toBe(1);
  });

  it('refuses, in the database, a display name another organisation holds in either language', async () => {
    const first = await service.create(await ctx.operator(), organisationBody(uniqueSlug('int-name-a'), 'vendor'));
    const second = await service.create(await ctx.operator(), organisationBody(uniqueSlug('int-name-b'), 'vendor'));
    const refused = ctx.db.transaction((manager) => organisations.holdDisplayName(second.id, { en: 'Other', fr: first.name.fr.toUpperCase() }, manager));
    const outcome = await refused.then(
      () => 'held',
      (error: unknown) => (isUniqueViolation(error, DISPLAY_NAME_CONSTRAINT) ? 'refused' : error),
    );
    expect(outcome).toBe('refused');
  });

  it('frees an organisation’s former name when it takes another, and refuses a rename to a name that is held', async () => {
    const operator = await ctx.operator();
    const renamed = await service.create(operator, organisationBody(uniqueSlug('int-rename'), 'city'));
    const holder = await service.create(operator, organisationBody(uniqueSlug('int-holder'), 'city'));
    await expect(service.update(operator, renamed.slug, { name: { en: holder.name.en, fr: `Nouveau ${renamed.slug}` } })).rejects.toMatchObject({ code: 'organisation.name_taken' });
    await service.update(operator, renamed.slug, { name: { en: `New ${renamed.slug}`, fr: `Nouveau ${renamed.slug}` } });
    const taker = await service.create(operator, organisationBody(uniqueSlug('int-taker'), 'city', { name: renamed.name }));
    expect((await organisations.findById(taker.id))?.name).toEqual(renamed.name);
  });

  it('stores the fields an update gives, leaves the others, and journals the new state at the organisation’s latest entry', async () => {
    const operator = await ctx.operator();
    const created = await service.create(operator, organisationBody(uniqueSlug('int-update'), 'city', { website: 'https://city.example' }));
    const updated = await service.update(operator, created.slug, { jurisdiction: 'CA-ON' });
    expect(await organisations.findById(created.id)).toMatchObject({ jurisdiction: 'CA-ON', website: 'https://city.example', name: created.name });
    expect(updated.journalIndex).toBeGreaterThan(created.journalIndex!);
    // The kind discloses a record at its latest entry only: the creation's entry no longer matches what is stored.
    expect(await organisationKind.disclose(ctx.db.manager, created.journalIndex!)).toBeNull();
    const disclosed = await organisationKind.disclose(ctx.db.manager, updated.journalIndex!);
    expect(disclosed?.state).toMatchObject({ id: created.id, jurisdiction: 'CA-ON' });
    expect(disclosed?.visibleTo(undefined)).toBe(true);
  });

  it('lets only the operator grant or withdraw coalition membership, while an admin may edit the rest', async () => {
    const admin = await registerOrganisation(ctx, 'int-coalition', 'city');
    await expect(service.update(admin.principal, admin.slug, { coalitionMember: true })).rejects.toMatchObject({ code: 'auth.forbidden' });
    await service.update(admin.principal, admin.slug, { coalitionMember: false, jurisdiction: 'CA-BC' });
    expect(await organisations.findById(admin.organisationId)).toMatchObject({ coalitionMember: false, jurisdiction: 'CA-BC' });
    await service.update(await ctx.operator(), admin.slug, { coalitionMember: true });
    expect((await organisations.findById(admin.organisationId))?.coalitionMember).toBe(true);
  });

  it('scopes a member to their own organisation: another answers like a missing one, while the operator reaches any', async () => {
    const a = await registerOrganisation(ctx, 'int-scope-a', 'city');
    const b = await registerOrganisation(ctx, 'int-scope-b', 'vendor');
    const scope = ctx.get(OrganisationScope);
    expect((await scope.resolve(a.principal, a.slug)).id).toBe(a.organisationId);
    await expect(scope.resolve(a.principal, b.slug)).rejects.toMatchObject({ code: 'organisation.not_found' });
    await expect(service.update(a.principal, b.slug, { jurisdiction: 'XX' })).rejects.toMatchObject({ code: 'organisation.not_found' });
    expect((await scope.resolve(await ctx.operator(), b.slug)).id).toBe(b.organisationId);
  });

  it('counts the coalition-member cities and vendors, by slug, as the electorate, never the operator or a non-member', async () => {
    const operator = await ctx.operator();
    const second = await service.create(operator, organisationBody(uniqueSlug('int-elect-b'), 'city', { coalitionMember: true }));
    const first = await service.create(operator, organisationBody(uniqueSlug('int-elect-a'), 'vendor', { coalitionMember: true }));
    const outsider = await service.create(operator, organisationBody(uniqueSlug('int-elect-out'), 'city'));
    const slugs = (await organisations.coalitionMembers(ctx.db.manager)).map((o) => o.slug);
    expect(slugs.indexOf(first.slug)).toBeGreaterThanOrEqual(0);
    expect(slugs.indexOf(first.slug)).toBeLessThan(slugs.indexOf(second.slug));
    expect(slugs).not.toContain(outsider.slug);
    expect(slugs).not.toContain('operator');
  });

  it('finds organisations in bulk by id, and none for no ids', async () => {
    const a = await service.create(await ctx.operator(), organisationBody(uniqueSlug('int-bulk-a'), 'city'));
    const b = await service.create(await ctx.operator(), organisationBody(uniqueSlug('int-bulk-b'), 'vendor'));
    expect((await organisations.findByIds([a.id, b.id, randomUUID()])).map((o) => o.id).sort()).toEqual([a.id, b.id].sort());
    expect(await organisations.findByIds([])).toEqual([]);
  });

  it('pages the public list by slug with a cursor, and counts what the filter matches', async () => {
    const slugs = [uniqueSlug('int-page-a'), uniqueSlug('int-page-b'), uniqueSlug('int-page-c')];
    for (const slug of slugs) await service.create(await ctx.operator(), organisationBody(slug, 'vendor', { coalitionMember: true }));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await organisations.list({ kind: 'vendor', coalitionMember: true }, { limit: 2, sort: 'slug', ...(cursor ? { cursor } : {}) });
      seen.push(...page.rows.map((o) => o.slug));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(slugs.every((slug) => seen.includes(slug))).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
    expect(await organisations.count({ kind: 'vendor', coalitionMember: true })).toBe(seen.length);
  });

  it('leaves the operator out of the public list', async () => {
    const { rows } = await organisations.list({}, { limit: 100, sort: 'slug' });
    expect(rows.some((o) => o.kind === 'operator')).toBe(false);
  });

  it('rolls back an organisation stored without its journal entry', async () => {
    const slug = uniqueSlug('int-unjournaled');
    const fields = { ...organisationBody(slug, 'city'), coalitionMember: false, website: null };
    const unjournaled = ctx.get(UnitOfWork).run(actorOf(await ctx.operator()), (tx) => organisations.insert(fields, tx.manager));
    await expect(unjournaled).rejects.toBeInstanceOf(UnjournaledWriteError);
    expect(await organisations.findBySlug(slug)).toBeNull();
  });

  describeOnServer('on the server, where transactions run side by side', () => {
    it('holds an organisation read for update until the transaction ends: a second one waits', async () => {
      const created = await service.create(await ctx.operator(), organisationBody(uniqueSlug('int-lock'), 'city'));
      expect(await secondLockerMeets(ctx, (manager) => organisations.findForUpdate(created.id, manager))).toBe('55P03');
    });
  });
});
