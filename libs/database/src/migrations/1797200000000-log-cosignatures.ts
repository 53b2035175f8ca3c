import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Witnessing of the log (tlog-witness, the log's side): what each witness last acknowledged and the last trouble with
 * it, and the cosignatures collected per checkpoint. Protocol state, not registry records: nothing here is journaled
 * (two registries witnessing each other must not grow each other's logs). A witness is named by its canonical
 * verifier key (type 0x04), so changing its URL keeps its state.
 */
export class LogCosignatures1797200000000 implements MigrationInterface {
  name = 'LogCosignatures1797200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE log_witnesses (
        witness_key text PRIMARY KEY,
        -- The size the witness last said it holds (its latest cosigned checkpoint), 0 before it ever answered.
        acknowledged_size bigint NOT NULL DEFAULT 0 CHECK (acknowledged_size >= 0),
        last_error text,
        last_error_at timestamptz,
        -- A fork alarm: the witness refused a checkpoint as inconsistent with what it saw. Kept until cosigned again.
        alarm text,
        alarm_at timestamptz,
        alarm_size bigint,
        alarms bigint NOT NULL DEFAULT 0
      );

      CREATE TABLE log_cosignatures (
        size bigint NOT NULL REFERENCES log_checkpoints (size),
        witness_key text NOT NULL,
        -- The witness's signature line, as it goes under the checkpoint note.
        line text NOT NULL,
        cosigned_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (size, witness_key)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE log_cosignatures; DROP TABLE log_witnesses');
  }
}
