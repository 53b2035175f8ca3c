import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A city may abandon a draft version that never opened for signatures (draft -> terminated): such a version has no
 * document. The agreements migration required a document of every version past draft, so terminating a draft failed
 * on the constraint (a 500); the document is now required only of versions whose signatures were opened.
 */
export class AbandonedDrafts1795900000000 implements MigrationInterface {
  name = 'AbandonedDrafts1795900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE agreement_versions DROP CONSTRAINT ${await documentConstraint(db)}`);
    await db.query(`
      ALTER TABLE agreement_versions ADD CONSTRAINT agreement_versions_document_once_opened CHECK (
        (signatures_opened_at IS NULL AND document IS NULL AND document_digest IS NULL AND status IN ('draft', 'terminated'))
        OR (signatures_opened_at IS NOT NULL AND document IS NOT NULL AND document_digest IS NOT NULL)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE agreement_versions DROP CONSTRAINT agreement_versions_document_once_opened');
    await db.query(`ALTER TABLE agreement_versions ADD CHECK (status = 'draft' OR (document IS NOT NULL AND document_digest IS NOT NULL AND signatures_opened_at IS NOT NULL))`);
  }
}

/** The name PostgreSQL gave the unnamed CHECK of the agreements migration, found by what it says. */
async function documentConstraint(db: QueryRunner): Promise<string> {
  const rows = (await db.query(
    `SELECT conname FROM pg_constraint
      WHERE conrelid = 'agreement_versions'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%document IS NOT NULL%'`,
  )) as { conname: string }[];
  if (rows.length !== 1) throw new Error(`expected one document CHECK on agreement_versions, found ${rows.length}`);
  return `"${rows[0]!.conname}"`;
}
