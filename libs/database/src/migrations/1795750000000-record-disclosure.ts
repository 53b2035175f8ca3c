import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every table whose rows name the index of their latest journal entry. */
const JOURNALED_TABLES = [
  'organisations', 'members', 'api_keys', 'signing_keys', 'sources', 'standards', 'standard_versions', 'proposals', 'proposal_reviews',
  'proposal_votes', 'privacy_records', 'agreement_versions', 'agreement_signatures',
];

/**
 * Look-ups for disclosing a record by the index of its latest entry (GET /api/v1/log/record). An index belongs to one
 * entry about one record, so at most one row of all these tables names it.
 */
export class RecordDisclosure1795750000000 implements MigrationInterface {
  name = 'RecordDisclosure1795750000000';

  async up(db: QueryRunner): Promise<void> {
    for (const table of JOURNALED_TABLES) {
      await db.query(`CREATE UNIQUE INDEX ${table}_journal_index ON ${table} (journal_index)`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of JOURNALED_TABLES) await db.query(`DROP INDEX ${table}_journal_index`);
  }
}
