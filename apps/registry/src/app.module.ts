import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ApiKeyModule } from './api-keys/api-key.module.js';
import { AccessGuard } from './common/auth/access.guard.js';
import { ProblemFilter } from './common/errors/problem.filter.js';
import { ConfigModule } from './config/config.module.js';
import type { AppConfig } from './config/config.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { JournalModule } from './journal/journal.module.js';
import { MemberModule } from './members/member.module.js';
import { OperatorModule } from './operator/operator.module.js';
import { OrganisationModule } from './organisations/organisation.module.js';
import { SigningKeyModule } from './signing-keys/signing-key.module.js';
import { SourceModule } from './sources/source.module.js';
import { StandardModule } from './standards/standard.module.js';
import { ProposalModule } from './proposals/proposal.module.js';
import { SchedulerModule } from './scheduler/scheduler.module.js';
import { PrivacyRecordModule } from './privacy-records/privacy-record.module.js';
import { AgreementModule } from './agreements/agreement.module.js';
import { TransparencyModule } from './transparency/transparency.module.js';
import { ExchangeModule } from './exchange/exchange.module.js';
import { PublicSiteModule } from './public-site/public-site.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        JournalModule,
        SchedulerModule,
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
        AgreementModule,
        TransparencyModule,
        ExchangeModule,
        PublicSiteModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
