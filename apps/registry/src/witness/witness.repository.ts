import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WitnessState } from './witness-state.entity.js';

/** What the witness holds for one log: the size and root of the latest checkpoint it cosigned. */
export interface HeldTree {
  size: number;
  rootHash: Uint8Array;
}

/** A checkpoint to hold: its tree and the signed note it came in. */
export interface CosignedCheckpoint extends HeldTree {
  note: string;
}

/**
 * Every read and write of witness_state. Writes never go through the unit of work (this is not a registry record) and
 * never notify the registry's caches (no public answer depends on it).
 */
@Injectable()
export class WitnessRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** The tree held for a log, or null before its first checkpoint. */
  async held(origin: string): Promise<HeldTree | null> {
    const row = await this.db.getRepository(WitnessState).findOneBy({ origin });
    return row ? { size: Number(row.size), rootHash: new Uint8Array(row.rootHash) } : null;
  }

  /**
   * Holds `next` for a log if the held size is still `from` (no row counts as size 0): a compare-and-swap in one
   * statement, so of two requests that judged the same held tree, only one advances it. False: another got there first.
   */
  async advance(origin: string, from: number, next: CosignedCheckpoint): Promise<boolean> {
    const rows = (await this.db.manager.query(
      `WITH held AS (
         INSERT INTO witness_state AS w (origin, size, root_hash, note) VALUES ($1, $2, $3, $4)
         ON CONFLICT (origin) DO UPDATE SET size = EXCLUDED.size, root_hash = EXCLUDED.root_hash, note = EXCLUDED.note, updated_at = now()
           WHERE w.size = $5
         RETURNING origin
       )
       SELECT origin FROM held`,
      [origin, next.size, Buffer.from(next.rootHash), next.note, from],
    )) as { origin: string }[];
    // A first checkpoint inserts whatever `from` says; the judge lets only `old 0` through when nothing is held.
    return rows.length === 1;
  }
}
