import { canonicalSchemaUri } from '#plaza/standards';
import { actorOf } from '../../apps/registry/src/kernel/auth/principal.js';
import { UnitOfWork } from '../../apps/registry/src/platform/journal/unit-of-work.js';
import { ORGANISATION_DIRECTORY } from '../../apps/registry/src/organisations/index.js';
import { DecideProposal } from '../../apps/registry/src/proposals/decide-proposal.use-case.js';
import { OpenVoting } from '../../apps/registry/src/proposals/open-voting.use-case.js';
import { ProposalChecks } from '../../apps/registry/src/proposals/proposal-checks.js';
import { proposalKind, proposalReviewKind, proposalVoteKind } from '../../apps/registry/src/proposals/proposal-record.js';
import { ProposalRepository } from '../../apps/registry/src/proposals/proposal.repository.js';
import { ProposalService } from '../../apps/registry/src/proposals/proposal.service.js';
import { ProposalsImport } from '../../apps/registry/src/proposals/proposals-import.js';
import { SubmitProposal } from '../../apps/registry/src/proposals/submit-proposal.use-case.js';
import type { CreateProposalDto } from '../../apps/registry/src/proposals/proposal.dto.js';
import { STANDARD_DIRECTORY, StandardPublisher } from '../../apps/registry/src/standards/index.js';
import { StandardRepository } from '../../apps/registry/src/standards/standard.repository.js';
import { describeOnServer, uniqueSlug } from '../support/test-app.js';
import { type ActingMember, registerOrganisation, secondLockerMeets } from './support/organisations.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

/** The schema of a test standard's version: a count, and whatever `extra` adds. */
function schemaOf(standard: string, version: string, extra: { required?: string[]; properties?: Record<string, unknown> } = {}) {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: canonicalSchemaUri(standard, version),
    type: 'object',
    additionalProperties: false,
    required: ['count', ...(extra.required ?? [])],
    properties: { count: { type: 'integer', minimum: 0 }, ...extra.properties },
  };
}
const EXAMPLES = { valid: { one: { count: 1 } }, invalid: { negative: { count: -1 } } };
const NOTE = { properties: { note: { type: 'string', maxLength: 100 } } };

function proposalOf(kind: CreateProposalDto['kind'], standard: string, version: string, content: Partial<CreateProposalDto> = {}): CreateProposalDto {
  return { kind, standard, version, title: { en: `${kind} ${standard} ${version}`, fr: `${kind} ${standard} ${version}` }, body: '## Motivation\n\nA test.\n', ...content };
}

