import { randomUUID } from 'node:crypto';
import { AgreementService } from '../../apps/registry/src/agreements/agreement.service.js';
import type { CreateAgreementDto } from '../../apps/registry/src/agreements/agreement.dto.js';
import { TerminateAgreement } from '../../apps/registry/src/agreements/terminate-agreement.use-case.js';
import { ApiKeyService } from '../../apps/registry/src/api-keys/api-key.service.js';
import { MemberService } from '../../apps/registry/src/members/member.service.js';
import { Scheduler } from '../../apps/registry/src/platform/scheduler/scheduler.js';
import { ApprovePrivacyRecord } from '../../apps/registry/src/privacy-records/approve-privacy-record.use-case.js';
import { PrivacyGate } from '../../apps/registry/src/privacy-records/privacy-gate.js';
import type { CreatePrivacyRecordDto } from '../../apps/registry/src/privacy-records/privacy-record.dto.js';
import { PrivacyRecordRepository } from '../../apps/registry/src/privacy-records/privacy-record.repository.js';
import { PrivacyRecordService } from '../../apps/registry/src/privacy-records/privacy-record.service.js';
import { expiryInstant } from '../../apps/registry/src/privacy-records/privacy-record-status.js';
import { RejectPrivacyRecord } from '../../apps/registry/src/privacy-records/reject-privacy-record.use-case.js';
import { SubmitPrivacyRecord } from '../../apps/registry/src/privacy-records/submit-privacy-record.use-case.js';
import type { CreateSourceDto } from '../../apps/registry/src/sources/source.dto.js';
import { SourceRepository } from '../../apps/registry/src/sources/source.repository.js';
import { SourceService } from '../../apps/registry/src/sources/source.service.js';
import type { Principal } from '../../apps/registry/src/kernel/auth/principal.js';
import { airAgreementBody } from '../support/exchange-fixtures.js';
import { privacyRecordBody, sourceBody } from '../support/fixtures.js';
import { type ActingMember, addMember, registerOrganisation } from './support/organisations.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

const DAY = 86_400_000;
/** The UTC day `days` from now, as YYYY-MM-DD. */
const day = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

