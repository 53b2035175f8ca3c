import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The licence a source's data is published under, as the licence's URL (the catalogue's `dct:license`). Sources
 * registered before this have none: the catalogue falls back to the licence the operator configures.
 */
export class SourceLicence1797400000000 implements MigrationInterface {
  name = 'SourceLicence1797400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sources ADD COLUMN licence text');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sources DROP COLUMN licence');
  }
}
