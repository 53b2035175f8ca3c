import { Module } from '@nestjs/common';
import { DecideProposal } from './decide-proposal.use-case.js';
import { OpenVoting } from './open-voting.use-case.js';
import { ProposalChecks } from './proposal-checks.js';
import { ProposalController } from './proposal.controller.js';
import { ProposalRepository } from './proposal.repository.js';
import { ProposalService } from './proposal.service.js';
import { ProposalsImport } from './proposals-import.js';
import { SubmitProposal } from './submit-proposal.use-case.js';
import { OrganisationModule } from '../organisations/index.js';
import { StandardModule } from '../standards/index.js';

@Module({
  imports: [OrganisationModule, StandardModule],
  controllers: [ProposalController],
  providers: [ProposalService, ProposalRepository, ProposalChecks, SubmitProposal, OpenVoting, DecideProposal, ProposalsImport],
  exports: [ProposalService],
})
export class ProposalModule {}
