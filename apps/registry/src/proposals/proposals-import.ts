import { existsSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { loadProposalsFolder } from '#plaza/standards';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { recordProposal } from './proposal-record.js';
import { ProposalRepository } from './proposal.repository.js';
import { SYSTEM_ACTOR } from '../kernel/auth/actor.js';

/**
 * Imports the written proposals (`proposals/NNNN-slug.md`) at start, idempotently: a number the registry
 * does not hold yet is added as the file records it; the schemas they introduced live in `standards/`.
 */
@Injectable()
export class ProposalsImport implements OnApplicationBootstrap {
  private readonly logger = new Logger('Proposals');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(ProposalRepository) private readonly proposals: ProposalRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!existsSync(this.config.proposalsDir)) return;
    const files = await loadProposalsFolder(this.config.proposalsDir);
    const imported = await this.uow.runOnce(SYSTEM_ACTOR, 'plaza.proposals-import', async (tx) => {
      for (const file of files) {
        if (await this.proposals.find(file.number, tx.manager)) continue;
        const proposal = await this.proposals.insert(
          {
            number: file.number, slug: file.slug, kind: file.kind, title: file.title, body: file.body, standardId: file.standard, version: file.version,
            standardInfo: null, schema: null, examples: null, status: file.status, origin: 'file', authors: file.authors,
            authorOrganisationId: null, authorMemberId: null, compatibility: null, electorate: null, votingRound: 0, votingOpenedAt: null, decision: null,
            decidedAt: file.decided ? new Date(`${file.decided}T00:00:00Z`) : null,
          },
          tx.manager,
        );
        recordProposal(tx, 'proposal.imported', proposal);
      }
    });
    if (imported) this.logger.log(`imported proposals from ${this.config.proposalsDir}`);
  }
}
