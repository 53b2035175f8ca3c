import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The witness's state (tlog-witness): per log it witnesses, the size, root and signed note of the latest checkpoint it
 * cosigned. Protocol state, not a registry record: no journal index, no Merkle leaf, no change notification.
 */
export class WitnessState1797100000000 implements MigrationInterface {
  name = 'WitnessState1797100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE witness_state (
      origin text PRIMARY KEY,
      size bigint NOT NULL CHECK (size >= 0),
      root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
      note text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE witness_state');
  }
}
