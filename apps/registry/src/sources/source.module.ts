import { Module } from '@nestjs/common';
import { OrganisationModule } from '../organisations/index.js';
import { SOURCE_DIRECTORY } from './source-directory.js';
import { SourceController } from './source.controller.js';
import { SourcePrivacyFlags } from './source-privacy-flags.js';
import { SourceRepository } from './source.repository.js';
import { SourceService } from './source.service.js';

/**
 * Sources. Whether a source is covered by a privacy impact record is asked through PRIVACY_COVERAGE, which the
 * privacy-records feature provides (it depends on sources, not the reverse).
 */
@Module({
  imports: [OrganisationModule],
  controllers: [SourceController],
  providers: [SourceService, SourceRepository, SourcePrivacyFlags, { provide: SOURCE_DIRECTORY, useExisting: SourceRepository }],
  exports: [SourceService, SourcePrivacyFlags, SOURCE_DIRECTORY],
})
export class SourceModule {}
