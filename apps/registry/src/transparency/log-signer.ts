import { createPrivateKey } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { calculateJwkThumbprint, CompactSign, decodeProtectedHeader, importJWK, type CryptoKey } from 'jose';
import { ed25519Signer, type NoteSigner, parseNote, signKeyRotation, signNote } from '#plaza/note';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig, LogSigningJwk } from '../platform/config/config.js';
import { type PublicJwk, registryKey } from '../platform/secrets/key-file.js';
import { PublishedSize } from './published-size.js';
import { type StoredCheckpoint, type StoredKeyRotation, TransparencyRepository } from './transparency.repository.js';

export const LOG_SIGNING_KEY_FILE = 'log-signing-key.jwk';

/** One key the log has used, as GET /log/keys lists it: the first, or one a rotation statement names. */
export interface LogKeyListing {
  vkey: string;
  /** The tree size from which it signs, and the statement by which the key before it named it (absent for the first key, or one no statement names). */
  fromSize?: number;
  rotation?: string;
}

/**
 * The registry's own Ed25519 key, which signs the transparency log's checkpoints: PLAZA_LOG_SIGNING_KEY, or a key
 * created on first start in the data folder (file mode 0600, created exclusively so a second start reads it). It signs
 * each checkpoint body twice over the same bytes: a compact JWS (Plaza's JSON form) and a C2SP signed note whose key
 * name is the log's origin (what witnesses and tile clients read).
 *
 * When the key changed since the latest checkpoint, the start rotates the log to it: the earlier key that signed that
 * checkpoint (PLAZA_LOG_PREVIOUS_KEYS) signs a statement naming its successor, and so on up to this key, each signed by
 * the new key too, stored in log_key_rotations and served at GET /log/keys; then the latest checkpoint is signed again
 * by this key, so a verifier that follows the chain finds a checkpoint by the key it reached.
 */
@Injectable()
export class LogSigner implements OnModuleInit {
  private readonly logger = new Logger('TransparencyLog');
  private privateKey: CryptoKey;
  private jwk: PublicJwk;
  private noteSigner: NoteSigner;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TransparencyRepository) private readonly repository: TransparencyRepository,
    @Inject(PublishedSize) private readonly published: PublishedSize,
  ) {}

  async onModuleInit(): Promise<void> {
    // Before anything is signed (the rotation below, any checkpoint): the database must hold the tree the log published.
    await this.published.refuseRollback();
    const { privateJwk, publicJwk } = await registryKey(this.config.logSigningKey, this.config.dataDir, LOG_SIGNING_KEY_FILE, (path) =>
      this.logger.log(`created the log signing key; it is in ${path} (readable only by its owner)`),
    );
    this.privateKey = (await importJWK({ ...privateJwk, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey;
    this.jwk = publicJwk;
    this.noteSigner = this.signerOf(privateJwk);
    this.logger.log(`the log's verifier key: ${this.verifierKey}`);
    await this.rotateToThisKey();
  }

  get publicJwk(): PublicJwk {
    return this.jwk;
  }

  /** The signed-note verifier key `name+id+key` of the log: what a verifier pins (served at GET /log/key). */
  get verifierKey(): string {
    return this.noteSigner.verifierKey;
  }

  /** The C2SP signed note of a checkpoint body: the body, a blank line, and this key's signature line. */
  signNote(body: string): string {
    return signNote(body, this.noteSigner);
  }

  /** A compact JWS (EdDSA) over the exact bytes of `payload`, naming the key by its RFC 7638 thumbprint. */
  sign(payload: string): Promise<string> {
    return new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'EdDSA', kid: this.jwk.kid }).sign(this.privateKey);
  }

  /** Every key the log has used, oldest first, each after the first with the rotation statement that named it. */
  async keys(): Promise<LogKeyListing[]> {
    const listed: LogKeyListing[] = [];
    for (const rotation of await this.repository.keyRotations()) {
      if (listed.at(-1)?.vkey !== rotation.oldKey) listed.push({ vkey: rotation.oldKey });
      listed.push({ vkey: rotation.newKey, fromSize: rotation.fromSize, rotation: rotation.statement });
    }
    if (listed.at(-1)?.vkey !== this.verifierKey) listed.push({ vkey: this.verifierKey });
    return listed;
  }

  private signerOf(jwk: LogSigningJwk): NoteSigner {
    return ed25519Signer(this.config.logOrigin, createPrivateKey({ key: { ...jwk }, format: 'jwk' }));
  }

  /**
   * The key that signed the latest checkpoint is known by its JWS's key id. When it is not this key: each configured
   * earlier key from that one on names the next, up to this key; without that one among them, the change is logged as
   * what it is to every verifier, a key no statement vouches for. Either way the latest checkpoint is signed again by
   * this key (the same body: it states nothing new about the tree).
   */
  private async rotateToThisKey(): Promise<void> {
    const latest = await this.repository.latestCheckpoint();
    if (!latest) return;
    const signedBy = decodeProtectedHeader(latest.jws).kid;
    if (signedBy === this.jwk.kid) return;
    const previous = await Promise.all(
      this.config.logPreviousKeys.map(async (jwk) => ({ kid: await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }), signer: this.signerOf(jwk) })),
    );
    const from = previous.findIndex((key) => key.kid === signedBy);
    if (from < 0) {
      this.logger.error(
        `the log key changed to ${this.verifierKey} with no rotation statement: every verifier that pinned the earlier key (JWK thumbprint ${signedBy}) will raise an alarm. ` +
          'Put the earlier private key in PLAZA_LOG_PREVIOUS_KEYS so it signs one, or publish the new key where verifiers pinned the old one.',
      );
    } else {
      const chain = [...previous.slice(from).filter((key) => key.kid !== this.jwk.kid).map((key) => key.signer), this.noteSigner];
      // The size of the checkpoint signed again below: entries journaled after it are not yet in any checkpoint, and a
      // verifier refuses a checkpoint of a key below the size its statement names.
      const size = latest.size;
      const rotations: StoredKeyRotation[] = chain.slice(1).map((signer, i) => {
        const rotation = { origin: this.config.logOrigin, oldKey: chain[i]!.verifierKey, newKey: signer.verifierKey, size };
        return { oldKey: rotation.oldKey, newKey: rotation.newKey, fromSize: size, statement: signKeyRotation(rotation, chain[i]!, signer) };
      });
      await this.repository.saveKeyRotations(rotations);
      for (const rotation of rotations) this.logger.log(`the log key ${rotation.oldKey} named its successor ${rotation.newKey}, from size ${size} (GET /log/keys)`);
    }
    await this.signAgain(latest);
  }

  private async signAgain(latest: StoredCheckpoint): Promise<void> {
    const note = latest.note === null ? this.signNote(latest.body) : signNote(parseNote(latest.note), this.noteSigner);
    await this.repository.resignCheckpoint(latest.size, await this.sign(latest.body), note, latest);
  }
}
