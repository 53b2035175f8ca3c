import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { REGISTRY_CHANGES_CHANNEL, RegistryChanges } from '../../platform/registry-changes/registry-changes.js';

/** What the log knows of one witness (a row of log_witnesses; a witness never asked has none). */
export interface WitnessState {
  witnessKey: string;
  acknowledgedSize: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  alarm: { detail: string; at: Date; size: number } | null;
  alarms: number;
}

export interface StoredCosignature {
  witnessKey: string;
  /** The signature line, `— <name> <base64>\n`. */
  line: string;
  cosignedAt: Date;
}

/**
 * Every read and write of log_witnesses and log_cosignatures: the log's side of witnessing, protocol state that is not
 * journaled. A change others read (a cosignature, an alarm, a new error) notifies every process in its own statement,
 * as a new checkpoint does, so no cache keeps serving the checkpoint without it.
 */
@Injectable()
export class WitnessingRepository {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(RegistryChanges) private readonly changes: RegistryChanges,
  ) {}

  async states(): Promise<WitnessState[]> {
    const rows = (await this.db.manager.query(
      'SELECT witness_key, acknowledged_size, last_error, last_error_at, alarm, alarm_at, alarm_size, alarms FROM log_witnesses',
    )) as WitnessRow[];
    return rows.map((row) => ({
      witnessKey: row.witness_key,
      acknowledgedSize: Number(row.acknowledged_size),
      lastError: row.last_error,
      lastErrorAt: row.last_error_at === null ? null : new Date(row.last_error_at),
      alarm: row.alarm === null ? null : { detail: row.alarm, at: new Date(row.alarm_at!), size: Number(row.alarm_size) },
      alarms: Number(row.alarms),
    }));
  }

  /** The cosignatures stored for the checkpoint of this size. */
  async cosignatures(size: number): Promise<StoredCosignature[]> {
    const rows = (await this.db.manager.query('SELECT witness_key, line, cosigned_at FROM log_cosignatures WHERE size = $1', [size])) as {
      witness_key: string; line: string; cosigned_at: Date;
    }[];
    return rows.map((row) => ({ witnessKey: row.witness_key, line: row.line, cosignedAt: new Date(row.cosigned_at) }));
  }

  /**
   * The largest checkpoint size that at least `quorum` of these witnesses cosigned, or null (a backward walk of the
   * primary key, stopping at the first size that has its quorum).
   */
  async latestWitnessedSize(witnessKeys: readonly string[], quorum: number): Promise<number | null> {
    const [row] = (await this.db.manager.query(
      'SELECT size FROM log_cosignatures WHERE witness_key = ANY($1) GROUP BY size HAVING count(*) >= $2 ORDER BY size DESC LIMIT 1',
      [witnessKeys, quorum],
    )) as { size: string }[];
    return row ? Number(row.size) : null;
  }

  /** The smallest size of at least `min` that at least `quorum` of these witnesses cosigned, or null. */
  async smallestWitnessedSizeFrom(min: number, witnessKeys: readonly string[], quorum: number): Promise<number | null> {
    const [row] = (await this.db.manager.query(
      'SELECT size FROM log_cosignatures WHERE size >= $1 AND witness_key = ANY($2) GROUP BY size HAVING count(*) >= $3 ORDER BY size LIMIT 1',
      [min, witnessKeys, quorum],
    )) as { size: string }[];
    return row ? Number(row.size) : null;
  }

  /** The size a witness says it holds (an answer to a request that did not cosign). */
  async acknowledge(witnessKey: string, size: number): Promise<void> {
    await this.db.manager.query(
      `INSERT INTO log_witnesses (witness_key, acknowledged_size) VALUES ($1, $2)
       ON CONFLICT (witness_key) DO UPDATE SET acknowledged_size = excluded.acknowledged_size`,
      [witnessKey, size],
    );
  }

  /**
   * Stores a verified cosignature of checkpoint `size` (the first one a witness gives for it stays), and the witness
   * as holding that size with no error. A standing fork alarm stays: a witness that agrees now (its state reset, say)
   * does not explain what it refused; only the operator's acknowledgement lowers it (acknowledgeAlarm).
   */
  async saveCosignature(size: number, cosignature: StoredCosignature): Promise<void> {
    const [saved] = (await this.db.manager.query(
      `WITH saved AS (
         INSERT INTO log_cosignatures (size, witness_key, line, cosigned_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (size, witness_key) DO NOTHING RETURNING size
       ), witness AS (
         INSERT INTO log_witnesses (witness_key, acknowledged_size) VALUES ($2, $1)
         ON CONFLICT (witness_key) DO UPDATE SET acknowledged_size = excluded.acknowledged_size, last_error = NULL, last_error_at = NULL
       )
       SELECT pg_notify($5, $6) FROM saved`,
      [size, cosignature.witnessKey, cosignature.line, cosignature.cosignedAt, REGISTRY_CHANGES_CHANNEL, this.changes.notice('log')],
    )) as unknown[];
    if (saved) this.changes.changed('log');
  }

  /** Records a failure to get a cosignature (retried at the next interval); others are told only when the message changes. */
  async recordError(witnessKey: string, error: string): Promise<void> {
    const [changed] = (await this.db.manager.query(
      `WITH before AS (SELECT last_error FROM log_witnesses WHERE witness_key = $1), after AS (
         INSERT INTO log_witnesses (witness_key, last_error, last_error_at) VALUES ($1, $2, now())
         ON CONFLICT (witness_key) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at
       )
       SELECT pg_notify($3, $4) WHERE (SELECT last_error FROM before) IS DISTINCT FROM $2`,
      [witnessKey, error, REGISTRY_CHANGES_CHANNEL, this.changes.notice('log')],
    )) as unknown[];
    if (changed) this.changes.changed('log');
  }

  /** Raises (and counts) a fork alarm: the witness refused checkpoint `size` as inconsistent with what it has seen. */
  async raiseAlarm(witnessKey: string, size: number, detail: string): Promise<void> {
    await this.db.manager.query(
      `WITH raised AS (
         INSERT INTO log_witnesses (witness_key, alarm, alarm_at, alarm_size, alarms, last_error, last_error_at) VALUES ($1, $2, now(), $3, 1, $2, now())
         ON CONFLICT (witness_key) DO UPDATE SET alarm = excluded.alarm, alarm_at = excluded.alarm_at, alarm_size = excluded.alarm_size,
           alarms = log_witnesses.alarms + 1, last_error = excluded.last_error, last_error_at = excluded.last_error_at
       )
       SELECT pg_notify($4, $5)`,
      [witnessKey, detail, size, REGISTRY_CHANGES_CHANNEL, this.changes.notice('log')],
    );
    this.changes.changed('log');
  }
  /**
   * Lowers the witness's standing fork alarm if it is alarm number `alarm` (the count when it was raised), so an
   * acknowledgement never lowers a later alarm; true if it did. The count stays.
   */
  async acknowledgeAlarm(witnessKey: string, alarm: number): Promise<boolean> {
    const [lowered] = (await this.db.manager.query(
      `WITH lowered AS (
         UPDATE log_witnesses SET alarm = NULL, alarm_at = NULL, alarm_size = NULL WHERE witness_key = $1 AND alarms = $2 AND alarm IS NOT NULL RETURNING witness_key
       )
       SELECT pg_notify($3, $4) FROM lowered`,
      [witnessKey, alarm, REGISTRY_CHANGES_CHANNEL, this.changes.notice('log')],
    )) as unknown[];
    if (lowered) this.changes.changed('log');
    return lowered !== undefined;
  }
}

interface WitnessRow {
  witness_key: string;
  acknowledged_size: string;
  last_error: string | null;
  last_error_at: Date | null;
  alarm: string | null;
  alarm_at: Date | null;
  alarm_size: string | null;
  alarms: string;
}
