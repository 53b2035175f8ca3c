import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the operator does for an organisation is told apart from what the organisation does (review finding 5): every
 * journal entry names the API key it was made with, every key who issued it, and signing keys and agreement signatures
 * whether the operator stood behind the key that registered or gave them (null: before this was recorded).
 *
 * A member's keys die with a deactivation: each key remembers how many times its member had been deactivated when it
 * was issued, and works only while that count is unchanged, so reactivating a member does not revive old keys.
 */
export class ActingKeys1796500000000 implements MigrationInterface {
  name = 'ActingKeys1796500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE journal_entries ADD COLUMN key_id uuid');
    await db.query('ALTER TABLE members ADD COLUMN deactivations integer NOT NULL DEFAULT 0 CHECK (deactivations >= 0)');
    // A member inactive now was deactivated once at least: their keys must not come back if they are reactivated.
    await db.query('UPDATE members SET deactivations = 1 WHERE NOT active');
    await db.query(`
      ALTER TABLE api_keys
        ADD COLUMN issued_by_member_id uuid REFERENCES members (id),
        ADD COLUMN issued_by_organisation_id uuid REFERENCES organisations (id),
        ADD COLUMN member_deactivations integer NOT NULL DEFAULT 0,
        ADD CHECK ((issued_by_member_id IS NULL) = (issued_by_organisation_id IS NULL))`);
    // Keys issued before: their issuer is the actor of their `api-key.issued` entry (none for the operator's own key).
    await db.query(`
      UPDATE api_keys k SET issued_by_member_id = m.id, issued_by_organisation_id = m.organisation_id
        FROM journal_entries j JOIN members m ON m.id = j.actor_id
       WHERE j.action = 'api-key.issued' AND j.subject_type = 'api-key' AND j.subject_id = k.id::text`);
    await db.query('ALTER TABLE signing_keys ADD COLUMN registered_via_operator boolean');
    await db.query('ALTER TABLE agreement_signatures ADD COLUMN signed_via_operator boolean');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE agreement_signatures DROP COLUMN signed_via_operator');
    await db.query('ALTER TABLE signing_keys DROP COLUMN registered_via_operator');
    await db.query('ALTER TABLE api_keys DROP COLUMN member_deactivations, DROP COLUMN issued_by_organisation_id, DROP COLUMN issued_by_member_id');
    await db.query('ALTER TABLE members DROP COLUMN deactivations');
    await db.query('ALTER TABLE journal_entries DROP COLUMN key_id');
  }
}
