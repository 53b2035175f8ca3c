import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import type { Page } from '../kernel/paging/paging.js';
import type { JournalSubjects } from '../platform/journal/journaled-kind.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { countedVotes, requireAuthor, requireReviewer, requireStatus } from './proposal-access.js';
import type { Proposal } from './proposal.entity.js';
import { ProposalError, ProposalErrorCode } from './proposal-error.js';
import { proposalKind, proposalReviewKind, proposalVoteKind, recordProposal, recordReview, recordVote } from './proposal-record.js';
import { ProposalRepository } from './proposal.repository.js';
import {
  type CreateProposalDto, type ListProposalsQuery, type ProposalDetailResponse, ProposalResponse, ReviewResponse, type ReviewDto,
  type UpdateProposalDto, type VoteDto, VoteResponse,
} from './proposal.dto.js';
import { ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';

/** Proposals: opening, editing, reviewing, voting and reading. The decisive steps are use cases of their own. */
@Injectable()
export class ProposalService {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(ProposalRepository) private readonly proposals: ProposalRepository,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
  ) {}

  async create(principal: Principal, dto: CreateProposalDto): Promise<ProposalDetailResponse> {
    checkShape(dto.kind, dto);
    const proposal = await this.uow.run(actorOf(principal), async (tx) => {
      const number = await this.proposals.nextNumber(tx.manager);
      const created = await this.proposals.insert(
        {
          number, slug: slugOf(dto.title.en), kind: dto.kind, title: dto.title, body: dto.body, standardId: dto.standard, version: dto.version,
          standardInfo: dto.standardInfo ?? null, schema: dto.schema ?? null, examples: dto.examples ?? null, status: 'draft', origin: 'api',
          authors: [principal.organisationSlug], authorOrganisationId: principal.organisationId, authorMemberId: principal.memberId,
          compatibility: null, electorate: null, votingRound: 0, votingOpenedAt: null, decision: null, decidedAt: null,
        },
        tx.manager,
      );
      recordProposal(tx, 'proposal.opened', created);
      return created;
    });
    return this.get(proposal.number);
  }

  async update(principal: Principal, number: number, dto: UpdateProposalDto): Promise<ProposalDetailResponse> {
    await this.uow.run(actorOf(principal), async (tx) => {
      const proposal = await this.mustFind(number, tx.manager);
      requireAuthor(proposal, principal);
      requireStatus(proposal, ['draft'], 'be edited');
      Object.assign(proposal, dto);
      checkShape(proposal.kind, proposal);
      await this.proposals.save(proposal, tx.manager);
      recordProposal(tx, 'proposal.edited', proposal);
    });
    return this.get(number);
  }

  async withdraw(principal: Principal, number: number): Promise<ProposalDetailResponse> {
    await this.uow.run(actorOf(principal), async (tx) => {
      const proposal = await this.mustFind(number, tx.manager);
      requireAuthor(proposal, principal);
      requireStatus(proposal, ['draft', 'review', 'voting'], 'be withdrawn');
      Object.assign(proposal, { status: 'withdrawn', decidedAt: new Date() });
      await this.proposals.save(proposal, tx.manager);
      recordProposal(tx, 'proposal.withdrawn', proposal);
    });
    return this.get(number);
  }

  async review(principal: Principal, number: number, dto: ReviewDto): Promise<ProposalDetailResponse> {
    const organisation = (await this.organisations.findById(principal.organisationId))!;
    requireReviewer(principal, organisation);
    await this.uow.run(actorOf(principal), async (tx) => {
      const proposal = await this.mustFind(number, tx.manager);
      requireStatus(proposal, ['review', 'voting'], 'be reviewed');
      const review = await this.proposals.addReview(
        { proposalNumber: number, organisationId: principal.organisationId, memberId: principal.memberId, verdict: dto.verdict, comment: dto.comment },
        tx.manager,
      );
      recordReview(tx, review);
    });
    return this.get(number);
  }

  /** One vote per organisation of the electorate; casting again changes it, until voting closes. */
  async vote(principal: Principal, number: number, dto: VoteDto): Promise<ProposalDetailResponse> {
    await this.uow.run(actorOf(principal), async (tx) => {
      const proposal = await this.mustFind(number, tx.manager);
      requireStatus(proposal, ['voting'], 'take votes');
      if (!proposal.electorate?.includes(principal.organisationId)) {
        throw new ProposalError(ProposalErrorCode.NotInElectorate, 'Your organisation was not a coalition member when voting opened, so it does not vote on this proposal.');
      }
      const { vote, changed } = await this.proposals.castVote(
        { proposalNumber: number, organisationId: principal.organisationId, round: proposal.votingRound, memberId: principal.memberId, choice: dto.choice },
        tx.manager,
      );
      recordVote(tx, changed ? 'proposal.vote-changed' : 'proposal.voted', vote);
    });
    return this.get(number);
  }

  async get(number: number): Promise<ProposalDetailResponse> {
    return (await this.withHistory(number)).record;
  }

  /**
   * The proposal as `get` answers it, with the journal's records whose changes make up its public history: the proposal,
   * its reviews and its votes (every round's).
   */
  async withHistory(number: number): Promise<{ record: ProposalDetailResponse; subjects: JournalSubjects[] }> {
    const proposal = await this.mustFind(number);
    const [reviews, votes] = await Promise.all([this.proposals.reviews(number), this.proposals.votes(number)]);
    const ids = [...new Set([...reviews.map((r) => r.organisationId), ...votes.map((v) => v.organisationId)])];
    const slugs = new Map((await this.organisations.findByIds(ids)).map((o) => [o.id, o.slug]));
    const counted = countedVotes(proposal, votes);
    const count = (choice: string) => counted.filter((v) => v.choice === choice).length;
    const record: ProposalDetailResponse = {
      ...ProposalResponse.from(proposal),
      body: proposal.body,
      schema: proposal.schema,
      examples: proposal.examples,
      standardInfo: proposal.standardInfo,
      reviews: reviews.map((r) => ReviewResponse.from(r, slugs)),
      votes: votes.map((v) => VoteResponse.from(v, slugs)),
      tally: proposal.electorate
        ? { electorate: proposal.electorate.length, yes: count('yes'), no: count('no'), abstain: count('abstain'), notVoted: proposal.electorate.length - counted.length }
        : null,
    };
    return {
      record,
      subjects: [
        { subjectType: proposalKind.subjectType, subjectIds: [String(number)] },
        { subjectType: proposalReviewKind.subjectType, subjectIds: reviews.map((r) => r.id) },
        { subjectType: proposalVoteKind.subjectType, subjectIds: votes.map((v) => v.id) },
      ],
    };
  }

  async list(query: ListProposalsQuery): Promise<Page<ProposalResponse>> {
    const { rows, nextCursor } = await this.proposals.list({ status: query.status, standard: query.standard }, query);
    return { items: rows.map(ProposalResponse.from), nextCursor };
  }

  /** How many proposals the public list holds, unfiltered. */
  count(): Promise<number> {
    return this.proposals.count({});
  }

  private async mustFind(number: number, manager?: Parameters<ProposalRepository['findForUpdate']>[1]): Promise<Proposal> {
    const proposal = manager ? await this.proposals.findForUpdate(number, manager) : await this.proposals.find(number);
    if (!proposal) throw new ProposalError(ProposalErrorCode.NotFound, `There is no proposal ${number}.`);
    return proposal;
  }
}

/** What each kind of proposal carries, and what it must not. */
function checkShape(kind: Proposal['kind'], p: { schema?: unknown; examples?: unknown; standardInfo?: unknown }): void {
  const problems: string[] = [];
  const has = (v: unknown) => v !== undefined && v !== null;
  if (kind === 'deprecation' && (has(p.schema) || has(p.examples))) problems.push('a deprecation carries no schema or examples');
  if (kind !== 'deprecation' && (!has(p.schema) || !has(p.examples))) problems.push(`a ${kind} proposal carries the schema and its examples`);
  if (kind === 'new-standard' && !has(p.standardInfo)) problems.push('a new-standard proposal carries standardInfo (titles, description, CloudEvents type, licence)');
  if (kind !== 'new-standard' && has(p.standardInfo)) problems.push('only a new-standard proposal carries standardInfo');
  if (problems.length > 0) throw new ProposalError(ProposalErrorCode.InvalidForKind, `${problems.join('; ')}.`);
}

function slugOf(title: string): string {
  const slug = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, '');
  return slug || 'proposal';
}
