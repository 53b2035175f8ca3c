import { Module } from '@nestjs/common';
import { AgreementModule } from '../agreements/agreement.module.js';
import { ExchangeModule } from '../exchange/exchange.module.js';
import { OrganisationModule } from '../organisations/organisation.module.js';
import { PrivacyRecordModule } from '../privacy-records/privacy-record.module.js';
import { ProposalModule } from '../proposals/proposal.module.js';
import { SourceModule } from '../sources/source.module.js';
import { StandardModule } from '../standards/standard.module.js';
import { TransparencyModule } from '../transparency/transparency.module.js';
import { PageErrorFilter } from './page-error.filter.js';
import { PageRenderer } from './page-renderer.js';
import { PublicSiteController } from './public-site.controller.js';
import { PublicSiteService } from './public-site.service.js';

/** The public register's pages: they read through the other features' services, as anyone without a key would. */
@Module({
  imports: [OrganisationModule, SourceModule, AgreementModule, PrivacyRecordModule, StandardModule, ProposalModule, TransparencyModule, ExchangeModule],
  controllers: [PublicSiteController],
  providers: [PublicSiteService, PageRenderer, PageErrorFilter],
})
export class PublicSiteModule {}
