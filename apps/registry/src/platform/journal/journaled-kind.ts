import type { EntityManager } from 'typeorm';
import { type Action, isAllowed } from '../../kernel/auth/permissions.js';
import type { Principal } from '../../kernel/auth/principal.js';

/** A record as the transparency log discloses it: the state its latest entry digests, recomputed from what is stored now. */
export interface DisclosedRecord {
  state: unknown;
  /** Whether this caller (undefined: a resident with no key) may read the record, and so learn its entry's salt. */
  visibleTo(viewer: Principal | undefined): boolean;
}

/**
 * One kind of journaled record, as the transparency log sees it. Each feature declares its kinds beside the code that
 * journals them, so the state an entry digests and the state disclosed later come from the same function: when they
 * differ, the stored record was changed without an entry. A change names its kind by this object, never by a string,
 * and the composition root lists every kind once (JOURNALED_KINDS).
 */
export interface JournaledKind {
  subjectType: string;
  /** The record whose latest entry is `index`, or null when there is none (it changed since, or is of another kind). */
  disclose(manager: EntityManager, index: number): Promise<DisclosedRecord | null>;
}

/**
 * Records of one kind, by id, as the journal names them: what a history reads, for a record whose history is also its
 * parts' (a standard and its versions, a proposal and its reviews and votes).
 */
export interface JournalSubjects {
  subjectType: string;
  subjectIds: readonly string[];
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

/** The injection token of the list of every journaled kind, which the composition root provides. */
export const JOURNALED_KINDS = Symbol('JOURNALED_KINDS');
