import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { requireCity } from './agreement-access.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';
import { AgreementLifecycle } from './agreement-lifecycle.js';
import { recordVersion } from './agreement-record.js';
import { IN_FORCE_STATUSES, OPEN_STATUSES } from './agreement-status.js';
import { AgreementTerms } from './agreement-terms.js';
import type { AmendAgreementDto } from './agreement.dto.js';
import { AgreementRepository } from './agreement.repository.js';
import { ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';

/**
 * An amendment: a new version, a draft copied from the version in force with the requested changes. It
 * needs signatures of its own; the version in force stays in force until the amendment becomes active,
 * and then is superseded. One amendment at a time.
 */
@Injectable()
export class AmendAgreement {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(AgreementRepository) private readonly agreements: AgreementRepository,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
    @Inject(AgreementTerms) private readonly terms: AgreementTerms,
    @Inject(AgreementLifecycle) private readonly lifecycle: AgreementLifecycle,
  ) {}

  async execute(principal: Principal, id: string, dto: AmendAgreementDto): Promise<number> {
    const now = new Date();
    await this.lifecycle.settle(id, now);
    return this.uow.run(actorOf(principal), async (tx) => {
      const agreement = requireCity(await this.agreements.lockAgreement(id, tx.manager), principal, id);
      const versions = await this.agreements.versions(id, tx.manager);
      const current = versions.find((v) => IN_FORCE_STATUSES.includes(v.status));
      if (!current) throw new AgreementError(AgreementErrorCode.WrongStatus, 'No version of this agreement is in force (active or suspended); there is nothing to amend.');
      const open = versions.find((v) => OPEN_STATUSES.includes(v.status));
      if (open) throw new AgreementError(AgreementErrorCode.AmendmentInProgress, `Version ${open.number} is ${open.status}; it must come into force (or the agreement end) before another amendment.`);
      const city = (await this.organisations.findById(agreement.cityId, tx.manager))!;
      const resolved = await this.terms.resolve(city, this.terms.merge(await this.terms.inputOf(current, tx.manager), dto), tx.manager);
      const number = Math.max(...versions.map((v) => v.number)) + 1;
      const version = await this.agreements.insertVersion(
        {
          ...resolved, agreementId: id, number, status: 'draft', document: null, documentDigest: null, signaturesOpenedAt: null, signaturesCompletedAt: null,
          statusReason: `Amends version ${current.number}.`, statusChangedAt: now, history: [{ status: 'draft', at: now.toISOString(), reason: `Amends version ${current.number}.` }],
        },
        tx.manager,
      );
      recordVersion(tx, 'agreement.amendment-drafted', version, agreement.cityId);
      return number;
    });
  }
}
