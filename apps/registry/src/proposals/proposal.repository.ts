import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import type { ProposalStatus } from './proposal.entity.js';
import { Proposal, ProposalReview, ProposalVote } from './proposal.entity.js';

interface ProposalFilter {
  status?: ProposalStatus;
  standard?: string;
}

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

  findVote(number: number, organisationId: string, round: number, manager: EntityManager): Promise<ProposalVote | null> {
    return manager.findOneBy(ProposalVote, { proposalNumber: number, organisationId, round });
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
