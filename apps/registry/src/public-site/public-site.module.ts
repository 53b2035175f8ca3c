import { Module } from '@nestjs/common';
import { RecordHistory } from './history/record-history.js';
import { JournalInWords } from './journal/journal-in-words.js';
import { PageErrorFilter } from './page-error.filter.js';
import { PageRenderer } from './page-renderer.js';
import { PublicSiteController } from './public-site.controller.js';
import { PublicSiteService } from './public-site.service.js';
import { AgreementModule } from '../agreements/index.js';
import { ExchangeModule } from '../exchange/index.js';
import { OrganisationModule } from '../organisations/index.js';
import { PrivacyRecordModule } from '../privacy-records/index.js';
import { ProposalModule } from '../proposals/index.js';
import { SourceModule } from '../sources/index.js';
import { StandardModule } from '../standards/index.js';
import { TransparencyModule } from '../transparency/index.js';

/** The public register's pages: they read through the other features' services, as anyone without a key would. */
@Module({
  imports: [OrganisationModule, SourceModule, AgreementModule, PrivacyRecordModule, StandardModule, ProposalModule, TransparencyModule, ExchangeModule],
  controllers: [PublicSiteController],
  providers: [PublicSiteService, PageRenderer, PageErrorFilter, JournalInWords, RecordHistory],
  exports: [JournalInWords],
})
export class PublicSiteModule {}
