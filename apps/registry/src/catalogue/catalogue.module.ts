import { Module } from '@nestjs/common';
import { AgreementModule } from '../agreements/index.js';
import { OrganisationModule } from '../organisations/index.js';
import { PrivacyRecordModule } from '../privacy-records/index.js';
import { SourceModule } from '../sources/index.js';
import { StandardModule } from '../standards/index.js';
import { CatalogueController } from './catalogue.controller.js';
import { CatalogueService } from './catalogue.service.js';

/** The open-data catalogue (DCAT-AP 3): a read-only adapter over the features' ports, as the public pages are. */
@Module({
  imports: [OrganisationModule, SourceModule, StandardModule, PrivacyRecordModule, AgreementModule],
  controllers: [CatalogueController],
  providers: [CatalogueService],
})
export class CatalogueModule {}
