import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { TreeHasher } from '#plaza/merkle';
import { formatAddCheckpointResponse, type NoteVerifier, noteVerifierFromKey } from '#plaza/note';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { judge, readSubmission } from './witness-rules.js';
import { WitnessSigner } from './witness-signer.js';
import { WitnessRepository } from './witness.repository.js';

/** The witness's answer to a checkpoint it accepts (its cosignature lines), or to a log that is behind or ahead of it. */
export type WitnessAnswer = { readonly cosignatures: string } | { readonly heldSize: number };

/**
 * Plaza as a witness (tlog-witness v1.0.0) for the logs the operator lists (PLAZA_WITNESS_LOGS): it cosigns a checkpoint
 * only when it is consistent with the latest one it cosigned for that log, which it holds before it answers.
 */
@Injectable()
export class WitnessService {
  private readonly logs: ReadonlyMap<string, NoteVerifier>;
  private readonly hasher = new TreeHasher((bytes) => createHash('sha256').update(bytes).digest());

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(WitnessRepository) private readonly repository: WitnessRepository,
    @Inject(WitnessSigner) private readonly signer: WitnessSigner,
  ) {
    this.logs = new Map(config.witnessLogs.map((log) => [log.origin, noteVerifierFromKey(log.vkey)]));
  }

  get verifierKey(): string {
    return this.signer.verifierKey;
  }

  async addCheckpoint(body: Uint8Array): Promise<WitnessAnswer> {
    const submission = readSubmission(body, this.logs);
    const { origin, size, rootHash } = submission.checkpoint;
    // Each pass either answers or finds that another request advanced this log since it read (a size only grows),
    // so the next pass answers that request's size with a 409.
    for (;;) {
      const held = (await this.repository.held(origin)) ?? { size: 0, rootHash: await this.hasher.empty() };
      const judgement = await judge(this.hasher, submission, held);
      if ('heldSize' in judgement) return judgement;
      if (await this.repository.advance(origin, submission.oldSize, { size, rootHash, note: submission.note })) break;
    }
    return { cosignatures: formatAddCheckpointResponse([this.signer.cosign(submission.text)]) };
  }
}
