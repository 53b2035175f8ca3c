import type { StandardRepository } from './standard.repository.js';

/** What other features may read of standards: a standard by id or CloudEvents type, and its versions. Provided under STANDARD_DIRECTORY by the feature's module; the repository behind it stays inside the feature. */
export type StandardDirectory = Pick<StandardRepository, 'findStandard' | 'findByType' | 'findVersion' | 'versionsOf' | 'versionsOfMajor'>;

export const STANDARD_DIRECTORY = Symbol('STANDARD_DIRECTORY');