describe('privacy records: repository, use cases and the gate on the database', () => {
  let ctx: RegistryContext;
  let records: PrivacyRecordRepository;
  let service: PrivacyRecordService;
  let submit: SubmitPrivacyRecord;
  let approve: ApprovePrivacyRecord;
  let reject: RejectPrivacyRecord;
  let city: ActingMember;
  let otherCity: ActingMember;
  let vendor: ActingMember;
  let writer: ActingMember;
  let approver: ActingMember;

  const cityRef = () => ({ id: city.organisationId, slug: city.slug });
  const source = async (by = city, extra: Record<string, unknown> = {}) =>
    (await ctx.get(SourceService).create(by.principal, sourceBody(`urn:plaza:int-privacy:${randomUUID()}`, extra) as unknown as CreateSourceDto)).id;
  const camera = (by = city) => source(by, { personalInformation: true, technology: 'camera', standards: [{ standard: 'traffic-flow-observation', major: 1 }] });
  const open = async (by: ActingMember, sourceIds: string[], extra: Record<string, unknown> = {}) =>
    (await service.create(by.principal, privacyRecordBody(sourceIds, extra) as unknown as CreatePrivacyRecordDto)).id;
  /** A record over a new camera of the city, opened and submitted by `by`. */
  const submitted = async (by: ActingMember = writer, extra: Record<string, unknown> = {}) => {
    const id = await open(by, [await camera()], extra);
    await submit.execute(by.principal, id);
    return id;
  };
  const draftAgreement = async (by: ActingMember) =>
    (await ctx.get(AgreementService).create(by.principal, airAgreementBody(vendor.slug, await source(by)) as unknown as CreateAgreementDto)).id;
  const stored = async (id: string) => (await records.findById(id))!;
  const actionOf = async (index: number | null) => ((await ctx.db.query('SELECT action FROM journal_entries WHERE index = $1', [index])) as { action: string }[])[0]?.action;
  /** A member of the city added by `by` (its grant is theirs), acting with a key `keyFrom` issued. */
  async function memberGrantedBy(by: Principal, keyFrom: Principal): Promise<Principal> {
    const member = await ctx.get(MemberService).create(by, city.slug, { name: 'Granted approver', email: `approver-${randomUUID()}@${city.slug}.example`, roles: ['privacy-approver'] });
    const { key } = await ctx.get(ApiKeyService).issue(keyFrom, city.slug, { memberId: member.id, label: 'integration' });
    return ctx.principalOf(key);
  }

  beforeAll(async () => {
    ctx = await startRegistryContext();
    records = ctx.get(PrivacyRecordRepository);
    service = ctx.get(PrivacyRecordService);
    submit = ctx.get(SubmitPrivacyRecord);
    approve = ctx.get(ApprovePrivacyRecord);
    reject = ctx.get(RejectPrivacyRecord);
    city = await registerOrganisation(ctx, 'int-pir-city', 'city');
    otherCity = await registerOrganisation(ctx, 'int-pir-other', 'city');
    vendor = await registerOrganisation(ctx, 'int-pir-vendor', 'vendor');
    writer = await addMember(ctx, cityRef(), ['member']);
    // Granted by the operator before any submission: the approver whose decisions count.
    approver = await addMember(ctx, cityRef(), ['privacy-approver']);
  });
  afterAll(() => ctx.close());

  it('opens a draft, lets the city edit it, and submits it: whoever edits or submits becomes a contributor; each step journaled', async () => {
    const id = await open(writer, [await camera()]);
    expect(await stored(id)).toMatchObject({ status: 'draft', organisationId: city.organisationId, authorMemberId: writer.memberId, contributorMemberIds: [writer.memberId] });
    expect(await actionOf((await stored(id)).journalIndex)).toBe('privacy-record.opened');

    await service.update(city.principal, id, { riskLevel: 'high' });
    expect(await stored(id)).toMatchObject({ riskLevel: 'high', contributorMemberIds: [writer.memberId, city.memberId] });
    await submit.execute(writer.principal, id);
    const record = await stored(id);
    expect(record).toMatchObject({ status: 'submitted', submittedAt: expect.any(Date), contributorMemberIds: [writer.memberId, city.memberId] });
    expect(await actionOf(record.journalIndex)).toBe('privacy-record.submitted');
    expect((await PrivacyRecordRepository.atJournalIndex(ctx.db.manager, record.journalIndex!))?.id).toBe(id);

    await expect(submit.execute(writer.principal, id)).rejects.toMatchObject({ code: 'privacy_record.wrong_status' });
    await expect(service.update(writer.principal, id, { riskLevel: 'low' })).rejects.toMatchObject({ code: 'privacy_record.wrong_status' });
    expect((await stored(id)).riskLevel).toBe('high');
  });

  it('refuses to submit a record that covers nothing', async () => {
    const id = await open(writer, []);
    await expect(submit.execute(writer.principal, id)).rejects.toMatchObject({ code: 'privacy_record.nothing_covered' });
    expect((await stored(id)).status).toBe('draft');
  });

  it("approves a record with an approver who held the role before its submission, recording since when, and another city's approver finds nothing", async () => {
    const id = await submitted();
    await expect(approve.execute(await ctx.operator(), id)).rejects.toMatchObject({ code: 'privacy_record.not_found' });
    const other = await addMember(ctx, { id: otherCity.organisationId, slug: otherCity.slug }, ['privacy-approver']);
    await expect(approve.execute(other.principal, id)).rejects.toMatchObject({ code: 'privacy_record.not_found' });

    await approve.execute(approver.principal, id);
    const record = await stored(id);
    expect(record).toMatchObject({ status: 'approved', decidedByMemberId: approver.memberId, decidedAt: expect.any(Date) });
    expect(record.deciderRoleSince!.getTime()).toBeLessThan(record.submittedAt!.getTime());
    expect(await actionOf(record.journalIndex)).toBe('privacy-record.approved');
    await expect(approve.execute(approver.principal, id)).rejects.toMatchObject({ code: 'privacy_record.wrong_status' });
  });

  describe('four eyes', () => {
    it('refuses an approver who wrote or submitted the record, to approve and to reject', async () => {
      const own = await submitted(approver);
      await expect(approve.execute(approver.principal, own)).rejects.toMatchObject({ code: 'privacy_record.decider_is_author' });
      await expect(reject.execute(approver.principal, own, 'Mine')).rejects.toMatchObject({ code: 'privacy_record.decider_is_author' });
      expect((await stored(own)).status).toBe('submitted');
    });

    it('refuses an approver who became one after the submission, who may still reject it: a rejection activates nothing', async () => {
      const id = await submitted();
      const recent = await addMember(ctx, cityRef(), ['privacy-approver']);
      await expect(approve.execute(recent.principal, id)).rejects.toMatchObject({ code: 'privacy_record.decider_role_too_recent' });
      await reject.execute(recent.principal, id, 'Not enough mitigation');
      expect(await stored(id)).toMatchObject({ status: 'rejected', rejectionReason: 'Not enough mitigation', decidedByMemberId: recent.memberId });
      expect(await actionOf((await stored(id)).journalIndex)).toBe('privacy-record.rejected');
    });

    it('refuses an approver whose role an author of the record granted, even before it was submitted', async () => {
      const puppet = await memberGrantedBy(city.principal, await ctx.operator());
      const id = await submitted(city);
      await expect(approve.execute(puppet, id)).rejects.toMatchObject({ code: 'privacy_record.decider_role_from_author' });
      expect((await stored(id)).status).toBe('submitted');
    });

    it('refuses a genuine approver acting with a key an author of the record issued them', async () => {
      const id = await submitted(city);
      const { key } = await ctx.get(ApiKeyService).issue(city.principal, city.slug, { memberId: approver.memberId, label: 'from the author' });
      await expect(approve.execute(await ctx.principalOf(key), id)).rejects.toMatchObject({ code: 'privacy_record.decider_key_from_author' });
      expect((await stored(id)).status).toBe('submitted');
      await approve.execute(approver.principal, id);
      expect((await stored(id)).status).toBe('approved');
    });
  });

  it('expires an approved record once its review date has passed, at the Scheduler tick, and flags the active sources it alone covered', async () => {
    const counter = await camera();
    const id = await open(writer, [counter], { nextReviewDate: day(1) });
    await submit.execute(writer.principal, id);
    await approve.execute(approver.principal, id);
    await ctx.get(SourceService).changeStatus(city.principal, counter, { status: 'active' });
    const expiresAt = expiryInstant(day(1));

    await ctx.get(Scheduler).tick(new Date(expiresAt.getTime() - 1000));
    expect((await stored(id)).status).toBe('approved');
    await ctx.get(Scheduler).tick(new Date(expiresAt.getTime() + 1000));
    const record = await stored(id);
    expect(record).toMatchObject({ status: 'expired', expiredAt: expiresAt });
    expect(await actionOf(record.journalIndex)).toBe('privacy-record.expired');
    const flagged = (await ctx.get(SourceRepository).findById(counter))!;
    expect(flagged).toMatchObject({ privacyFlaggedAt: expiresAt, privacyFlagReason: 'privacy-record-expired', privacyFlagRecordId: id });
    expect(await actionOf(flagged.journalIndex)).toBe('source.privacy-flagged');
  });

  it('answers, at an instant, whether a record covers a source, how many are in force, and what each id names for a city', async () => {
    const counter = await camera();
    const id = await open(writer, [counter], { nextReviewDate: day(1) });
    await submit.execute(writer.principal, id);
    await approve.execute(approver.principal, id);
    const draft = await open(writer, [counter]);
    const gate = ctx.get(PrivacyGate);
    const now = new Date();
    const after = new Date(expiryInstant(day(1)).getTime() + 1000);
    await ctx.db.transaction(async (manager) => {
      expect(await records.sourceCovered(counter, now, manager)).toBe(true);
      expect(await records.sourceCovered(counter, after, manager)).toBe(false);
      expect(await records.countInForce([id, draft], city.organisationId, now, manager)).toBe(1);
      expect(await records.countInForce([id], otherCity.organisationId, now, manager)).toBe(0);
    });
    const madeUp = randomUUID();
    expect(await gate.citations([id, draft, madeUp], city.organisationId, after)).toEqual(new Map([[id, 'expired'], [draft, 'draft'], [madeUp, 'unknown']]));
    expect(await gate.citations([id, draft], otherCity.organisationId, now)).toEqual(new Map([[id, 'foreign'], [draft, 'unknown']]));
  });

  it("lists a city's drafts to the city alone, and only approved or expired records to anyone", async () => {
    const approved = await submitted();
    await approve.execute(approver.principal, approved);
    const draft = await open(writer, [await camera()]);
    const ids = async (filter: Parameters<PrivacyRecordRepository['list']>[0]) =>
      (await records.list({ organisationId: city.organisationId, ...filter }, { limit: 100 }, new Date())).rows.map((r) => r.id);
    expect(await ids({ privateTo: city.organisationId })).toEqual(expect.arrayContaining([approved, draft]));
    expect(await ids({})).toContain(approved);
    expect(await ids({})).not.toContain(draft);
    expect(await ids({ privateTo: otherCity.organisationId })).not.toContain(draft);
    expect(await ids({ status: 'approved' })).toContain(approved);
  });

  describe('what a record may refer to', () => {
    const count = async () => ((await ctx.db.query('SELECT count(*)::int AS n FROM privacy_records WHERE organisation_id = $1', [city.organisationId])) as { n: number }[])[0]!.n;

    it("refuses another city's source and a made-up one, storing nothing", async () => {
      const before = await count();
      await expect(open(writer, [await camera(otherCity)])).rejects.toMatchObject({ code: 'privacy_record.unknown_source' });
      await expect(open(writer, [randomUUID()])).rejects.toMatchObject({ code: 'privacy_record.unknown_source' });
      expect(await count()).toBe(before);
    });

    it("answers another city's draft agreement like a made-up one, refuses one of its own that has ended, and covers its own draft", async () => {
      const before = await count();
      const sourceIds = [await camera()];
      await expect(open(writer, sourceIds, { agreementIds: [await draftAgreement(otherCity)] })).rejects.toMatchObject({ code: 'privacy_record.agreement_not_found' });
      await expect(open(writer, sourceIds, { agreementIds: [randomUUID()] })).rejects.toMatchObject({ code: 'privacy_record.agreement_not_found' });
      const ended = await draftAgreement(city);
      await ctx.get(TerminateAgreement).execute(city.principal, ended, 'Abandoned');
      await expect(open(writer, sourceIds, { agreementIds: [ended] })).rejects.toMatchObject({ code: 'privacy_record.agreement_not_citable' });
      expect(await count()).toBe(before);

      const own = await draftAgreement(city);
      const id = await open(writer, sourceIds, { agreementIds: [own] });
      expect((await stored(id)).agreementIds).toEqual([own]);
    });

    it('checks again at submission: an agreement that has ended since makes the record unsubmittable', async () => {
      const agreement = await draftAgreement(city);
      const id = await open(writer, [await camera()], { agreementIds: [agreement] });
      await ctx.get(TerminateAgreement).execute(city.principal, agreement, 'Abandoned');
      await expect(submit.execute(writer.principal, id)).rejects.toMatchObject({ code: 'privacy_record.agreement_not_citable' });
      expect((await stored(id)).status).toBe('draft');
    });
  });
});
