import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { type LogSigningJwk, parseLogSigningJwk } from '../config/config.js';

/**
 * A secret the registry keeps in its data folder when the operator supplies none: read if the file exists, else
 * created exclusively (mode 0600), so that two processes starting at once end up with the same one.
 */
async function keyFile<T>(dataDir: string, name: string, parse: (text: string) => T | null, create: () => Promise<string>): Promise<{ value: T; path: string; created: boolean }> {
  const path = join(dataDir, name);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const read = (): T => {
    const value = parse(readFileSync(path, 'utf8'));
    if (value === null) throw new Error(`${path} does not hold what the registry wrote there`);
    return value;
  };
  try {
    return { value: read(), path, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Written whole beside it, then linked into place: a process starting at the same moment finds the file complete or absent.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${await create()}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(draft, 0o600);
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { value: read(), path, created: false };
    throw error;
  } finally {
    unlinkSync(draft);
  }
  return { value: read(), path, created: true };
}

/** An Ed25519 private JWK kept in the data folder. */
function ed25519KeyFile(dataDir: string, name: string) {
  return keyFile(dataDir, name, parseLogSigningJwk, async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const exported: JWK = await exportJWK(privateKey);
    return JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: exported.x!, d: exported.d! } satisfies LogSigningJwk);
  });
}

/** 32 random bytes kept in the data folder, as base64url. */
export function symmetricKeyFile(dataDir: string, name: string) {
  return keyFile(dataDir, name, (text) => (/^[A-Za-z0-9_-]{43}$/.test(text.trim()) ? Buffer.from(text.trim(), 'base64url') : null), async () => randomBytes(32).toString('base64url'));
}

/** A public key of the registry, as its JWK Sets serve it. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/**
 * One of the registry's own Ed25519 keys: the one the operator supplied, or the one kept in the data folder (made on
 * first start, which `created` reports), with its public JWK named by its RFC 7638 thumbprint.
 */
export async function registryKey(supplied: LogSigningJwk | undefined, dataDir: string, name: string, created: (path: string) => void): Promise<{ privateJwk: LogSigningJwk; publicJwk: PublicJwk }> {
  let privateJwk = supplied;
  if (!privateJwk) {
    const file = await ed25519KeyFile(dataDir, name);
    if (file.created) created(file.path);
    privateJwk = file.value;
  }
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: privateJwk.x });
  return { privateJwk, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: privateJwk.x, kid, alg: 'EdDSA', use: 'sig' } };
}
