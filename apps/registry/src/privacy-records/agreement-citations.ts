import type { EntityManager } from 'typeorm';

/** What an agreement id names for a city writing a privacy record: its own agreement that has not ended, one of its own that has, another city's it may read, or nothing it may read. */
export type AgreementCitation = 'citable' | 'unknown' | 'foreign' | 'ended';

/**
 * The question privacy records ask of agreements when they cite them. The agreements feature answers it under
 * AGREEMENT_CITATIONS (agreements depend on privacy records, not the reverse).
 */
export interface AgreementCitations {
  /** What each of these ids names for the city, keyed by the id as given. */
  citations(agreementIds: string[], cityId: string, manager: EntityManager): Promise<Map<string, AgreementCitation>>;
}

export const AGREEMENT_CITATIONS = Symbol('AGREEMENT_CITATIONS');
