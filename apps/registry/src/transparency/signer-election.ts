import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { type SignerSession, TransparencyRepository } from './transparency.repository.js';

/**
 * Which instance signs the log's checkpoints: the one holding a session advisory lock on a connection of its own (a
 * stable signer, which later talks to witnesses). Others serve the latest stored checkpoint and try the lock each time
 * they would sign, so when the signer stops (its connection closes, releasing the lock) the next one takes over.
 * On the embedded database the one process (its data folder is locked) always signs.
 */
@Injectable()
export class SignerElection implements OnApplicationShutdown {
  private readonly logger = new Logger('TransparencyLog');
  private session: Promise<SignerSession> | undefined;
  private signing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TransparencyRepository) private readonly repository: TransparencyRepository,
  ) {}

  /** Whether this instance signs now: it holds the lock, or just took it. */
  async elected(): Promise<boolean> {
    const { database } = this.config;
    if (database.mode !== 'server') return true;
    let elected = false;
    try {
      this.session ??= this.repository.signerSession(database.url, database.connectTimeoutMs);
      elected = await (await this.session).tryLock();
    } catch (error) {
      // The connection failed, and the lock went with it: the next call opens another.
      this.logger.warn({ err: error }, 'lost the connection holding the checkpoint signer lock');
      await this.close();
    }
    if (elected !== this.signing) this.logger.log(elected ? 'this instance now signs the log checkpoints' : 'this instance no longer signs the log checkpoints');
    this.signing = elected;
    return elected;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.then((open) => open.close()).catch(() => undefined);
  }
}
