import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../platform/config/config.module.js';
import { type AppConfig, ConfigError } from '../platform/config/config.js';
import { SignerElection } from './signer-election.js';
import { TransparencyRepository } from './transparency.repository.js';
import { parseCheckpoint, TransparencyService } from './transparency.service.js';

/**
 * Signs the checkpoint of a grown log within PLAZA_CHECKPOINT_INTERVAL_MS of the change, whether or not anyone asks,
 * so witnesses and residents polling the log find it published. Runs in every instance, but only the elected signer
 * (SignerElection) signs; the others try to take its place each tick, so one takes over within a tick when it stops.
 */
@Injectable()
export class CheckpointPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TransparencyLog');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private published = -1;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TransparencyService) private readonly log: TransparencyService,
    @Inject(TransparencyRepository) private readonly repository: TransparencyRepository,
    @Inject(SignerElection) private readonly election: SignerElection,
  ) {}

  /** Signs the current size unless this instance already published it or is not the signer. */
  async publish(): Promise<void> {
    if (!(await this.election.elected())) return;
    const size = await this.repository.treeSize();
    if (size === this.published) return;
    // Signs the size it finds then, or a later one if the log grew meanwhile: the next tick looks again either way.
    await this.log.signedCheckpoint();
    this.published = size;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.refuseChangedOrigin();
    if (this.config.checkpointIntervalMs === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.publish()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not publish the checkpoint; retrying'))
        .finally(() => (this.running = undefined));
    }, this.config.checkpointIntervalMs);
    this.timer.unref();
  }

  /**
   * Every verifier keeps the last checkpoint it checked, origin line included, and compares the next with it: signing
   * under another origin would break all of them, so a registry whose PLAZA_LOG_ORIGIN differs from the stored
   * checkpoints' does not start.
   */
  private async refuseChangedOrigin(): Promise<void> {
    const body = await this.repository.latestCheckpointBody();
    const stored = body === null ? null : parseCheckpoint(body).origin;
    // A log the operator abandoned after an older restore goes on under its new origin (PublishedSize).
    if (stored === null || stored === this.config.logOrigin || stored === this.config.logAbandonedOrigin) return;
    throw new ConfigError([
      `PLAZA_LOG_ORIGIN is "${this.config.logOrigin}" but the log's checkpoints are signed with the origin "${stored}": a changed origin breaks every verifier's saved state, so set PLAZA_LOG_ORIGIN=${stored}`,
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
