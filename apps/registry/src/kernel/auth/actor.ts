/** The API key a change was made with, and who stands behind it. */
export interface ActingKey {
  id: string;
  /** `plz_` and eight characters: the public part of the key. */
  prefix: string;
  /** The member who issued the key and their organisation; null for the operator's own key, which the registry makes. */
  issuedBy: { organisationId: string; memberId: string } | null;
  /** The operator stands behind the key: its own key, or one a member of the operator issued, for whatever organisation. */
  operator: boolean;
}

/** Who made a change: a member of an organisation with one of their API keys, or the registry itself (start-up, scheduled transitions). */
export interface Actor {
  organisationId: string | null;
  memberId: string | null;
  key: ActingKey | null;
}

export const SYSTEM_ACTOR: Actor = { organisationId: null, memberId: null, key: null };
