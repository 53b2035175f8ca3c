import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import type { ProposalStatus } from './proposal.entity.js';
import { Proposal, ProposalReview, ProposalVote } from './proposal.entity.js';

interface ProposalFilter {
  status?: ProposalStatus;
  standard?: string;
}

/** What a new proposal is given: everything but the timestamps and the journal index. */
export type NewProposal = Omit<Proposal, 'createdAt' | 'updatedAt' | 'journalIndex'>;

/** Every query of the proposals feature. */
@Injectable()
export class ProposalRepository {
  private readonly pager = new KeysetPager({ number: { expression: 'p.number', cast: 'integer' } }, '-number', 'p.number', /^\d{1,9}$/);

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  find(number: number, manager: EntityManager = this.db.manager): Promise<Proposal | null> {
    return manager.findOneBy(Proposal, { number });
  }

  findForUpdate(number: number, manager: EntityManager): Promise<Proposal | null> {
    return manager.findOne(Proposal, { where: { number }, lock: { mode: 'pessimistic_write' } });
  }

  /** The next proposal number; the table lock makes concurrent creations queue for it. */
  async nextNumber(manager: EntityManager): Promise<number> {
    await manager.query('LOCK TABLE proposals IN SHARE ROW EXCLUSIVE MODE');
    const [{ max }] = (await manager.query('SELECT coalesce(max(number), 0)::int AS max FROM proposals')) as [{ max: number }];
    return max + 1;
  }

  reviews(number: number): Promise<ProposalReview[]> {
    return this.db.manager.find(ProposalReview, { where: { proposalNumber: number }, order: { createdAt: 'ASC' } });
  }

  votes(number: number, manager: EntityManager = this.db.manager): Promise<ProposalVote[]> {
    return manager.find(ProposalVote, { where: { proposalNumber: number }, order: { createdAt: 'ASC' } });
  }

  /** The proposal whose latest change is the journal entry `index`, for its journaled kind (a plain object, not an injectable). */
  static atJournalIndex(manager: EntityManager, index: number): Promise<Proposal | null> {
    return manager.findOneBy(Proposal, { journalIndex: index });
  }

  /** The review whose journal entry is `index`, for its journaled kind. */
  static reviewAtJournalIndex(manager: EntityManager, index: number): Promise<ProposalReview | null> {
    return manager.findOneBy(ProposalReview, { journalIndex: index });
  }

  /** The vote whose latest change is the journal entry `index`, for its journaled kind. */
  static voteAtJournalIndex(manager: EntityManager, index: number): Promise<ProposalVote | null> {
    return manager.findOneBy(ProposalVote, { journalIndex: index });
  }

  /** Stores a new proposal (numbered by `nextNumber`, or by its file), in the unit of work that journals it. */
  insert(fields: NewProposal, manager: EntityManager): Promise<Proposal> {
    return manager.save(manager.create(Proposal, fields));
  }

  /** Stores a step of the proposal's process, in the unit of work that journals it. */
  save(proposal: Proposal, manager: EntityManager): Promise<Proposal> {
    return manager.save(proposal);
  }

  /** Stores a review, in the unit of work that journals it. */
  addReview(fields: Pick<ProposalReview, 'proposalNumber' | 'organisationId' | 'memberId' | 'verdict' | 'comment'>, manager: EntityManager): Promise<ProposalReview> {
    return manager.save(manager.create(ProposalReview, fields));
  }

  /**
   * Stores an organisation's vote in a round, in the unit of work that journals it: its first, or a change of the one it
   * cast (an organisation has one vote per round). `changed` says which.
   */
  async castVote(
    fields: Pick<ProposalVote, 'proposalNumber' | 'organisationId' | 'round' | 'memberId' | 'choice'>,
    manager: EntityManager,
  ): Promise<{ vote: ProposalVote; changed: boolean }> {
    const { proposalNumber, organisationId, round, memberId, choice } = fields;
    const existing = await manager.findOneBy(ProposalVote, { proposalNumber, organisationId, round });
    const vote = existing ?? manager.create(ProposalVote, { proposalNumber, organisationId, round });
    Object.assign(vote, { memberId, choice });
    await manager.save(vote);
    return { vote, changed: existing !== null };
  }

  list(filter: ProposalFilter, page: PageQuery) {
    return this.pager.page(this.filtered(filter), page);
  }

  /** How many proposals `list` walks through with this filter, in one query. */
  count(filter: ProposalFilter): Promise<number> {
    return this.filtered(filter).getCount();
  }

  private filtered(filter: ProposalFilter) {
    const qb = this.db.manager.createQueryBuilder(Proposal, 'p');
    if (filter.status) qb.andWhere('p.status = :status', { status: filter.status });
    if (filter.standard) qb.andWhere('p.standard_id = :standard', { standard: filter.standard });
    return qb;
  }
}
