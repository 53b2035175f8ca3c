import type { MigrationInterface, QueryRunner } from 'typeorm';
import { displayNameKeys } from '#plaza/text';

/**
 * No organisation may take another's display name: each name, in either language, is held in the normalised form
 * of displayNameKey, unique across the registry, so the database refuses the second even under a race.
 */
export class OrganisationDisplayNames1796400000000 implements MigrationInterface {
  name = 'OrganisationDisplayNames1796400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE organisation_display_names (
        name_key text NOT NULL,
        organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
        CONSTRAINT organisation_display_names_unique UNIQUE (name_key)
      )`);
    await db.query('CREATE INDEX organisation_display_names_organisation ON organisation_display_names (organisation_id)');
    // Existing registrations keep their names in the order they came; a later one that already shares a name with an
    // earlier one holds no key for it, and must choose another name the next time it changes its name.
    const organisations = (await db.query('SELECT id, name FROM organisations ORDER BY created_at, id')) as { id: string; name: { en: string; fr: string } }[];
    for (const { id, name } of organisations) {
      for (const key of displayNameKeys([name.en, name.fr])) {
        await db.query('INSERT INTO organisation_display_names (name_key, organisation_id) VALUES ($1, $2) ON CONFLICT (name_key) DO NOTHING', [key, id]);
      }
    }
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE organisation_display_names');
  }
}
