import { Module } from '@nestjs/common';
import { MemberModule } from '../members/member.module.js';
import { OrganisationModule } from '../organisations/organisation.module.js';
import { ApiKeyController } from './api-key.controller.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { ApiKeyService } from './api-key.service.js';

@Module({
  imports: [OrganisationModule, MemberModule],
  controllers: [ApiKeyController],
  providers: [ApiKeyService, ApiKeyRepository],
  exports: [ApiKeyService, ApiKeyRepository],
})
export class ApiKeyModule {}
