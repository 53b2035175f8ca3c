import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The privacy impact records, and the flag a source carries when the record that covered it expired. */
export class PrivacyRecords1795500000000 implements MigrationInterface {
  name = 'PrivacyRecords1795500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE privacy_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        author_member_id uuid NOT NULL REFERENCES members (id),
        contributor_member_ids uuid[] NOT NULL,
        source_ids uuid[] NOT NULL DEFAULT '{}',
        -- The agreements table belongs to the agreements feature: these ids carry no foreign key.
        agreement_ids uuid[] NOT NULL DEFAULT '{}',
        title jsonb NOT NULL,
        personal_information_elements jsonb NOT NULL,
        purpose jsonb NOT NULL,
        legal_authority jsonb NOT NULL,
        risk_level text NOT NULL CHECK (risk_level IN ('low', 'medium', 'high')),
        risks jsonb NOT NULL,
        de_identification jsonb NOT NULL,
        retention text NOT NULL,
        next_review_date date NOT NULL,
        summary jsonb NOT NULL,
        internal_detail text NOT NULL,
        status text NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'rejected', 'expired')),
        submitted_at timestamptz,
        decided_at timestamptz,
        decided_by_member_id uuid REFERENCES members (id),
        rejection_reason text,
        expired_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint,
        CHECK (author_member_id = ANY (contributor_member_ids)),
        CHECK (status IN ('draft') OR submitted_at IS NOT NULL),
        CHECK (status NOT IN ('approved', 'rejected', 'expired') OR (decided_at IS NOT NULL AND decided_by_member_id IS NOT NULL)),
        CHECK ((status = 'rejected') = (rejection_reason IS NOT NULL)),
        CHECK ((status = 'expired') = (expired_at IS NOT NULL)),
        -- Four eyes: whoever wrote or submitted the record never decides on it.
        CHECK (decided_by_member_id IS NULL OR NOT (decided_by_member_id = ANY (contributor_member_ids)))
      );
      CREATE INDEX privacy_records_created ON privacy_records (created_at, id);
      CREATE INDEX privacy_records_organisation ON privacy_records (organisation_id, created_at);
      CREATE INDEX privacy_records_status ON privacy_records (status, next_review_date);
      CREATE INDEX privacy_records_sources ON privacy_records USING gin (source_ids);

      ALTER TABLE sources
        ADD COLUMN privacy_flagged_at timestamptz,
        ADD COLUMN privacy_flag_reason text CHECK (privacy_flag_reason IN ('privacy-record-expired')),
        ADD COLUMN privacy_flag_record_id uuid REFERENCES privacy_records (id),
        ADD CHECK ((privacy_flagged_at IS NULL) = (privacy_flag_reason IS NULL));
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE sources DROP COLUMN privacy_flag_record_id, DROP COLUMN privacy_flag_reason, DROP COLUMN privacy_flagged_at;
      DROP TABLE privacy_records;
    `);
  }
}
