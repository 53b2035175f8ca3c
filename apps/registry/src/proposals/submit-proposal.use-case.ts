import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { requireAuthor, requireStatus } from './proposal-access.js';
import { ProposalChecks } from './proposal-checks.js';
import { recordProposal } from './proposal-record.js';
import { ProposalRepository } from './proposal.repository.js';
import { ProposalError, ProposalErrorCode } from './proposal-error.js';

/**
 * Draft -> review. The compatibility report is computed now and published with the proposal; a
 * version number the report contradicts is refused with the reasons, and the proposal stays a draft.
 */
@Injectable()
export class SubmitProposal {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(ProposalRepository) private readonly proposals: ProposalRepository,
    @Inject(ProposalChecks) private readonly checks: ProposalChecks,
  ) {}

  async execute(principal: Principal, number: number): Promise<void> {
    await this.uow.run(actorOf(principal), async (tx) => {
      const proposal = await this.proposals.findForUpdate(number, tx.manager);
      if (!proposal) throw new ProposalError(ProposalErrorCode.NotFound, `There is no proposal ${number}.`);
      requireAuthor(proposal, principal);
      requireStatus(proposal, ['draft'], 'be submitted');
      proposal.compatibility = await this.checks.check(proposal, tx.manager);
      proposal.status = 'review';
      await this.proposals.save(proposal, tx.manager);
      recordProposal(tx, 'proposal.submitted', proposal);
    });
  }
}
