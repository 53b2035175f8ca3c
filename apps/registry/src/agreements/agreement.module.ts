import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { OrganisationModule } from '../organisations/organisation.module.js';
import { PrivacyRecordModule } from '../privacy-records/privacy-record.module.js';
import { Scheduler } from '../platform/scheduler/scheduler.js';
import { SigningKeyModule } from '../signing-keys/signing-key.module.js';
import { SourceModule } from '../sources/source.module.js';
import { StandardModule } from '../standards/standard.module.js';
import { AgreementController, OrganisationAgreementController } from './agreement.controller.js';
import { AgreementLifecycle } from './agreement-lifecycle.js';
import { AgreementPrivacy } from './agreement-privacy.js';
import { AgreementTerms } from './agreement-terms.js';
import { AgreementRepository } from './agreement.repository.js';
import { AgreementService } from './agreement.service.js';
import { AmendAgreement } from './amend-agreement.use-case.js';
import { OpenSignatures } from './open-signatures.use-case.js';
import { SignAgreement } from './sign-agreement.use-case.js';
import { SuspendAgreement } from './suspend-agreement.use-case.js';
import { TerminateAgreement } from './terminate-agreement.use-case.js';

@Module({
  imports: [OrganisationModule, SourceModule, StandardModule, SigningKeyModule, PrivacyRecordModule],
  controllers: [AgreementController, OrganisationAgreementController],
  providers: [
    AgreementService, AgreementRepository, AgreementTerms, AgreementLifecycle, AgreementPrivacy, OpenSignatures, SignAgreement, AmendAgreement, SuspendAgreement,
    TerminateAgreement,
  ],
  // The exchange asks AgreementLifecycle.inForceAt / inForceForSource.
  exports: [AgreementLifecycle, AgreementService],
})
export class AgreementModule implements OnModuleInit {
  constructor(
    @Inject(Scheduler) private readonly scheduler: Scheduler,
    @Inject(AgreementLifecycle) private readonly lifecycle: AgreementLifecycle,
  ) {}

  /** Activation at validFrom (once every party has signed) and expiry at validUntil, recorded as the dates imply. */
  onModuleInit(): void {
    this.scheduler.register({ name: 'agreements.lifecycle', run: (tx, now) => this.lifecycle.settleDue(tx, now) });
  }
}
