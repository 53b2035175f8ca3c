import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { requireCity } from './agreement-access.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';
import { AgreementLifecycle } from './agreement-lifecycle.js';
import { AgreementRepository } from './agreement.repository.js';

/** The city suspends the version in force, at once, with a reason; no event is covered while it is suspended. */
@Injectable()
export class SuspendAgreement {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(AgreementRepository) private readonly agreements: AgreementRepository,
    @Inject(AgreementLifecycle) private readonly lifecycle: AgreementLifecycle,
  ) {}

  async execute(principal: Principal, id: string, reason: string): Promise<void> {
    const now = new Date();
    await this.lifecycle.settle(id, now);
    await this.uow.run(actorOf(principal), async (tx) => {
      const agreement = requireCity(await this.agreements.lockAgreement(id, tx.manager), principal, id);
      const versions = await this.agreements.versions(id, tx.manager);
      const current = versions.find((v) => v.status === 'active');
      if (!current) {
        const latest = versions[versions.length - 1]!;
        throw new AgreementError(AgreementErrorCode.WrongStatus, `No version of this agreement is active (the latest, version ${latest.number}, is ${latest.status}); only an active agreement can be suspended.`);
      }
      await this.lifecycle.transition(tx, current, agreement.cityId, 'suspended', now, reason);
    });
  }
}
