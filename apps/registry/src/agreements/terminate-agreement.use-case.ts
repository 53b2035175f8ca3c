import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { requireCity } from './agreement-access.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';
import { AgreementLifecycle } from './agreement-lifecycle.js';
import { FINAL_STATUSES } from './agreement-status.js';
import { AgreementRepository } from './agreement.repository.js';

/**
 * The city ends the agreement at once, with a reason: the version in force and any amendment being
 * prepared (draft or awaiting signatures) are terminated together, so nothing of it can come into force later.
 */
@Injectable()
export class TerminateAgreement {
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
      const live = versions.filter((v) => !FINAL_STATUSES.includes(v.status));
      if (live.length === 0) {
        const latest = versions[versions.length - 1]!;
        throw new AgreementError(AgreementErrorCode.WrongStatus, `The agreement has already ended (version ${latest.number} is ${latest.status}).`);
      }
      for (const version of live) await this.lifecycle.transition(tx, version, agreement.cityId, 'terminated', now, reason);
    });
  }
}
