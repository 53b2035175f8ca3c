import { Inject, Injectable } from '@nestjs/common';
import { canonicalJson } from '#plaza/json';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { type Transaction, UnitOfWork } from '../platform/journal/unit-of-work.js';
import { countedVotes, requireCoalitionSteward, requireStatus } from './proposal-access.js';
import { ProposalChecks } from './proposal-checks.js';
import type { Decision, Proposal } from './proposal.entity.js';
import { recordProposal } from './proposal-record.js';
import { ProposalRepository } from './proposal.repository.js';
import { ProposalError, ProposalErrorCode } from './proposal-error.js';
import { ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';
import { StandardPublisher, STANDARD_DIRECTORY, type StandardDirectory } from '../standards/index.js';

/**
 * Closes voting and applies the decision rule, in one transaction with its consequence. On acceptance the
 * compatibility report is computed again and the version published (or deprecated) right here; if
 * another version of the standard was published since voting opened and the report is no longer the
 * one the coalition voted on, the proposal goes back to review rather than being renumbered.
 * Publications of one standard are serialised by a lock on its id, so two acceptances racing for the
 * same version number cannot both publish it.
 */
@Injectable()
export class DecideProposal {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(ProposalRepository) private readonly proposals: ProposalRepository,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
    @Inject(STANDARD_DIRECTORY) private readonly standards: StandardDirectory,
    @Inject(StandardPublisher) private readonly publisher: StandardPublisher,
    @Inject(ProposalChecks) private readonly checks: ProposalChecks,
  ) {}

  async execute(principal: Principal, number: number): Promise<void> {
    requireCoalitionSteward(principal, (await this.organisations.findById(principal.organisationId))!);
    await this.uow.run(actorOf(principal), async (tx) => {
      const proposal = await this.proposals.findForUpdate(number, tx.manager);
      if (!proposal) throw new ProposalError(ProposalErrorCode.NotFound, `There is no proposal ${number}.`);
      requireStatus(proposal, ['voting'], 'close voting');
      await this.requireVotingOver(proposal, tx);
      const decision = await this.tally(proposal, tx);
      if (decision.outcome === 'accepted') await this.enact(proposal, decision, tx);
      else Object.assign(proposal, { status: 'rejected', decision, decidedAt: new Date() });
      await this.proposals.save(proposal, tx.manager);
      recordProposal(tx, `proposal.${proposal.status === 'review' ? 'returned-to-review' : proposal.status}`, proposal);
    });
  }

  /** One member must not decide alone: voting ends when the whole electorate has voted, or when the period is over. */
  private async requireVotingOver(proposal: Proposal, tx: Transaction): Promise<void> {
    const voted = countedVotes(proposal, await this.proposals.votes(proposal.number, tx.manager)).length;
    const closes = new Date(proposal.votingOpenedAt!.getTime() + this.config.votingPeriodHours * 3_600_000);
    if (voted < (proposal.electorate ?? []).length && Date.now() < closes.getTime()) {
      throw new ProposalError(
        ProposalErrorCode.VotingStillOpen,
        `${voted} of ${proposal.electorate!.length} organisations have voted; voting closes when all have, or at ${closes.toISOString()}.`,
      );
    }
  }

  private async tally(proposal: Proposal, tx: Transaction): Promise<Decision> {
    const electorate = proposal.electorate ?? [];
    const votes = countedVotes(proposal, await this.proposals.votes(proposal.number, tx.manager));
    const count = (choice: string) => votes.filter((v) => v.choice === choice).length;
    const [yes, no, abstain] = [count('yes'), count('no'), count('abstain')];
    const { votingQuorumPercent: quorumPercent, votingMajorityPercent: majorityPercent } = this.config;
    const quorumMet = electorate.length > 0 && votes.length * 100 >= quorumPercent * electorate.length;
    const majority = yes * 100 > majorityPercent * (yes + no);
    const base = { electorate: electorate.length, yes, no, abstain, quorumPercent, majorityPercent, quorumMet };
    if (!quorumMet) return { ...base, outcome: 'rejected', reason: `${votes.length} of ${electorate.length} organisations voted; the quorum is ${quorumPercent}%.` };
    if (!majority) return { ...base, outcome: 'rejected', reason: `${yes} yes to ${no} no is not more than ${majorityPercent}% yes.` };
    return { ...base, outcome: 'accepted', reason: `${yes} yes to ${no} no, ${abstain} abstaining, with ${votes.length} of ${electorate.length} voting.` };
  }

  private async enact(proposal: Proposal, decision: Decision, tx: Transaction): Promise<void> {
    await this.publisher.lockStandard(tx, proposal.standardId);
    let report: unknown;
    try {
      report = await this.checks.check(proposal, tx.manager);
    } catch (error) {
      if (!(error instanceof ProposalError)) throw error;
      return this.returnToReview(proposal, decision, `The proposal no longer passes its checks: ${error.detail}`, (error.extensions.compatibility as unknown) ?? proposal.compatibility);
    }
    if (canonicalJson(report ?? null) !== canonicalJson(proposal.compatibility ?? null)) {
      return this.returnToReview(proposal, decision, 'Another version of the standard was published since voting opened, and the compatibility report changed.', report);
    }
    if (proposal.kind === 'new-standard') {
      await this.publisher.createStandard(tx, { id: proposal.standardId, ...proposal.standardInfo! });
    }
    if (proposal.kind === 'deprecation') {
      await this.publisher.deprecateVersion(tx, (await this.standards.findVersion(proposal.standardId, proposal.version, tx.manager))!);
    } else {
      await this.publisher.publishVersion(tx, {
        standardId: proposal.standardId, version: proposal.version, schema: proposal.schema!, examples: proposal.examples!, origin: 'proposal', proposalNumber: proposal.number,
      });
    }
    Object.assign(proposal, { status: 'accepted', decision, decidedAt: new Date() });
  }

  private returnToReview(proposal: Proposal, decision: Decision, reason: string, report: unknown): void {
    Object.assign(proposal, {
      status: 'review', compatibility: report, electorate: null, votingOpenedAt: null,
      decision: { ...decision, outcome: 'returned-to-review', reason }, decidedAt: null,
    });
  }
}
