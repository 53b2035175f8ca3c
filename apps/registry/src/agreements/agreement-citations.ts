import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AgreementCitation, AgreementCitations } from '../privacy-records/index.js';
import { isPublic } from './agreement-access.js';
import type { Agreement, AgreementStatus, AgreementVersion } from './agreement.entity.js';
import { AgreementRepository } from './agreement.repository.js';

const ENDED: readonly AgreementStatus[] = ['terminated', 'expired'];

/**
 * A privacy record covers the city's own agreements that have not ended. Another city's agreement the caller may not
 * read (never in force) reads exactly like one that does not exist; one it may read is refused as another city's.
 */
export function agreementCitation(found: { agreement: Agreement; versions: AgreementVersion[] } | undefined, cityId: string): AgreementCitation {
  if (!found) return 'unknown';
  if (found.agreement.cityId !== cityId) return found.versions.some(isPublic) ? 'foreign' : 'unknown';
  const latest = found.versions[found.versions.length - 1];
  return latest && ENDED.includes(latest.status) ? 'ended' : 'citable';
}

/** The agreements feature's answer to privacy records' AGREEMENT_CITATIONS question. */
@Injectable()
export class AgreementCitationsProvider implements AgreementCitations {
  constructor(@Inject(AgreementRepository) private readonly agreements: AgreementRepository) {}

  async citations(agreementIds: string[], cityId: string, manager: EntityManager): Promise<Map<string, AgreementCitation>> {
    const found = new Map((await this.agreements.withVersions(agreementIds, manager)).map((f) => [f.agreement.id, f]));
    return new Map(agreementIds.map((id) => [id, agreementCitation(found.get(id.toLowerCase()), cityId)]));
  }
}
