import { Module } from '@nestjs/common';
import { AUTHENTICATOR } from '../kernel/auth/authenticator.js';
import { MemberModule } from '../members/member.module.js';
import { OrganisationModule } from '../organisations/organisation.module.js';
import { ApiKeyController } from './api-key.controller.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { ApiKeyService } from './api-key.service.js';

@Module({
  imports: [OrganisationModule, MemberModule],
  controllers: [ApiKeyController],
  providers: [ApiKeyService, ApiKeyRepository, { provide: AUTHENTICATOR, useExisting: ApiKeyService }],
  exports: [ApiKeyService, ApiKeyRepository, AUTHENTICATOR],
})
export class ApiKeyModule {}
