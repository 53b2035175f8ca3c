import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The latest checkpoint the witness cosigned for one log: protocol state, not a registry record (never journaled, so
 * two registries witnessing each other do not grow each other's logs).
 */
@Entity('witness_state')
export class WitnessState {
  @PrimaryColumn({ type: 'text' })
  origin: string;

  /** bigint, read as text: a size may exceed 2^31. */
  @Column({ type: 'bigint' })
  size: string;

  @Column({ name: 'root_hash', type: 'bytea' })
  rootHash: Buffer;

  /** The signed note as the log sent it, which the witness cosigned. */
  @Column({ type: 'text' })
  note: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
