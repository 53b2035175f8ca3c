import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ApiKeyModule } from '../api-keys/index.js';
import { AccessGuard } from '../kernel/auth/access.guard.js';
import { ProblemFilter } from '../kernel/errors/problem.filter.js';
import { PROBLEM_SETTINGS, type ProblemSettings } from '../kernel/errors/problem-table.js';
import { ConfigModule } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { DatabaseModule } from '../platform/database/database.module.js';
import { HealthModule } from '../health/index.js';
import { JournalModule } from '../platform/journal/journal.module.js';
import { MetricsModule } from '../platform/metrics/metrics.module.js';
import { OutboundModule } from '../platform/outbound/outbound.module.js';
import { RegistryChangesModule } from '../platform/registry-changes/registry-changes.module.js';
import { ResponseCacheModule } from '../platform/response-cache/response-cache.module.js';
import { MemberModule } from '../members/index.js';
import { OperatorModule } from '../operator/index.js';
import { OrganisationModule } from '../organisations/index.js';
import { SigningKeyModule } from '../signing-keys/index.js';
import { SourceModule } from '../sources/index.js';
import { StandardModule } from '../standards/index.js';
import { ProposalModule } from '../proposals/index.js';
import { SchedulerModule } from '../platform/scheduler/scheduler.module.js';
import { PrivacyCoverageModule, PrivacyRecordModule } from '../privacy-records/index.js';
import { AgreementCitationsModule, AgreementModule } from '../agreements/index.js';
import { TransparencyModule } from '../transparency/index.js';
import { WitnessModule } from '../witness/index.js';
import { ExchangeModule } from '../exchange/index.js';
import { PublicSiteModule } from '../public-site/index.js';
import { CatalogueModule } from '../catalogue/index.js';
import { FeedModule } from '../feeds/index.js';
import { ExportsModule } from '../exports/index.js';
import { ENTITIES } from './entities.js';
import { JOURNALED_KIND_LIST } from './journaled-kinds.js';
import { PROBLEMS } from './problem-catalogue.js';

/** How every filter renders a problem: this registry's catalogue and its configured Retry-After. */
export const problemSettings = (config: AppConfig): ProblemSettings => ({ catalogue: PROBLEMS, retryAfterSeconds: config.retryAfterSeconds });

@Global()
@Module({})
class ProblemsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ProblemsModule, providers: [{ provide: PROBLEM_SETTINGS, useValue: problemSettings(config) }], exports: [PROBLEM_SETTINGS] };
  }
}

/**
 * The composition root: the only module that knows every feature. It lists the modules, and gives the platform what
 * it needs to know of them: the entities (database), the journaled kinds (journal) and the problem catalogue (filters).
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ProblemsModule.forRoot(config),
        MetricsModule,
        DatabaseModule.forRoot(ENTITIES),
        RegistryChangesModule,
        ResponseCacheModule,
        JournalModule.forRoot(JOURNALED_KIND_LIST),
        SchedulerModule,
        OutboundModule,
        HealthModule,
        OrganisationModule,
        MemberModule,
        ApiKeyModule,
        OperatorModule,
        SigningKeyModule,
        SourceModule,
        StandardModule,
        ProposalModule,
        PrivacyRecordModule,
        PrivacyCoverageModule,
        AgreementModule,
        AgreementCitationsModule,
        TransparencyModule,
        WitnessModule,
        ExchangeModule,
        PublicSiteModule,
        CatalogueModule,
        FeedModule,
        ExportsModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
