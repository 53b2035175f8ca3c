import { Module } from '@nestjs/common';
import { API_KEY_DIRECTORY } from './api-key-directory.js';
import { AUTHENTICATOR } from '../kernel/auth/authenticator.js';
import { ApiKeyController } from './api-key.controller.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { ApiKeyService } from './api-key.service.js';
import { MemberModule } from '../members/index.js';
import { OrganisationModule } from '../organisations/index.js';

@Module({
  imports: [OrganisationModule, MemberModule],
  controllers: [ApiKeyController],
  providers: [{ provide: API_KEY_DIRECTORY, useExisting: ApiKeyRepository }, ApiKeyService, ApiKeyRepository, { provide: AUTHENTICATOR, useExisting: ApiKeyService }],
  exports: [ApiKeyService, AUTHENTICATOR, API_KEY_DIRECTORY],
})
export class ApiKeyModule {}
