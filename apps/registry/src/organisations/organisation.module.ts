import { Module } from '@nestjs/common';
import { ORGANISATION_DIRECTORY } from './organisation-directory.js';
import { OrganisationController } from './organisation.controller.js';
import { OrganisationScope } from './organisation-scope.js';
import { OrganisationRepository } from './organisation.repository.js';
import { OrganisationService } from './organisation.service.js';

@Module({
  controllers: [OrganisationController],
  providers: [{ provide: ORGANISATION_DIRECTORY, useExisting: OrganisationRepository }, OrganisationService, OrganisationRepository, OrganisationScope],
  exports: [OrganisationService, OrganisationScope, ORGANISATION_DIRECTORY],
})
export class OrganisationModule {}
