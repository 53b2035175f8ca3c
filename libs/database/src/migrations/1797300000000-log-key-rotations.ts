import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The log's key rotations, in order: each the statement by which an old log key names its successor (a signed note,
 * signed by both keys), made once, at the start that brought the new key. A key is rotated to at most once and away
 * from at most once, so the rows form one chain.
 */
export class LogKeyRotations1797300000000 implements MigrationInterface {
  name = 'LogKeyRotations1797300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE log_key_rotations (
        position integer PRIMARY KEY CHECK (position >= 0),
        old_key text NOT NULL UNIQUE,
        new_key text NOT NULL UNIQUE,
        from_size bigint NOT NULL CHECK (from_size >= 0),
        statement text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE log_key_rotations');
  }
}
