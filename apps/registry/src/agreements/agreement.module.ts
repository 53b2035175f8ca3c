import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { Scheduler } from '../platform/scheduler/scheduler.js';
import { AgreementController, OrganisationAgreementController } from './agreement.controller.js';
import { AgreementCitationsProvider } from './agreement-citations.js';
import { AgreementLifecycle } from './agreement-lifecycle.js';
import { AgreementPrivacy } from './agreement-privacy.js';
import { AgreementTerms } from './agreement-terms.js';
import { AgreementRepository } from './agreement.repository.js';
import { AgreementService } from './agreement.service.js';
import { AmendAgreement } from './amend-agreement.use-case.js';
import { OpenSignatures } from './open-signatures.use-case.js';
import { ResumeAgreement } from './resume-agreement.use-case.js';
import { SignAgreement } from './sign-agreement.use-case.js';
import { SuspendAgreement } from './suspend-agreement.use-case.js';
import { TerminateAgreement } from './terminate-agreement.use-case.js';
import { OrganisationModule } from '../organisations/index.js';
import { AGREEMENT_CITATIONS, PrivacyRecordModule } from '../privacy-records/index.js';
import { SigningKeyModule } from '../signing-keys/index.js';
import { SourceModule } from '../sources/index.js';
import { StandardModule } from '../standards/index.js';

@Module({
  imports: [OrganisationModule, SourceModule, StandardModule, SigningKeyModule, PrivacyRecordModule],
  controllers: [AgreementController, OrganisationAgreementController],
  providers: [
    AgreementService, AgreementRepository, AgreementCitationsProvider, AgreementTerms, AgreementLifecycle, AgreementPrivacy, OpenSignatures, SignAgreement,
    AmendAgreement, SuspendAgreement, ResumeAgreement, TerminateAgreement,
  ],
  // The exchange asks AgreementLifecycle.inForceAmong / inForceForSource; AgreementCitationsModule answers privacy
  // records with the citations provider.
  exports: [AgreementLifecycle, AgreementService, AgreementCitationsProvider],
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

/** Answers privacy records' AGREEMENT_CITATIONS question, everywhere (privacy records cannot import this feature). */
@Global()
@Module({
  imports: [AgreementModule],
  providers: [{ provide: AGREEMENT_CITATIONS, useExisting: AgreementCitationsProvider }],
  exports: [AGREEMENT_CITATIONS],
})
export class AgreementCitationsModule {}
