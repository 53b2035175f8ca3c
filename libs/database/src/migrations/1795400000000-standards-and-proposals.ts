import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The standards catalogue and the proposals process that changes it. */
export class StandardsAndProposals1795400000000 implements MigrationInterface {
  name = 'StandardsAndProposals1795400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE standards (
        id text PRIMARY KEY,
        title jsonb NOT NULL,
        description jsonb NOT NULL,
        ce_type text NOT NULL UNIQUE,
        licence text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint
      );

      CREATE TABLE standard_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        standard_id text NOT NULL REFERENCES standards (id),
        version text NOT NULL,
        major integer NOT NULL CHECK (major >= 0),
        minor integer NOT NULL CHECK (minor >= 0),
        patch integer NOT NULL CHECK (patch >= 0),
        schema_uri text NOT NULL UNIQUE,
        schema jsonb NOT NULL,
        schema_digest text NOT NULL,
        examples jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('published', 'deprecated', 'retired')),
        origin text NOT NULL CHECK (origin IN ('baseline', 'proposal')),
        proposal_number integer,
        published_at timestamptz NOT NULL,
        deprecated_at timestamptz,
        retired_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint,
        UNIQUE (standard_id, major, minor, patch)
      );

      CREATE TABLE proposals (
        number integer PRIMARY KEY CHECK (number > 0),
        slug text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('new-standard', 'new-version', 'deprecation')),
        title jsonb NOT NULL,
        body text NOT NULL,
        standard_id text NOT NULL,
        version text NOT NULL,
        standard_info jsonb,
        schema jsonb,
        examples jsonb,
        status text NOT NULL CHECK (status IN ('draft', 'review', 'voting', 'accepted', 'rejected', 'withdrawn')),
        origin text NOT NULL CHECK (origin IN ('file', 'api')),
        authors jsonb NOT NULL,
        author_organisation_id uuid REFERENCES organisations (id),
        author_member_id uuid REFERENCES members (id),
        compatibility jsonb,
        electorate jsonb,
        voting_round integer NOT NULL DEFAULT 0,
        voting_opened_at timestamptz,
        decision jsonb,
        decided_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint
      );
      CREATE INDEX proposals_status ON proposals (status, number);
      CREATE INDEX proposals_standard ON proposals (standard_id, number);

      CREATE TABLE proposal_reviews (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        proposal_number integer NOT NULL REFERENCES proposals (number),
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        member_id uuid NOT NULL REFERENCES members (id),
        verdict text NOT NULL CHECK (verdict IN ('approve', 'request-changes', 'comment')),
        comment text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint
      );
      CREATE INDEX proposal_reviews_proposal ON proposal_reviews (proposal_number, created_at);

      CREATE TABLE proposal_votes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        proposal_number integer NOT NULL REFERENCES proposals (number),
        organisation_id uuid NOT NULL REFERENCES organisations (id),
        member_id uuid NOT NULL REFERENCES members (id),
        round integer NOT NULL CHECK (round > 0),
        choice text NOT NULL CHECK (choice IN ('yes', 'no', 'abstain')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        journal_index bigint,
        UNIQUE (proposal_number, organisation_id, round)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE proposal_votes, proposal_reviews, proposals, standard_versions, standards');
  }
}
