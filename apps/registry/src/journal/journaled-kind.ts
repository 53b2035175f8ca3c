import type { EntityManager } from 'typeorm';
import { type Action, isAllowed } from '../common/auth/permissions.js';
import type { Principal } from '../common/auth/principal.js';

/** A record as the transparency log discloses it: the state its latest entry digests, recomputed from what is stored now. */
export interface DisclosedRecord {
  state: unknown;
  /** Whether this caller (undefined: a resident with no key) may read the record, and so learn its entry's salt. */
  visibleTo(viewer: Principal | undefined): boolean;
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

/** For records only their own organisation's members whose roles grant `action` read (and the operator, who acts on any). */
export const readableWith =
  (organisationId: string, action: Action) =>
  (viewer: Principal | undefined): boolean =>
    viewer !== undefined &&
    (viewer.organisationId === organisationId || viewer.organisationKind === 'operator') &&
    isAllowed(action, viewer.organisationKind, viewer.roles);
