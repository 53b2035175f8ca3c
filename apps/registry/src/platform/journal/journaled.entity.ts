import { Column, CreateDateColumn, UpdateDateColumn } from 'typeorm';

export const bigintAsNumber = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** Columns every registry record has: timestamps and the journal index of its latest change. */
export abstract class JournaledEntity {
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'journal_index', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  journalIndex: number | null;
}
