import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { requireCity } from './agreement-access.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';
import { AgreementLifecycle } from './agreement-lifecycle.js';
import { AgreementPrivacy } from './agreement-privacy.js';
import { AgreementRepository } from './agreement.repository.js';

/**
 * The city resumes a suspended agreement: the suspended version becomes active again, if its window has not ended
 * (what the dates imply is recorded first) and the privacy rule still holds now.
 */
@Injectable()
export class ResumeAgreement {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(AgreementRepository) private readonly agreements: AgreementRepository,
    @Inject(AgreementLifecycle) private readonly lifecycle: AgreementLifecycle,
    @Inject(AgreementPrivacy) private readonly privacy: AgreementPrivacy,
  ) {}

  async execute(principal: Principal, id: string, reason: string | undefined): Promise<void> {
    const now = new Date();
    await this.lifecycle.settle(id, now);
    await this.uow.run(actorOf(principal), async (tx) => {
      const agreement = requireCity(await this.agreements.lockAgreement(id, tx.manager), principal, id);
      const versions = await this.agreements.versions(id, tx.manager);
      const suspended = versions.find((v) => v.status === 'suspended');
      if (!suspended) {
        const latest = versions[versions.length - 1]!;
        throw new AgreementError(AgreementErrorCode.WrongStatus, `No version of this agreement is suspended (the latest, version ${latest.number}, is ${latest.status}).`);
      }
      if (!(await this.privacy.allows(suspended, agreement.cityId, now, tx.manager))) {
        throw new AgreementError(AgreementErrorCode.PrivacyRecordRequired, 'A covered source collects personal information and the privacy records are no longer usable; the agreement stays suspended.');
      }
      await this.lifecycle.transition(tx, suspended, agreement.cityId, 'active', now, reason ?? null, 'agreement.resumed');
    });
  }
}
