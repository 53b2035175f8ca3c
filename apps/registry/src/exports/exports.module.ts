import { Module } from '@nestjs/common';
import { AgreementModule } from '../agreements/index.js';
import { OrganisationModule } from '../organisations/index.js';
import { PrivacyRecordModule } from '../privacy-records/index.js';
import { ProposalModule } from '../proposals/index.js';
import { SourceModule } from '../sources/index.js';
import { StandardModule } from '../standards/index.js';
import { ExportBuilder } from './export-builder.js';
import { ExportRecords } from './export-records.js';
import { ExportsController } from './exports.controller.js';
import { ExportsService } from './exports.service.js';

/** Full exports of the public register (JSON Lines, and CSV for sources): a read-only adapter over the features' ports, built in the background. */
@Module({
  imports: [OrganisationModule, SourceModule, PrivacyRecordModule, AgreementModule, StandardModule, ProposalModule],
  controllers: [ExportsController],
  providers: [ExportRecords, ExportBuilder, ExportsService],
})
export class ExportsModule {}
