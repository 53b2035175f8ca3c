import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import type { AppConfig } from '../../platform/config/config.js';
import { symmetricKeyFile } from '../../platform/secrets/key-file.js';

export const SECRETS_KEY_FILE = 'secrets.key';
const VERSION = 1;

/**
 * Sink credentials at rest: AES-256-GCM under PLAZA_SECRETS_KEY (or a key made on first start in the data folder),
 * sealed as version byte, 12-byte nonce, 16-byte tag and ciphertext, with the subscription's id as associated data,
 * so a sealed credential copied onto another subscription does not open. Every process and instance of a registry
 * must share the key.
 */
@Injectable()
export class SinkCredentials implements OnModuleInit {
  private readonly logger = new Logger('Delivery');
  private key: Buffer;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    if (this.config.secretsKey) {
      this.key = this.config.secretsKey;
      return;
    }
    const { value, path, created } = await symmetricKeyFile(this.config.dataDir, SECRETS_KEY_FILE);
    if (created) this.logger.log(`created the key that encrypts sink credentials; it is in ${path} (readable only by its owner)`);
    this.key = value;
  }

  seal(subscriptionId: string, secret: string): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce).setAAD(Buffer.from(subscriptionId));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), sealed]);
  }

  /** The secret, or null when it does not open (another key, another subscription): the delivery then fails, saying so. */
  open(subscriptionId: string, sealed: Buffer): string | null {
    if (sealed.length < 29 || sealed[0] !== VERSION) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(1, 13)).setAAD(Buffer.from(subscriptionId));
      decipher.setAuthTag(sealed.subarray(13, 29));
      return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
