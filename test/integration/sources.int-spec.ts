import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR } from '../../apps/registry/src/kernel/auth/actor.js';
import { UnitOfWork, UnjournaledWriteError } from '../../apps/registry/src/platform/journal/unit-of-work.js';
import { ApprovePrivacyRecord } from '../../apps/registry/src/privacy-records/approve-privacy-record.use-case.js';
import { PrivacyRecordService } from '../../apps/registry/src/privacy-records/privacy-record.service.js';
import { SubmitPrivacyRecord } from '../../apps/registry/src/privacy-records/submit-privacy-record.use-case.js';
import type { CreatePrivacyRecordDto } from '../../apps/registry/src/privacy-records/privacy-record.dto.js';
import { SourcePrivacyFlags } from '../../apps/registry/src/sources/source-privacy-flags.js';
import type { CreateSourceDto } from '../../apps/registry/src/sources/source.dto.js';
import { SourceRepository } from '../../apps/registry/src/sources/source.repository.js';
import { SourceService } from '../../apps/registry/src/sources/source.service.js';
import { privacyRecordBody, sourceBody } from '../support/fixtures.js';
import { type ActingMember, addMember, registerOrganisation } from './support/organisations.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

const DAY = 86_400_000;

describe('sources: repository, service and privacy flags on the database', () => {
  let ctx: RegistryContext;
  let service: SourceService;
  let sources: SourceRepository;
  let flags: SourcePrivacyFlags;
  let city: ActingMember;
  let otherCity: ActingMember;
  let vendor: ActingMember;
  let approver: ActingMember;

  const ceSource = () => `urn:plaza:int-sources:${randomUUID()}`;
  const register = (extra: Record<string, unknown> = {}, by = city) => service.create(by.principal, sourceBody(ceSource(), extra) as unknown as CreateSourceDto);
  const camera = () => register({ personalInformation: true, technology: 'camera', standards: [{ standard: 'traffic-flow-observation', major: 1 }] });
  /** A privacy impact record covering these sources, opened and submitted by the city's admin and approved by its approver. */
  async function approvedRecord(sourceIds: string[], extra: Record<string, unknown> = {}) {
    const record = await ctx.get(PrivacyRecordService).create(city.principal, privacyRecordBody(sourceIds, extra) as unknown as CreatePrivacyRecordDto);
    await ctx.get(SubmitPrivacyRecord).execute(city.principal, record.id);
    await ctx.get(ApprovePrivacyRecord).execute(approver.principal, record.id);
    return record;
  }
  const entryOf = async (index: number | null) =>
    ((await ctx.db.query('SELECT action, subject_type, subject_id FROM journal_entries WHERE index = $1', [index])) as Record<string, unknown>[])[0];

  beforeAll(async () => {
    ctx = await startRegistryContext();
    service = ctx.get(SourceService);
    sources = ctx.get(SourceRepository);
    flags = ctx.get(SourcePrivacyFlags);
    city = await registerOrganisation(ctx, 'int-src-city', 'city');
    otherCity = await registerOrganisation(ctx, 'int-src-other', 'city');
    vendor = await registerOrganisation(ctx, 'int-src-vendor', 'vendor');
    // Granted by the operator, before any record is submitted: an approver whose decisions count.
    approver = await addMember(ctx, { id: city.organisationId, slug: city.slug }, ['privacy-approver']);
  });
  afterAll(() => ctx.close());

  it('stores a new source as planned, with its bounding box, operator and search text, and journals its registration', async () => {
    const created = await register({ operator: vendor.slug, location: { type: 'LineString', coordinates: [[-73.6, 45.5], [-73.5, 45.55]] } });
    expect(created).toMatchObject({ status: 'planned', owner: { slug: city.slug }, operator: { slug: vendor.slug }, privacyFlag: null });
    const stored = await sources.findById(created.id);
    expect(stored).toMatchObject({ ownerId: city.organisationId, operatorId: vendor.organisationId, minLon: -73.6, minLat: 45.5, maxLon: -73.5, maxLat: 45.55 });
    expect(await entryOf(created.journalIndex)).toEqual({ action: 'source.created', subject_type: 'source', subject_id: created.id });
    expect((await SourceRepository.atJournalIndex(ctx.db.manager, created.journalIndex!))?.id).toBe(created.id);
    const [row] = (await ctx.db.query('SELECT search_text FROM sources WHERE id = $1', [created.id])) as { search_text: string }[];
    expect(row!.search_text).toContain('air station');
  });

  it('refuses a CloudEvents source value already registered, and an operator that is neither the city nor a vendor', async () => {
    const taken = ceSource();
    await service.create(city.principal, sourceBody(taken) as unknown as CreateSourceDto);
    await expect(service.create(otherCity.principal, sourceBody(taken) as unknown as CreateSourceDto)).rejects.toMatchObject({ code: 'source.ce_source_taken' });
    await expect(register({ operator: otherCity.slug })).rejects.toMatchObject({ code: 'source.invalid_operator' });
    expect(await sources.count({ ownerId: otherCity.organisationId })).toBe(0);
  });

  it('updates a source in place, its search text with it, and journals the change; a retired source is kept as it was', async () => {
    const created = await register();
    const updated = await service.update(city.principal, created.id, { name: { en: 'Renamed harbour station', fr: 'Station du port renommée' } });
    expect(updated.name.en).toBe('Renamed harbour station');
    expect(await entryOf(updated.journalIndex)).toMatchObject({ action: 'source.updated', subject_id: created.id });
    const found = await sources.list({ ownerId: city.organisationId, text: 'HARBOUR STATION' }, {});
    expect(found.rows.map((s) => s.id)).toEqual([created.id]);

    await service.changeStatus(city.principal, created.id, { status: 'retired' });
    await expect(service.update(city.principal, created.id, { name: { en: 'Again', fr: 'Encore' } })).rejects.toMatchObject({ code: 'source.retired_is_final' });
    expect((await sources.findById(created.id))?.name.en).toBe('Renamed harbour station');
  });

  it('moves a source through its statuses as the transition table allows, journaling each, and refuses the others', async () => {
    const { id } = await register();
    await expect(service.changeStatus(city.principal, id, { status: 'suspended' })).rejects.toMatchObject({ code: 'source.invalid_transition' });
    for (const status of ['active', 'suspended', 'active', 'retired'] as const) {
      const changed = await service.changeStatus(city.principal, id, { status, reason: `to ${status}` });
      expect(changed).toMatchObject({ status, statusReason: `to ${status}` });
      expect(await entryOf(changed.journalIndex)).toMatchObject({ action: `source.${status}` });
    }
    await expect(service.changeStatus(city.principal, id, { status: 'active' })).rejects.toMatchObject({ code: 'source.invalid_transition' });
    expect((await sources.findById(id))?.status).toBe('retired');
  });

  it('refuses to activate a source collecting personal information until an approved record covers it, and to start collecting without one while active', async () => {
    const counter = await camera();
    await expect(service.changeStatus(city.principal, counter.id, { status: 'active' })).rejects.toMatchObject({ code: 'source.privacy_record_required' });
    expect((await sources.findById(counter.id))?.status).toBe('planned');
    await approvedRecord([counter.id]);
    expect((await service.changeStatus(city.principal, counter.id, { status: 'active' })).status).toBe('active');

    const station = await register();
    await service.changeStatus(city.principal, station.id, { status: 'active' });
    await expect(service.update(city.principal, station.id, { personalInformation: true })).rejects.toMatchObject({ code: 'source.privacy_record_required' });
    expect((await sources.findById(station.id))?.personalInformation).toBe(false);
  });

  it('raises the privacy flag of an uncovered personal-information source when its record lapses, skips the covered and the others, and clears it on approval; each change journaled', async () => {
    const lapsed = await camera();
    const stillCovered = await camera();
    const plain = await register();
    const record = await approvedRecord([lapsed.id, stillCovered.id, plain.id]);
    const expiresAt = new Date(Date.now() + DAY);
    const covering = { id: record.id, sourceIds: [lapsed.id, stillCovered.id, plain.id], expiresAt };
    const uow = ctx.get(UnitOfWork);
    // Coverage is judged at the instant given: now the record is in force, so nothing is flagged and the write records nothing.
    await expect(uow.run(SYSTEM_ACTOR, (tx) => flags.raiseFor(covering, new Date(), tx))).rejects.toBeInstanceOf(UnjournaledWriteError);
    expect((await sources.findById(lapsed.id))?.privacyFlaggedAt).toBeNull();

    // Two years on the record has lapsed; a later one still covers the second camera.
    const later = new Date(Date.now() + 2 * 365 * DAY);
    const fresh = await approvedRecord([stillCovered.id], { nextReviewDate: new Date(Date.now() + 3 * 365 * DAY).toISOString().slice(0, 10) });
    await uow.run(SYSTEM_ACTOR, (tx) => flags.raiseFor(covering, later, tx));
    const flagged = await sources.findById(lapsed.id);
    expect(flagged).toMatchObject({ privacyFlaggedAt: expiresAt, privacyFlagReason: 'privacy-record-expired', privacyFlagRecordId: record.id });
    expect(await entryOf(flagged!.journalIndex)).toMatchObject({ action: 'source.privacy-flagged', subject_id: lapsed.id });
    expect((await sources.findById(stillCovered.id))?.privacyFlaggedAt).toBeNull();
    expect((await sources.findById(plain.id))?.privacyFlaggedAt).toBeNull();
    expect((await service.get(lapsed.id)).privacyFlag).toEqual({ reason: 'privacy-record-expired', privacyRecordId: record.id, flaggedAt: expiresAt.toISOString() });

    await uow.run(SYSTEM_ACTOR, (tx) => flags.clearFor({ id: fresh.id, sourceIds: [lapsed.id], expiresAt: later }, tx));
    const cleared = await sources.findById(lapsed.id);
    expect(cleared).toMatchObject({ privacyFlaggedAt: null, privacyFlagReason: null, privacyFlagRecordId: null });
    expect(await entryOf(cleared!.journalIndex)).toMatchObject({ action: 'source.privacy-flag-cleared', subject_id: lapsed.id });
  });

  it("finds a city's own sources among ids and locks only its own: another city's reads like a missing one", async () => {
    const own = await register();
    const foreign = await register({}, otherCity);
    const owned = await sources.findOwned(city.organisationId, [own.id, foreign.id, randomUUID()]);
    expect(owned.map((s) => s.id)).toEqual([own.id]);
    await ctx.db.transaction(async (manager) => {
      expect((await sources.findOwnedForUpdate(city.organisationId, own.id, manager))?.id).toBe(own.id);
      expect(await sources.findOwnedForUpdate(city.organisationId, foreign.id, manager)).toBeNull();
    });
    await expect(service.changeStatus(city.principal, foreign.id, { status: 'active' })).rejects.toMatchObject({ code: 'source.not_found' });
    await expect(service.update(city.principal, foreign.id, { name: { en: 'Mine', fr: 'À moi' } })).rejects.toMatchObject({ code: 'source.not_found' });
  });

  it('lists the sources whose bounding box meets a box, page by page, and counts what the box matches', async () => {
    // A patch of ocean no other suite places sources in.
    const lon = -150 + Math.random() * 10;
    const lat = -50 + Math.random() * 10;
    const point = (dLon: number) => ({ location: { type: 'Point', coordinates: [lon + dLon, lat] } });
    const inside = [await register(point(0)), await register(point(0.002)), await register(point(0.004))];
    await register(point(0.5));
    const box = { minLon: lon - 0.001, minLat: lat - 0.001, maxLon: lon + 0.005, maxLat: lat + 0.001 };
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await sources.list({ box }, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.rows.length).toBeLessThanOrEqual(2);
      seen.push(...page.rows.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(seen.sort()).toEqual(inside.map((s) => s.id).sort());
    expect(pages).toBe(2);
    expect(await sources.count({ box })).toBe(3);
    expect((await service.list({ near: [lon, lat], radius: 100 })).items.map((s) => s.id)).toEqual([inside[0]!.id]);
  });
});
