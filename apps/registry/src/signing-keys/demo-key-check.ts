import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { DEMO_KEY_KIDS } from './demo-keys.js';
import { DemoKeysStoredError } from './signing-key-error.js';
import { SigningKeyRepository } from './signing-key.repository.js';

/**
 * Registration refuses the demo's keys outside demo mode, but a demo database reused without PLAZA_DEMO would
 * still hold them, usable by anyone (their private halves are published). Such a registry does not start.
 */
@Injectable()
export class DemoKeyCheck implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SigningKeyRepository) private readonly keys: SigningKeyRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.demo) return;
    const stored = await this.keys.storedKids([...DEMO_KEY_KIDS]);
    if (stored.length > 0) {
      throw new DemoKeysStoredError(
        `the database holds the demo's published signing keys (${stored.join(', ')}), whose private halves anyone can read; ` +
          'run it as the demo (PLAZA_DEMO=true) or start this registry on a database that never ran the demo',
      );
    }
  }
}
