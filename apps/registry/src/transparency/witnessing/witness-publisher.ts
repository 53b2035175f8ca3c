import { Buffer } from 'node:buffer';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { proveConsistency } from '#plaza/merkle';
import { formatAddCheckpointRequest, type NoteSignature } from '#plaza/note';
import { OutboundError } from '#plaza/outbound';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import { type AppConfig, ConfigError } from '../../platform/config/config.js';
import { treeHasher } from '../../platform/journal/merkle-node.repository.js';
import { Outbound } from '../../platform/outbound/outbound.module.js';
import { LogSigner } from '../log-signer.js';
import { SignerElection } from '../signer-election.js';
import { TransparencyRepository } from '../transparency.repository.js';
import { type SignedCheckpoint, TransparencyService } from '../transparency.service.js';
import { failedRequest, readWitnessAnswer, validCosignature, type Witness, type WitnessAnswer } from './witness-answers.js';
import { WitnessingRepository } from './witnessing.repository.js';
import { WitnessingService } from './witnessing.service.js';

/**
 * Asks the witnesses (PLAZA_LOG_WITNESSES) to cosign the latest checkpoint, every PLAZA_LOG_WITNESS_INTERVAL_MS, from
 * the elected signer only (SignerElection): `add-checkpoint` with the size the witness last acknowledged and a
 * consistency proof from it, through the guarded outbound client. A 409 naming another size is answered once, with a
 * proof from that size; any other 409, or a 422, is a fork alarm: stored, counted, logged, and that witness is not asked
 * again, by any instance, until the operator acknowledges the alarm (PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED, read at
 * start): no loop of refused requests, and no alarm lowered by a restart or a cosignature alone. Other failures are
 * retried at the next interval.
 */
