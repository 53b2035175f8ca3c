import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { APP_CONFIG } from '../platform/config/config.module.js';
import { type AppConfig, type LogSigningJwk, parseLogSigningJwk } from '../platform/config/config.js';

export const LOG_SIGNING_KEY_FILE = 'log-signing-key.jwk';

/** A public key of the registry, as served at /.well-known/jwks.json. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/**
 * The registry's own Ed25519 key, which signs the transparency log's checkpoints: PLAZA_LOG_SIGNING_KEY, or a key
 * created on first start in the data folder (file mode 0600, created exclusively so a second start reads it).
 */
@Injectable()
export class LogSigner implements OnModuleInit {
  private readonly logger = new Logger('TransparencyLog');
  private privateKey: CryptoKey;
  private jwk: PublicJwk;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    const source = this.config.logSigningKey ?? (await this.keyFile());
    this.privateKey = (await importJWK({ ...source, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey;
    const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: source.x });
    this.jwk = { kty: 'OKP', crv: 'Ed25519', x: source.x, kid, alg: 'EdDSA', use: 'sig' };
  }

  get publicJwk(): PublicJwk {
    return this.jwk;
  }

  /** A compact JWS (EdDSA) over the exact bytes of `payload`, naming the key by its RFC 7638 thumbprint. */
  sign(payload: string): Promise<string> {
    return new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'EdDSA', kid: this.jwk.kid }).sign(this.privateKey);
  }

  private async keyFile(): Promise<LogSigningJwk> {
    const path = join(this.config.dataDir, LOG_SIGNING_KEY_FILE);
    mkdirSync(this.config.dataDir, { recursive: true, mode: 0o700 });
    const read = (): LogSigningJwk => {
      const jwk = parseLogSigningJwk(readFileSync(path, 'utf8'));
      if (!jwk) throw new Error(`${path} is not an Ed25519 private JWK`);
      return jwk;
    };
    try {
      return read();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const exported: JWK = await exportJWK(privateKey);
    const jwk: LogSigningJwk = { kty: 'OKP', crv: 'Ed25519', x: exported.x!, d: exported.d! };
    try {
      writeFileSync(path, `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return read();
      throw error;
    }
    chmodSync(path, 0o600);
    this.logger.log(`created the log signing key; it is in ${path} (readable only by its owner)`);
    return jwk;
  }
}
