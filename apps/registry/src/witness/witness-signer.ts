import { createPrivateKey } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { equalBytes } from '#plaza/merkle';
import { cosigner, decodeVerifierKey, type NoteSignature, type NoteSigner, signText } from '#plaza/note';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { registryKey } from '../platform/secrets/key-file.js';
import { TransparencyService } from '../transparency/index.js';

export const WITNESS_SIGNING_KEY_FILE = 'witness-signing-key.jwk';

/**
 * The witness's own Ed25519 key, which makes its timestamped cosignatures (tlog-cosignature, type 0x04):
 * PLAZA_WITNESS_SIGNING_KEY, or a key created on first start in the data folder, as the log's key is. Never the log's
 * key: a registry that vouched for trees with the key that signs its own would be its own witness.
 */
@Injectable()
export class WitnessSigner implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Witness');
  private signer: NoteSigner;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TransparencyService) private readonly log: TransparencyService,
  ) {}

  async onModuleInit(): Promise<void> {
    const { privateJwk } = await registryKey(this.config.witnessSigningKey, this.config.dataDir, WITNESS_SIGNING_KEY_FILE, (path) =>
      this.logger.log(`created the witness signing key; it is in ${path} (readable only by its owner)`),
    );
    this.signer = cosigner(this.config.witnessName, createPrivateKey({ key: { ...privateJwk }, format: 'jwk' }));
    this.logger.log(`the witness's verifier key: ${this.verifierKey}`);
  }

  /** Once every key is loaded: the log's key is refused as the witness's, whichever came from a file. */
  onApplicationBootstrap(): void {
    if (equalBytes(decodeVerifierKey(this.log.verifierKey()).publicKey, decodeVerifierKey(this.verifierKey).publicKey)) {
      throw new Error('the witness signing key (PLAZA_WITNESS_SIGNING_KEY) is the log signing key: give the witness a key of its own');
    }
  }

  /** The witness's verifier key `name+id+key` (type 0x04): what a log pins (served at GET /log-witness/key). */
  get verifierKey(): string {
    return this.signer.verifierKey;
  }

  /** A cosignature/v1 line over a checkpoint's text, timestamped now. */
  cosign(text: string): NoteSignature {
    return signText(text, this.signer);
  }
}
