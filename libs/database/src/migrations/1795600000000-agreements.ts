import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The data-sharing agreements, their versions and signatures. */
export class Agreements1795600000000 implements MigrationInterface {
  name = 'Agreements1795600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE agreements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        city_id uuid NOT NULL REFERENCES organisations (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX agreements_city ON agreements (city_id, created_at);

      CREATE TABLE agreement_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agreement_id uuid NOT NULL REFERENCES agreements (id),
        number integer NOT NULL CHECK (number >= 1),
        status text NOT NULL CHECK (status IN ('draft', 'pending-signatures', 'active', 'suspended', 'terminated', 'expired', 'superseded')),
        vendor_ids jsonb NOT NULL,
        source_ids jsonb NOT NULL,
        event_types jsonb NOT NULL,
        purposes jsonb NOT NULL,
        allowed_fields jsonb NOT NULL,
        retention text NOT NULL,
        onward_sharing boolean NOT NULL,
        data_residency jsonb NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_until timestamptz NOT NULL,
        privacy_record_ids jsonb NOT NULL,
        summary jsonb NOT NULL,
        document bytea,
        document_digest text,
        signatures_opened_at timestamptz,
        signatures_completed_at timestamptz,
        status_reason text,
        status_changed_at timestamptz NOT NULL,
        history jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint,
        UNIQUE (agreement_id, number),
        CHECK (valid_until > valid_from),
        -- Once signatures open, the document is fixed: every version past draft has its bytes.
        CHECK (status = 'draft' OR (document IS NOT NULL AND document_digest IS NOT NULL AND signatures_opened_at IS NOT NULL))
      );
      CREATE INDEX agreement_versions_due ON agreement_versions (status, valid_from, valid_until);
      CREATE INDEX agreement_versions_vendors ON agreement_versions USING gin (vendor_ids);
      CREATE INDEX agreement_versions_sources ON agreement_versions USING gin (source_ids);

      CREATE TABLE agreement_signatures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        version_id uuid NOT NULL REFERENCES agreement_versions (id),
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        kid text NOT NULL REFERENCES signing_keys (kid),
        jws text NOT NULL,
        signed_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint,
        UNIQUE (version_id, organisation_id)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE agreement_signatures, agreement_versions, agreements`);
  }
}
