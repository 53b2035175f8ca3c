import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { contentDigest, signRequest } from '#plaza/http-signatures';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import type { AppConfig } from '../../platform/config/config.js';
import { type PublicJwk, registryKey } from '../../platform/secrets/key-file.js';

export const DELIVERY_SIGNING_KEY_FILE = 'delivery-signing-key.jwk';
/** The `tag` of every delivery signature: a receiver accepts no other, so no other Plaza signature can pass for one. */
export const DELIVERY_TAG = 'plaza-delivery';
/** How long a delivery request's signature stays valid; receivers refuse it after, and refuse its nonce within. */
const VALIDITY_SECONDS = 300;

/**
 * The registry's delivery key (not the log's: a receiver trusting deliveries trusts nothing else with it), published
 * at /.well-known/delivery-jwks.json. Signs each delivery request with HTTP Message Signatures (RFC 9421).
 */
@Injectable()
export class DeliverySigner implements OnModuleInit {
  private readonly logger = new Logger('Delivery');
  private key: KeyObject;
  private jwk: PublicJwk;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    const { privateJwk, publicJwk } = await registryKey(this.config.deliverySigningKey, this.config.dataDir, DELIVERY_SIGNING_KEY_FILE, (path) =>
      this.logger.log(`created the delivery signing key; it is in ${path} (readable only by its owner)`),
    );
    this.key = createPrivateKey({ key: { ...privateJwk }, format: 'jwk' });
    this.jwk = publicJwk;
  }

  get publicJwk(): PublicJwk {
    return this.jwk;
  }

  /**
   * The headers that make a request a signed delivery: Content-Digest over the body, and the signature over the method,
   * the target URI, Content-Type, Content-Digest and every `ce-*` header, with a fresh nonce (the delivery id).
   */
  sign(url: string, headers: Record<string, string>, body: Buffer, now = new Date()): { deliveryId: string; headers: Record<string, string> } {
    const deliveryId = randomUUID();
    const signed: Record<string, string> = { ...headers, 'content-digest': contentDigest(body) };
    const created = Math.floor(now.getTime() / 1000);
    const signature = signRequest(
      { method: 'POST', url, headers: signed, body },
      { key: this.key, keyid: this.jwk.kid, created, expires: created + VALIDITY_SECONDS, nonce: deliveryId, tag: DELIVERY_TAG },
    );
    return { deliveryId, headers: { ...signed, ...signature } };
  }
}
