import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The state each journal entry digests, kept from now on so a record's history can be shown and checked (GET
 * /api/v1/log/record for any entry). `state` is the exact RFC 8785 text the digest covers, so a disclosed state checks
 * byte for byte; `public` is whether that state was public when written (a draft stays private even once its record is
 * public); `withheld` is the operator's withholding of a state typed in error, whose text is then erased. Entries from
 * before this migration have no row: a record's history starts at the first entry that has one. Written only by the unit
 * of work beside its entry (no foreign key: the log's own tests cut the journal short to play a forked log).
 */
export class JournalStates1797900000000 implements MigrationInterface {
  name = 'JournalStates1797900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE journal_states (
        index bigint PRIMARY KEY,
        state text,
        public boolean NOT NULL,
        withheld boolean NOT NULL DEFAULT false,
        CHECK (withheld = (state IS NULL))
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE journal_states');
  }
}
