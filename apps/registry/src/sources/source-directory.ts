import type { SourceRepository } from './source.repository.js';

/** What other features may read of sources: in bulk, and a city's own among a list of ids. Provided under SOURCE_DIRECTORY. */
export type SourceDirectory = Pick<SourceRepository, 'findByIds' | 'findOwned'>;

export const SOURCE_DIRECTORY = Symbol('SOURCE_DIRECTORY');
