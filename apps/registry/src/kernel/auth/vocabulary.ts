/**
 * The words of the permission table: the kinds of organisation and the roles of their members. They live here, at the
 * ground floor, because the guard decides with them; the organisations and members features store them.
 */
export const ORGANISATION_KINDS = ['city', 'vendor'] as const;
/** `operator` is the registry's own organisation, made at start-up and never through the API. */
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number] | 'operator';

export const ROLES = ['admin', 'member', 'privacy-approver', 'standards-editor'] as const;
export type Role = (typeof ROLES)[number];
