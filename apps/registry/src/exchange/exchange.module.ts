import { Module } from '@nestjs/common';
import { ExchangeController, SourceConformanceController } from './exchange.controller.js';
import { CallerRejections } from './feed/caller-rejections.js';
import { EventFeed } from './feed/event-feed.js';
import { FeedRepository } from './feed/feed.repository.js';
import { SourceConformance } from './feed/source-conformance.js';
import { RegistryReadModel } from './registry-read-model.js';
import { EventRetention } from './retention/event-retention.js';
import { RetentionRepository } from './retention/retention.repository.js';
import { OnceAndStore } from './submit/once-and-store.js';
import { RegistryChecks } from './submit/registry-checks.js';
import { StandardCheck } from './submit/standard-check.js';
import { GroupCommit } from './submit/group-commit.js';
import { Quota } from './submit/quota.js';
import { QuotaRepository } from './submit/quota.repository.js';
import { RegistryLookups } from './submit/registry-lookups.js';
import { StatelessChecks } from './submit/stateless-checks.js';
import { SubmissionRepository } from './submit/submission.repository.js';
import { SubmitEvents } from './submit/submit-events.js';
import { AgreementModule } from '../agreements/index.js';
import { PrivacyRecordModule } from '../privacy-records/index.js';
import { StandardModule } from '../standards/index.js';

@Module({
  imports: [AgreementModule, PrivacyRecordModule, StandardModule],
  controllers: [ExchangeController, SourceConformanceController],
  providers: [
    RegistryReadModel,
    // submit/: the pipeline and its phases
    SubmitEvents, GroupCommit, Quota, RegistryLookups, StatelessChecks, StandardCheck, RegistryChecks, OnceAndStore, SubmissionRepository, QuotaRepository,
    // feed/: the read side
    EventFeed, CallerRejections, SourceConformance, FeedRepository,
    // retention/: the stored events' partitions and retention
    EventRetention, RetentionRepository,
  ],
  // The public register's source page shows the conformance record.
  exports: [SourceConformance],
})
export class ExchangeModule {}
