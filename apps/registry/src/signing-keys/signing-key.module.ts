import { Module } from '@nestjs/common';
import { OrganisationModule } from '../organisations/organisation.module.js';
import { DemoKeyCheck } from './demo-key-check.js';
import { OrganisationSigningKeyController, SigningKeyController } from './signing-key.controller.js';
import { SigningKeyRepository } from './signing-key.repository.js';
import { SigningKeyService } from './signing-key.service.js';

@Module({
  imports: [OrganisationModule],
  controllers: [OrganisationSigningKeyController, SigningKeyController],
  providers: [SigningKeyService, SigningKeyRepository, DemoKeyCheck],
  exports: [SigningKeyRepository],
})
export class SigningKeyModule {}
