import type { EntityManager } from 'typeorm';

/**
 * The question sources ask of privacy impact records: is this source covered, at this instant, by an approved record
 * that has not expired? The privacy-records feature answers it (its PrivacyGate) under PRIVACY_COVERAGE, so sources
 * need not import the feature that itself reads sources.
 */
export interface PrivacyCoverage {
  sourceCovered(sourceId: string, at: Date, manager: EntityManager): Promise<boolean>;
}

export const PRIVACY_COVERAGE = Symbol('PRIVACY_COVERAGE');
