import type { SourceStatus } from './source.entity.js';

/** The status changes a source may go through. Retired is final. */
export const SOURCE_TRANSITIONS: { readonly [S in SourceStatus]: readonly SourceStatus[] } = {
  planned: ['active', 'retired'],
  active: ['suspended', 'retired'],
  suspended: ['active', 'retired'],
  retired: [],
};

export function canTransition(from: SourceStatus, to: SourceStatus): boolean {
  return SOURCE_TRANSITIONS[from].includes(to);
}
