import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Organisations, members, API keys, signing keys, data sources and the change journal. */
export class Foundation1732280000000 implements MigrationInterface {
  name = 'Foundation1732280000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE journal_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        size bigint NOT NULL CHECK (size >= 0)
      );
      INSERT INTO journal_head (id, size) VALUES (1, 0);

      CREATE TABLE journal_entries (
        index bigint PRIMARY KEY CHECK (index >= 0),
        entry bytea NOT NULL,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        organisation_id uuid,
        actor_id uuid,
        salt bytea NOT NULL,
        recorded_at timestamptz NOT NULL
      );
      CREATE INDEX journal_entries_subject ON journal_entries (subject_type, subject_id, index);

      CREATE TABLE organisations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('city', 'vendor', 'operator')),
        coalition_member boolean NOT NULL DEFAULT false,
        name jsonb NOT NULL,
        jurisdiction text NOT NULL,
        privacy_contact jsonb NOT NULL,
        website text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint
      );
      CREATE INDEX organisations_kind ON organisations (kind, slug);

      CREATE TABLE members (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        name text NOT NULL,
        email text NOT NULL,
        roles text[] NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint
      );
      CREATE UNIQUE INDEX members_email ON members (organisation_id, lower(email));

      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        member_id uuid NOT NULL REFERENCES members (id),
        prefix text NOT NULL UNIQUE,
        hash bytea NOT NULL,
        label text NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint
      );
      CREATE INDEX api_keys_member ON api_keys (member_id);

      CREATE TABLE signing_key_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        challenge text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );

      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        jwk jsonb NOT NULL,
        alg text NOT NULL CHECK (alg IN ('EdDSA', 'ES256')),
        label text NOT NULL,
        valid_from timestamptz NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        revocation_reason text,
        revocation_comment text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint,
        CHECK (expires_at IS NULL OR expires_at > valid_from)
      );
      CREATE INDEX signing_keys_organisation ON signing_keys (organisation_id, created_at);

      CREATE TABLE sources (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL REFERENCES organisations (id),
        operator_id uuid NOT NULL REFERENCES organisations (id),
        kind text NOT NULL CHECK (kind IN ('sensor', 'stream', 'dataset')),
        name jsonb NOT NULL,
        description jsonb NOT NULL,
        purpose jsonb NOT NULL,
        measures jsonb NOT NULL,
        personal_information boolean NOT NULL,
        legal_authority jsonb NOT NULL,
        location jsonb NOT NULL,
        min_lon double precision NOT NULL,
        min_lat double precision NOT NULL,
        max_lon double precision NOT NULL,
        max_lat double precision NOT NULL,
        technology text NOT NULL,
        standards jsonb NOT NULL,
        ce_source text NOT NULL UNIQUE,
        status text NOT NULL CHECK (status IN ('planned', 'active', 'suspended', 'retired')),
        status_reason text,
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        search_text text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint
      );
      CREATE INDEX sources_owner ON sources (owner_id);
      CREATE INDEX sources_status_kind ON sources (status, kind);
      CREATE INDEX sources_bbox ON sources (min_lon, max_lon, min_lat, max_lat);
      CREATE INDEX sources_created ON sources (created_at, id);
      CREATE INDEX sources_name ON sources ((name ->> 'en'), id);
      CREATE INDEX sources_standards ON sources USING gin (standards jsonb_path_ops);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE sources, signing_keys, signing_key_challenges, api_keys, members, organisations, journal_entries, journal_head`);
  }
}
