import type { EntityManager } from 'typeorm';

/** A record as the transparency log discloses it: the state its latest entry digests, recomputed from what is stored now. */
export interface DisclosedRecord {
  state: unknown;
  /** Whether a caller of organisation `viewer` (null: a resident with no key) may read the record, and so learn its entry's salt. */
  visibleTo(viewer: string | null): boolean;
}

/**
 * One kind of journaled record, as the transparency log sees it. Each feature declares its kinds beside the code that
 * journals them, so the state an entry digests and the state disclosed later come from the same function: when they
 * differ, the stored record was changed without an entry.
 */
export interface JournaledKind {
  subjectType: string;
  /** The record whose latest entry is `index`, or null when there is none (it changed since, or is of another kind). */
  disclose(manager: EntityManager, index: number): Promise<DisclosedRecord | null>;
}

/** For records anyone may read. */
export const everyone = (): boolean => true;

/** For records only their own organisation reads. */
export const onlyOrganisation =
  (organisationId: string) =>
  (viewer: string | null): boolean =>
    viewer === organisationId;
