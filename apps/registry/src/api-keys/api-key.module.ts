import { Module } from '@nestjs/common';
import { AUTHENTICATOR } from '../kernel/auth/authenticator.js';
import { ApiKeyController } from './api-key.controller.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { ApiKeyService } from './api-key.service.js';
import { MemberModule } from '../members/index.js';
import { OrganisationModule } from '../organisations/index.js';

@Module({
  imports: [OrganisationModule, MemberModule],
  controllers: [ApiKeyController],
  providers: [ApiKeyService, ApiKeyRepository, { provide: AUTHENTICATOR, useExisting: ApiKeyService }],
  exports: [ApiKeyService, AUTHENTICATOR],
})
export class ApiKeyModule {}
