import { Module } from '@nestjs/common';
import { BrokerCursorRepository } from './delivery/broker/broker-cursor.repository.js';
import { BrokerPublisher } from './delivery/broker/broker-publisher.js';
import { DeliveryMetrics } from './delivery/delivery-metrics.js';
import { DeliveryRunner } from './delivery/delivery-runner.js';
import { DeliverySigner } from './delivery/delivery-signer.js';
import { SinkCredentials } from './delivery/sink-credentials.js';
import { DeliveryKeysController, SubscriptionController } from './delivery/subscription.controller.js';
import { SubscriptionRepository } from './delivery/subscription.repository.js';
import { SubscriptionService } from './delivery/subscription.service.js';
import { ExchangeController, SourceConformanceController } from './exchange.controller.js';
import { FeedAccess } from './feed/feed-access.js';
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
import { SubmitMetrics } from './submit/submit-metrics.js';
import { AgreementModule } from '../agreements/index.js';
import { PrivacyRecordModule } from '../privacy-records/index.js';
import { StandardModule } from '../standards/index.js';

@Module({
  imports: [AgreementModule, PrivacyRecordModule, StandardModule],
  controllers: [ExchangeController, SourceConformanceController, SubscriptionController, DeliveryKeysController],
  providers: [
    RegistryReadModel,
    // submit/: the pipeline and its phases
    SubmitEvents, SubmitMetrics, GroupCommit, Quota, RegistryLookups, StatelessChecks, StandardCheck, RegistryChecks, OnceAndStore, SubmissionRepository, QuotaRepository,
    // feed/: the read side
    EventFeed, FeedAccess, CallerRejections, SourceConformance, FeedRepository,
    // delivery/: subscriptions and the follower that pushes accepted events to them
    SubscriptionService, SubscriptionRepository, SinkCredentials, DeliverySigner, DeliveryRunner, DeliveryMetrics,
    // delivery/broker/: the NATS JetStream publisher and its leased cursor
    BrokerPublisher, BrokerCursorRepository,
    // retention/: the stored events' partitions and retention
    EventRetention, RetentionRepository,
  ],
  // The public register's source page shows the conformance record.
  exports: [SourceConformance],
})
export class ExchangeModule {}
