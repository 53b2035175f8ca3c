import { Module } from '@nestjs/common';
import { OrganisationModule } from '../organisations/organisation.module.js';
import { PrivacyRecordModule } from '../privacy-records/privacy-record.module.js';
import { SourceController } from './source.controller.js';
import { SourceRepository } from './source.repository.js';
import { SourceService } from './source.service.js';

@Module({
  imports: [OrganisationModule, PrivacyRecordModule],
  controllers: [SourceController],
  providers: [SourceService, SourceRepository],
  exports: [SourceRepository, SourceService],
})
export class SourceModule {}
