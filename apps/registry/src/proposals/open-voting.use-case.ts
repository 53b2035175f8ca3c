import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { requireCoalitionSteward, requireStatus } from './proposal-access.js';
import { recordProposal } from './proposal-record.js';
import { ProposalRepository } from './proposal.repository.js';
import { ProposalError, ProposalErrorCode } from './proposal-error.js';
import { ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';

/** Review -> voting. The electorate is fixed now: the coalition-member organisations at this moment. */
@Injectable()
export class OpenVoting {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(ProposalRepository) private readonly proposals: ProposalRepository,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
  ) {}

  async execute(principal: Principal, number: number): Promise<void> {
    requireCoalitionSteward(principal, (await this.organisations.findById(principal.organisationId))!);
    await this.uow.run(actorOf(principal), async (tx) => {
      const proposal = await this.proposals.findForUpdate(number, tx.manager);
      if (!proposal) throw new ProposalError(ProposalErrorCode.NotFound, `There is no proposal ${number}.`);
      requireStatus(proposal, ['review'], 'open voting');
      const electorate = await this.organisations.coalitionMembers(tx.manager);
      Object.assign(proposal, {
        status: 'voting', electorate: electorate.map((o) => o.id), votingRound: proposal.votingRound + 1, votingOpenedAt: new Date(),
      });
      await this.proposals.save(proposal, tx.manager);
      recordProposal(tx, 'proposal.voting-opened', proposal);
    });
  }
}
