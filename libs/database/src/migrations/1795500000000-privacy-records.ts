import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The privacy impact records. */
export class PrivacyRecords1795500000000 implements MigrationInterface {
  name = 'PrivacyRecords1795500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`SELECT 1`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`SELECT 1`);
  }
}
