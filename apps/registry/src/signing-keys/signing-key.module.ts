import { Module } from '@nestjs/common';
import { SIGNING_KEY_DIRECTORY } from './signing-key-directory.js';
import { DemoKeyCheck } from './demo-key-check.js';
import { OrganisationSigningKeyController, SigningKeyController } from './signing-key.controller.js';
import { SigningKeyRepository } from './signing-key.repository.js';
import { SigningKeyService } from './signing-key.service.js';
import { OrganisationModule } from '../organisations/index.js';

@Module({
  imports: [OrganisationModule],
  controllers: [OrganisationSigningKeyController, SigningKeyController],
  providers: [{ provide: SIGNING_KEY_DIRECTORY, useExisting: SigningKeyRepository }, SigningKeyService, SigningKeyRepository, DemoKeyCheck],
  exports: [SIGNING_KEY_DIRECTORY],
})
export class SigningKeyModule {}