@Injectable()
export class WitnessPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TransparencyLog');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TransparencyService) private readonly log: TransparencyService,
    @Inject(TransparencyRepository) private readonly tree: TransparencyRepository,
    @Inject(WitnessingRepository) private readonly repository: WitnessingRepository,
    @Inject(WitnessingService) private readonly witnessing: WitnessingService,
    @Inject(SignerElection) private readonly election: SignerElection,
    @Inject(Outbound) private readonly outbound: Outbound,
    @Inject(LogSigner) private readonly signer: LogSigner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.refuseLogKeyAsWitness();
    await this.acknowledgeAlarms();
    if (this.config.logWitnessIntervalMs === 0 || this.witnessing.witnesses.length === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.publish()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not ask the witnesses to cosign the checkpoint; asking again at the next interval'))
        .finally(() => (this.running = undefined));
    }, this.config.logWitnessIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * Sends the latest checkpoint to every witness that has not cosigned it and has no standing fork alarm, if this
   * instance is the signer.
   */
  async publish(): Promise<void> {
    const { witnesses } = this.witnessing;
    if (witnesses.length === 0 || !(await this.election.elected())) return;
    const checkpoint = await this.log.signedCheckpoint();
    const [states, cosignatures] = await Promise.all([this.repository.states(), this.repository.cosignatures(checkpoint.size)]);
    const acknowledged = new Map(states.map((state) => [state.witnessKey, state.acknowledgedSize]));
    const skipped = new Set([...cosignatures.map((cosignature) => cosignature.witnessKey), ...states.filter((state) => state.alarm).map((state) => state.witnessKey)]);
    await Promise.all(
      witnesses
        .filter((witness) => !skipped.has(witness.key))
        .map((witness) =>
          this.ask(witness, checkpoint, acknowledged.get(witness.key) ?? 0).catch((error: unknown) =>
            this.logger.warn({ err: error, witness: witness.name }, `could not ask witness ${witness.name} to cosign; asking again at the next interval`),
          ),
        ),
    );
  }

  private async ask(witness: Witness, checkpoint: SignedCheckpoint, acknowledged: number): Promise<void> {
    if (acknowledged > checkpoint.size) return this.beyond(witness, checkpoint, acknowledged);
    let old = acknowledged;
    for (let resynced = false; ; resynced = true) {
      const answer = await this.send(witness, checkpoint, old);
      switch (answer.kind) {
        case 'cosigned':
          return this.keep(witness, checkpoint, answer.signatures);
        case 'fork':
          return this.alarm(witness, checkpoint.size, `witness ${witness.name} refused checkpoint ${checkpoint.size} (answered ${answer.status} to a consistency proof from size ${old}): it has seen a tree of this log that this checkpoint does not extend`);
        case 'failed':
          return this.fail(witness, checkpoint.size, answer.reason, answer.detail);
        case 'resync':
          await this.repository.acknowledge(witness.key, answer.size);
          if (answer.size > checkpoint.size) return this.beyond(witness, checkpoint, answer.size);
          if (resynced) return this.fail(witness, checkpoint.size, `it named another size (${answer.size}) again after a resync`);
          old = answer.size;
      }
    }
  }

  private async send(witness: Witness, checkpoint: SignedCheckpoint, oldSize: number): Promise<WitnessAnswer> {
    const consistencyProof = await proveConsistency(this.tree.store(), treeHasher, oldSize, checkpoint.size);
    const body = formatAddCheckpointRequest({ oldSize, consistencyProof, checkpoint: checkpoint.note });
    try {
      const response = await this.outbound.request(witness.url, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(body, 'utf8') });
      return readWitnessAnswer(response);
    } catch (error) {
      if (error instanceof OutboundError) return failedRequest(error);
      throw error;
    }
  }

  /** Stores the witness's valid cosignature; an answer without one is a failure like any other. */
  private async keep(witness: Witness, checkpoint: SignedCheckpoint, signatures: NoteSignature[]): Promise<void> {
    const cosignature = validCosignature(witness, checkpoint.body, signatures);
    if (!cosignature) {
      await this.repository.acknowledge(witness.key, checkpoint.size);
      return this.fail(witness, checkpoint.size, 'it answered 200 without a cosignature by its key that verifies');
    }
    await this.repository.saveCosignature(checkpoint.size, { witnessKey: witness.key, ...cosignature });
  }

  /** The witness says it holds a larger checkpoint than this log has signed: only a fork (or a lost database) does that. */
  private beyond(witness: Witness, checkpoint: SignedCheckpoint, size: number): Promise<void> {
    return this.alarm(witness, checkpoint.size, `witness ${witness.name} holds a checkpoint of size ${size} of this log, larger than its latest (${checkpoint.size}): the log key signed a tree this log does not have`);
  }

  private async alarm(witness: Witness, size: number, detail: string): Promise<void> {
    this.logger.error(
      { witness: witness.name, size },
      `fork alarm: ${detail}; not asking this witness again until the operator acknowledges the alarm (PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED)`,
    );
    await this.repository.raiseAlarm(witness.key, size, detail);
  }

  /** Lowers the standing alarms the operator acknowledged (each instance at its start: the first one does it). */
  async acknowledgeAlarms(acknowledged = this.config.logWitnessAlarmsAcknowledged): Promise<void> {
    for (const { witness: name, alarm } of acknowledged) {
      const witness = this.witnessing.witnesses.find((w) => w.name === name)!;
      if (await this.repository.acknowledgeAlarm(witness.key, alarm)) {
        this.logger.warn({ witness: name, alarm }, `the operator acknowledged fork alarm ${alarm} of witness ${name}: asking it to cosign again`);
      }
    }
  }

  /** Logs the failure with its detail, and stores only its public reason (the witnesses' standing is public). */
  private async fail(witness: Witness, size: number, reason: string, detail?: string): Promise<void> {
    const why = detail === undefined ? reason : `${reason} (${detail})`;
    this.logger.warn({ witness: witness.name, size }, `witness ${witness.name} did not cosign checkpoint ${size}: ${why}; asking again at the next interval`);
    await this.repository.recordError(witness.key, reason);
  }

  /** A cosignature says "I saw this tree", the log's signature "I made it": one key must never say both. */
  private refuseLogKeyAsWitness(): void {
    const logKey = Buffer.from(this.signer.publicJwk.x, 'base64url');
    const same = this.witnessing.witnesses.find((witness) => logKey.equals(witness.publicKey));
    if (same) throw new ConfigError([`PLAZA_LOG_WITNESSES lists ${same.name} with the log's own signing key: a witness must hold a key of its own`]);
  }
}
