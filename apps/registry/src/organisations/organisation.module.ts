import { Module } from '@nestjs/common';
import { OrganisationController } from './organisation.controller.js';
import { OrganisationScope } from './organisation-scope.js';
import { OrganisationRepository } from './organisation.repository.js';
import { OrganisationService } from './organisation.service.js';

@Module({
  controllers: [OrganisationController],
  providers: [OrganisationService, OrganisationRepository, OrganisationScope],
  exports: [OrganisationService, OrganisationRepository, OrganisationScope],
})
export class OrganisationModule {}
