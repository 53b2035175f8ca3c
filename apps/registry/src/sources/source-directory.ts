import type { SourceRepository } from './source.repository.js';

/**
 * What other features may read of sources: in bulk, a city's own among a list of ids, and (for the open-data
 * catalogue) the order they were registered in and their lives as the journal tells them. Provided under SOURCE_DIRECTORY.
 */
export type SourceDirectory = Pick<SourceRepository, 'findByIds' | 'findOwned' | 'registeredBetween' | 'countRegisteredBefore' | 'lives'>;

export const SOURCE_DIRECTORY = Symbol('SOURCE_DIRECTORY');
