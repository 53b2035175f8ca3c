import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The history of role grants (who gave which role to whom, when, and when it was withdrawn), which the four-eyes
 * rule on privacy records reads: an approval counts only from a member who held the privacy-approver role before the
 * record was submitted, by the grant of someone who did not write it. The record keeps when its decider's role began.
 * Grants are made by changes to members, so the members' journal entries (actor, time, roles) record them.
 *
 * Roles held before this migration are backfilled from what the journal says of each member: the time and actor of
 * the member's latest entry, the last change that could have set its roles (a later date than the true grant, never
 * an earlier one). A member's own entry credits nobody, since nobody grants themselves a role.
 */
export class RoleGrants1796600000000 implements MigrationInterface {
  name = 'RoleGrants1796600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE member_role_grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        member_id uuid NOT NULL REFERENCES members (id),
        role text NOT NULL CHECK (role IN ('admin', 'member', 'privacy-approver', 'standards-editor')),
        granted_at timestamptz NOT NULL,
        -- NULL: the registry itself (the operator's first member), or a grant older than this history.
        granted_by_member_id uuid REFERENCES members (id),
        withdrawn_at timestamptz,
        withdrawn_by_member_id uuid REFERENCES members (id),
        CHECK (granted_by_member_id IS DISTINCT FROM member_id),
        CHECK (withdrawn_at IS NOT NULL OR withdrawn_by_member_id IS NULL)
      );
      CREATE UNIQUE INDEX member_role_grants_current ON member_role_grants (member_id, role) WHERE withdrawn_at IS NULL;
      CREATE INDEX member_role_grants_member ON member_role_grants (member_id, granted_at);

      INSERT INTO member_role_grants (organisation_id, member_id, role, granted_at, granted_by_member_id)
      SELECT m.organisation_id, m.id, r.role, COALESCE(j.recorded_at, m.updated_at), NULLIF(j.actor_id, m.id)
        FROM members m
        CROSS JOIN LATERAL unnest(m.roles) AS r (role)
        LEFT JOIN journal_entries j ON j.index = m.journal_index;

      ALTER TABLE privacy_records ADD COLUMN decider_role_since timestamptz;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE privacy_records DROP COLUMN decider_role_since;
      DROP TABLE member_role_grants;
    `);
  }
}
