import { Inject, Injectable } from '@nestjs/common';
import { addSignatures, formatNote, parseAddCheckpointResponse, parseNote } from '#plaza/note';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import type { AppConfig } from '../../platform/config/config.js';
import type { CheckpointWitness } from '../transparency.dto.js';
import { publicFailure, type Witness, witnessesOf } from './witness-answers.js';
import { WitnessingRepository } from './witnessing.repository.js';

/** What witnessing adds to a served checkpoint. */
export interface Witnessed {
  /** The log's signed note with every stored cosignature of a configured witness after the log's own line. */
  note: string;
  witnesses: CheckpointWitness[];
  /** At least `quorum` configured witnesses cosigned this checkpoint (never with no witness configured). */
  witnessed: boolean;
  quorum: number;
}

/** The configured witnesses (PLAZA_LOG_WITNESSES), and what they said about a checkpoint, for every instance to serve. */
@Injectable()
export class WitnessingService {
  readonly witnesses: readonly Witness[];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(WitnessingRepository) private readonly repository: WitnessingRepository,
  ) {
    this.witnesses = witnessesOf(config.logWitnesses);
  }

  /**
   * With witnesses configured, the log publishes only checkpoints that met their quorum (GET /log/checkpoint and the
   * tiles of its size), as tessera-style logs do, so a client that demands the quorum never meets one without it.
   */
  get publishesOnlyWitnessed(): boolean {
    return this.witnesses.length > 0;
  }

  /** The largest checkpoint size that met its quorum of cosignatures, or null before the first did. */
  latestWitnessedSize(): Promise<number | null> {
    return this.repository.latestWitnessedSize(this.keys(), this.config.logWitnessQuorum);
  }

  /** The smallest checkpoint size of at least `min` that met its quorum, or null. */
  smallestWitnessedSizeFrom(min: number): Promise<number | null> {
    return this.repository.smallestWitnessedSizeFrom(min, this.keys(), this.config.logWitnessQuorum);
  }

  private keys(): string[] {
    return this.witnesses.map((witness) => witness.key);
  }

  /** The checkpoint's note with its cosignatures, each witness's standing, and whether the quorum is met. */
  async witnessed(checkpoint: { size: number; note: string }): Promise<Witnessed> {
    const quorum = this.config.logWitnessQuorum;
    if (this.witnesses.length === 0) return { note: checkpoint.note, witnesses: [], witnessed: false, quorum };
    const [states, cosignatures] = await Promise.all([this.repository.states(), this.repository.cosignatures(checkpoint.size)]);
    const stateOf = new Map(states.map((state) => [state.witnessKey, state]));
    const cosignatureOf = new Map(cosignatures.map((cosignature) => [cosignature.witnessKey, cosignature]));
    const cosigned = this.witnesses.flatMap((witness) => {
      const found = cosignatureOf.get(witness.key);
      return found ? [found] : [];
    });
    const note = cosigned.length === 0 ? checkpoint.note : formatNote(addSignatures(parseNote(checkpoint.note), cosigned.flatMap((c) => parseAddCheckpointResponse(c.line))));
    const witnesses = this.witnesses.map((witness): CheckpointWitness => {
      const state = stateOf.get(witness.key);
      const cosignature = cosignatureOf.get(witness.key);
      return {
        name: witness.name,
        keyId: witness.keyId,
        cosigned: cosignature !== undefined,
        cosignedAt: cosignature?.cosignedAt.toISOString() ?? null,
        lastError: state?.lastError == null ? null : publicFailure(state.lastError),
        lastErrorAt: state?.lastErrorAt?.toISOString() ?? null,
        // A standing alarm is the witness's latest: its number is the count.
        alarm: state?.alarm ? { detail: state.alarm.detail, at: state.alarm.at.toISOString(), size: state.alarm.size, number: state.alarms } : null,
        alarms: state?.alarms ?? 0,
      };
    });
    return { note, witnesses, witnessed: cosigned.length >= quorum, quorum };
  }
}
