import { DISPLAY_NAME_CONSTRAINT, OrganisationRepository } from '../../apps/registry/src/organisations/organisation.repository.js';
import { OrganisationService } from '../../apps/registry/src/organisations/organisation.service.js';
import { isUniqueViolation } from '../../apps/registry/src/kernel/errors/unique-violation.js';
import { organisationBody } from '../support/fixtures.js';
import { uniqueSlug } from '../support/test-app.js';
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
});
