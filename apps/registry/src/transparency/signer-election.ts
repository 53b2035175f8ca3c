import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { ElectedByLock } from '../platform/database/elected-by-lock.js';

/** The advisory lock electing the one instance signing checkpoints, and how its connection shows in pg_stat_activity. */
const SIGNER_LOCK = 'plaza.log.signer';
const SIGNER_APPLICATION_NAME = 'plaza-log-signer';

/**
 * Which instance signs the log's checkpoints: the one holding a session advisory lock on a connection of its own (a
 * stable signer, which later talks to witnesses). Others serve the latest stored checkpoint and try the lock each time
 * they would sign, so when the signer stops (its connection closes, releasing the lock) the next one takes over.
 * On the embedded database the one process (its data folder is locked) always signs.
 */
@Injectable()
export class SignerElection implements OnApplicationShutdown {
  private readonly logger = new Logger('TransparencyLog');
  private readonly election: ElectedByLock;
  private signing = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.election = new ElectedByLock(config.database, SIGNER_LOCK, SIGNER_APPLICATION_NAME, this.logger);
  }

  /** Whether this instance signs now: it holds the lock, or just took it. */
  async elected(): Promise<boolean> {
    const elected = await this.election.elected();
    if (elected !== this.signing) this.logger.log(elected ? 'this instance now signs the log checkpoints' : 'this instance no longer signs the log checkpoints');
    this.signing = elected;
    return elected;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.election.close();
  }
}
