import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each checkpoint also as a C2SP signed note (its body, a blank line, the log key's Ed25519 signature line), the form
 * witnesses and tile clients read. Rows signed before this have none: the registry signs their note the first time it
 * serves them (Ed25519 is deterministic, so every instance would write the same bytes).
 */
export class CheckpointNotes1797000000000 implements MigrationInterface {
  name = 'CheckpointNotes1797000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE log_checkpoints ADD COLUMN note text');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE log_checkpoints DROP COLUMN note');
  }
}