describe('proposals: repository, service and use cases on the database', () => {
  let ctx: RegistryContext;
  let proposals: ProposalRepository;
  let service: ProposalService;
  let submit: SubmitProposal;
  let openVoting: OpenVoting;
  let decide: DecideProposal;
  let standards: StandardRepository;
  // Three coalition cities whose admins are standards editors (a authors, b and c steward), and a vendor outside the coalition.
  let a: ActingMember;
  let b: ActingMember;
  let c: ActingMember;
  let outsider: ActingMember;

  /** A standard of its own for a test, published at 1.0.0 as the baseline would be. */
  const newStandard = async (): Promise<string> => {
    const id = uniqueSlug('int-prop');
    const publisher = ctx.get(StandardPublisher);
    await ctx.get(UnitOfWork).run(actorOf(await ctx.operator()), async (tx) => {
      await publisher.createStandard(tx, { id, title: { en: `Proposal test ${id}`, fr: `Essai de proposition ${id}` }, description: { en: 'Test', fr: 'Essai' }, type: `org.plaza.test.${id}`, licence: 'CC-BY-4.0' });
      await publisher.publishVersion(tx, { standardId: id, version: '1.0.0', schema: schemaOf(id, '1.0.0'), examples: EXAMPLES, origin: 'proposal', proposalNumber: null });
    });
    return id;
  };
  /** A new-version proposal by a, adding an optional note unless `extra` says otherwise. */
  const newVersion = async (standard: string, version: string, extra: Parameters<typeof schemaOf>[2] = NOTE) =>
    (await service.create(a.principal, proposalOf('new-version', standard, version, { schema: schemaOf(standard, version, extra), examples: EXAMPLES }))).number;
  /** Submits a's proposal and opens its vote (b stewards). */
  const toVoting = async (number: number) => {
    await submit.execute(a.principal, number);
    await openVoting.execute(b.principal, number);
  };
  const everyoneVotes = async (number: number, choice: 'yes' | 'no' = 'yes') => {
    for (const voter of [a, b, c]) await service.vote(voter.principal, number, { choice });
  };
  const actionsOn = async (subjectId: string) =>
    ((await ctx.db.query("SELECT action FROM journal_entries WHERE subject_type = 'proposal' AND subject_id = $1 ORDER BY index", [subjectId])) as { action: string }[]).map((e) => e.action);

  beforeAll(async () => {
    // Other suites' coalition members on a shared server database join every electorate and never vote: a quorum of 1% and
    // no voting period let this suite's three voters decide.
    ctx = await startRegistryContext({ PLAZA_VOTING_QUORUM_PERCENT: '1', PLAZA_VOTING_PERIOD_HOURS: '0' });
    proposals = ctx.get(ProposalRepository);
    service = ctx.get(ProposalService);
    submit = ctx.get(SubmitProposal);
    openVoting = ctx.get(OpenVoting);
    decide = ctx.get(DecideProposal);
    standards = ctx.get(StandardRepository);
    a = await registerOrganisation(ctx, 'int-prop-a', 'city', ['admin', 'standards-editor'], { coalitionMember: true });
    b = await registerOrganisation(ctx, 'int-prop-b', 'city', ['admin', 'standards-editor'], { coalitionMember: true });
    c = await registerOrganisation(ctx, 'int-prop-c', 'city', ['admin', 'standards-editor'], { coalitionMember: true });
    outsider = await registerOrganisation(ctx, 'int-prop-out', 'vendor', ['admin']);
  });
  afterAll(() => ctx.close());

  it('opens a draft numbered after the last, by the caller’s organisation, and journals it', async () => {
    const standard = await newStandard();
    const first = await newVersion(standard, '1.1.0');
    const second = await newVersion(standard, '1.2.0');
    expect(second).toBeGreaterThan(first);
    expect(await proposals.find(first)).toMatchObject({ status: 'draft', origin: 'api', authors: [a.slug], authorOrganisationId: a.organisationId, authorMemberId: a.memberId, votingRound: 0 });
    expect(await actionsOn(String(first))).toEqual(['proposal.opened']);
    expect(await proposals.find(2_000_000_000)).toBeNull();
  });

  it('refuses a proposal that does not carry what its kind needs', async () => {
    const standard = await newStandard();
    await expect(service.create(a.principal, proposalOf('deprecation', standard, '1.0.0', { schema: schemaOf(standard, '1.0.0') }))).rejects.toMatchObject({ code: 'proposal.invalid_for_kind' });
    await expect(service.create(a.principal, proposalOf('new-version', standard, '1.1.0'))).rejects.toMatchObject({ code: 'proposal.invalid_for_kind' });
  });

  it('lets only the author edit a draft, and nobody a submitted one', async () => {
    const standard = await newStandard();
    const number = await newVersion(standard, '1.1.0');
    await expect(service.update(b.principal, number, { body: 'Taken over.' })).rejects.toMatchObject({ code: 'proposal.not_author' });
    await service.update(a.principal, number, { body: 'Rewritten.' });
    expect((await proposals.find(number))?.body).toBe('Rewritten.');
    await submit.execute(a.principal, number);
    await expect(service.update(a.principal, number, { body: 'Too late.' })).rejects.toMatchObject({ code: 'proposal.wrong_status' });
    expect(await actionsOn(String(number))).toEqual(['proposal.opened', 'proposal.edited', 'proposal.submitted']);
  });

  it('submits a compatible minor version to review with its compatibility report; only its author submits', async () => {
    const standard = await newStandard();
    const number = await newVersion(standard, '1.1.0');
    await expect(submit.execute(b.principal, number)).rejects.toMatchObject({ code: 'proposal.not_author' });
    await submit.execute(a.principal, number);
    const submitted = (await proposals.find(number))!;
    expect(submitted.status).toBe('review');
    expect(submitted.compatibility).toMatchObject({ compatible: true, latest: '1.0.0' });
  });

  it('keeps a draft whose minor version breaks compatibility, or whose number does not follow the latest', async () => {
    const standard = await newStandard();
    // A count capped at 10 refuses data 1.0.0 accepted: a breaking change, which needs 2.0.0.
    const breaking = await newVersion(standard, '1.1.0', { properties: { count: { type: 'integer', minimum: 0, maximum: 10 } } });
    await expect(submit.execute(a.principal, breaking)).rejects.toMatchObject({ code: 'proposal.version_contradicts_report' });
    const behind = await newVersion(standard, '1.0.0');
    await expect(submit.execute(a.principal, behind)).rejects.toMatchObject({ code: 'proposal.version_not_after_latest' });
    expect((await proposals.find(breaking))?.status).toBe('draft');
    expect((await proposals.find(behind))?.status).toBe('draft');
  });

  it('opens voting only from review and only for a coalition member, fixing the electorate then', async () => {
    const standard = await newStandard();
    const number = await newVersion(standard, '1.1.0');
    await expect(openVoting.execute(b.principal, number)).rejects.toMatchObject({ code: 'proposal.wrong_status' });
    await submit.execute(a.principal, number);
    await expect(openVoting.execute(outsider.principal, number)).rejects.toMatchObject({ code: 'proposal.not_coalition_member' });
    await openVoting.execute(b.principal, number);
    const voting = (await proposals.find(number))!;
    expect(voting).toMatchObject({ status: 'voting', votingRound: 1, votingOpenedAt: expect.any(Date) });
    expect(voting.electorate).toEqual(expect.arrayContaining([a.organisationId, b.organisationId, c.organisationId]));
    expect(voting.electorate).not.toContain(outsider.organisationId);
  });

  it('takes one vote per organisation of the electorate, changed when cast again, and none from outside it', async () => {
    const standard = await newStandard();
    const number = await newVersion(standard, '1.1.0');
    await expect(service.vote(a.principal, number, { choice: 'yes' })).rejects.toMatchObject({ code: 'proposal.wrong_status' });
    await toVoting(number);
    await service.vote(a.principal, number, { choice: 'no' });
    const detail = await service.vote(a.principal, number, { choice: 'yes' });
    expect(detail.votes).toEqual([expect.objectContaining({ organisation: a.slug, choice: 'yes' })]);
    expect(detail.tally).toMatchObject({ yes: 1, no: 0 });
    const [vote] = await proposals.votes(number);
    const entries = (await ctx.db.query("SELECT action FROM journal_entries WHERE subject_type = 'proposal-vote' AND subject_id = $1 ORDER BY index", [vote!.id])) as { action: string }[];
    expect(entries.map((e) => e.action)).toEqual(['proposal.voted', 'proposal.vote-changed']);
    expect((await proposalVoteKind.disclose(ctx.db.manager, vote!.journalIndex!))?.state).toEqual({ proposal: number, organisationId: a.organisationId, choice: 'yes' });
    await expect(service.vote(outsider.principal, number, { choice: 'yes' })).rejects.toMatchObject({ code: 'proposal.not_in_electorate' });
  });

  it('accepts a proposal with a quorum and a majority, and publishes its version', async () => {
    const standard = await newStandard();
    const number = await newVersion(standard, '1.1.0');
    await toVoting(number);
    await everyoneVotes(number);
    await decide.execute(c.principal, number);
    const decided = (await proposals.find(number))!;
    expect(decided).toMatchObject({ status: 'accepted', decidedAt: expect.any(Date), decision: { outcome: 'accepted', yes: 3, no: 0, quorumMet: true } });
    expect(await standards.findVersion(standard, '1.1.0')).toMatchObject({ status: 'published', origin: 'proposal', proposalNumber: number });
    expect((await proposalKind.disclose(ctx.db.manager, decided.journalIndex!))?.state).toMatchObject({ number, status: 'accepted' });
    await expect(service.vote(a.principal, number, { choice: 'no' })).rejects.toMatchObject({ code: 'proposal.wrong_status' });
  });

  it('rejects a proposal the majority voted against, and one without a quorum, publishing nothing', async () => {
    const standard = await newStandard();
    const against = await newVersion(standard, '1.1.0');
    await toVoting(against);
    await everyoneVotes(against, 'no');
    await decide.execute(b.principal, against);
    expect(await proposals.find(against)).toMatchObject({ status: 'rejected', decision: { outcome: 'rejected', no: 3, quorumMet: true } });
    const silent = await newVersion(standard, '1.2.0');
    await toVoting(silent);
    await decide.execute(b.principal, silent);
    expect(await proposals.find(silent)).toMatchObject({ status: 'rejected', decision: { outcome: 'rejected', quorumMet: false } });
    expect(await standards.versionsOf(standard)).toHaveLength(1);
  });

  it('waits, during the voting period, until the whole electorate has voted', async () => {
    const standard = await newStandard();
    const number = await newVersion(standard, '1.1.0');
    await toVoting(number);
    await service.vote(a.principal, number, { choice: 'yes' });
    const weekLong = new DecideProposal(
      { ...ctx.config, votingPeriodHours: 168 },
      ctx.get(UnitOfWork), proposals, ctx.get(ORGANISATION_DIRECTORY), ctx.get(STANDARD_DIRECTORY), ctx.get(StandardPublisher), ctx.get(ProposalChecks),
    );
    await expect(weekLong.execute(b.principal, number)).rejects.toMatchObject({ code: 'proposal.voting_still_open' });
    expect((await proposals.find(number))?.status).toBe('voting');
    await expect(decide.execute(outsider.principal, number)).rejects.toMatchObject({ code: 'proposal.not_coalition_member' });
  });

  it('sends a proposal back to review when its version number was published since its vote opened', async () => {
    const standard = await newStandard();
    const first = await newVersion(standard, '1.1.0');
    const second = await newVersion(standard, '1.1.0', { properties: { other: { type: 'boolean' } } });
    for (const number of [first, second]) {
      await toVoting(number);
      await everyoneVotes(number);
    }
    await decide.execute(b.principal, first);
    await decide.execute(b.principal, second);
    expect(await proposals.find(second)).toMatchObject({ status: 'review', electorate: null, votingOpenedAt: null, decidedAt: null, decision: { outcome: 'returned-to-review' } });
    expect((await standards.versionsOf(standard)).map((v) => v.version)).toEqual(['1.0.0', '1.1.0']);
    expect(await actionsOn(String(second))).toContain('proposal.returned-to-review');
  });

  it('creates a standard from an accepted new-standard proposal, and refuses one for a standard that exists', async () => {
    const id = uniqueSlug('int-prop-new');
    const standardInfo = { title: { en: `New ${id}`, fr: `Nouvelle ${id}` }, description: { en: 'New', fr: 'Nouvelle' }, type: `org.plaza.test.${id}`, licence: 'CC-BY-4.0' };
    const { number } = await service.create(a.principal, proposalOf('new-standard', id, '1.0.0', { standardInfo, schema: schemaOf(id, '1.0.0'), examples: EXAMPLES }));
    await toVoting(number);
    expect((await proposals.find(number))?.compatibility).toBeNull();
    await everyoneVotes(number);
    await decide.execute(b.principal, number);
    expect(await standards.findStandard(id)).toMatchObject({ ceType: standardInfo.type, title: standardInfo.title });
    expect(await standards.findVersion(id, '1.0.0')).toMatchObject({ origin: 'proposal', proposalNumber: number });
    const again = await service.create(a.principal, proposalOf('new-standard', id, '2.0.0', { standardInfo, schema: schemaOf(id, '2.0.0'), examples: EXAMPLES }));
    await expect(submit.execute(a.principal, again.number)).rejects.toMatchObject({ code: 'proposal.standard_exists' });
  });

  it('deprecates a published version through an accepted deprecation proposal', async () => {
    const standard = await newStandard();
    const { number } = await service.create(a.principal, proposalOf('deprecation', standard, '1.0.0'));
    await toVoting(number);
    await everyoneVotes(number);
    await decide.execute(b.principal, number);
    expect(await standards.findVersion(standard, '1.0.0')).toMatchObject({ status: 'deprecated', deprecatedAt: expect.any(Date) });
  });

  it('takes reviews from standards editors and coalition members, while in review or voting', async () => {
    const standard = await newStandard();
    const number = await newVersion(standard, '1.1.0');
    await expect(service.review(b.principal, number, { verdict: 'approve', comment: 'Early.' })).rejects.toMatchObject({ code: 'proposal.wrong_status' });
    await submit.execute(a.principal, number);
    await expect(service.review(outsider.principal, number, { verdict: 'approve', comment: 'Fine.' })).rejects.toMatchObject({ code: 'proposal.not_a_reviewer' });
    await service.review(b.principal, number, { verdict: 'request-changes', comment: 'Name it.' });
    const detail = await service.review(c.principal, number, { verdict: 'approve', comment: 'Fine.' });
    expect(detail.reviews.map((r) => [r.organisation, r.verdict])).toEqual([[b.slug, 'request-changes'], [c.slug, 'approve']]);
    const [review] = await proposals.reviews(number);
    expect((await proposalReviewKind.disclose(ctx.db.manager, review!.journalIndex!))?.state).toEqual({ proposal: number, organisationId: b.organisationId, verdict: 'request-changes', comment: 'Name it.' });
  });

  it('lets only the author withdraw a proposal, which then goes no further', async () => {
    const standard = await newStandard();
    const number = await newVersion(standard, '1.1.0');
    await toVoting(number);
    await expect(service.withdraw(b.principal, number)).rejects.toMatchObject({ code: 'proposal.not_author' });
    await service.withdraw(a.principal, number);
    expect(await proposals.find(number)).toMatchObject({ status: 'withdrawn', decidedAt: expect.any(Date) });
    await expect(decide.execute(b.principal, number)).rejects.toMatchObject({ code: 'proposal.wrong_status' });
    await expect(service.withdraw(a.principal, number)).rejects.toMatchObject({ code: 'proposal.wrong_status' });
  });

  it('lists proposals newest first, filtered by standard and status, with a cursor, and counts them', async () => {
    const standard = await newStandard();
    const numbers = [await newVersion(standard, '1.1.0'), await newVersion(standard, '1.2.0'), await newVersion(standard, '1.3.0')];
    await submit.execute(a.principal, numbers[1]!);
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.list({ standard, limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((p) => p.number));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...numbers].reverse());
    expect((await proposals.list({ standard, status: 'review' }, { limit: 10 })).rows.map((p) => p.number)).toEqual([numbers[1]]);
    expect(await proposals.count({ standard, status: 'draft' })).toBe(2);
  });

  it('imports the written proposals once: importing again adds nothing', async () => {
    const files = () => ctx.db.query("SELECT number, journal_index FROM proposals WHERE origin = 'file' ORDER BY number");
    const before = await files();
    expect(before.length).toBeGreaterThan(0);
    await ctx.get(ProposalsImport).onApplicationBootstrap();
    expect(await files()).toEqual(before);
  });

  describeOnServer('on the server, where transactions run side by side', () => {
    it('holds a proposal taking a step until the step commits', async () => {
      const number = await newVersion(await newStandard(), '1.1.0');
      expect(await secondLockerMeets(ctx, (manager) => proposals.findForUpdate(number, manager))).toBe('55P03');
    });

    it('makes concurrent openings queue for the next number', async () => {
      expect(await secondLockerMeets(ctx, (manager) => proposals.nextNumber(manager))).toBe('55P03');
    });
  });
});
