import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { equalBytes, MerkleTree, TreeHasher, verifyConsistency } from '#plaza/merkle';

/**
 * `plaza log verify`: an independent audit of a registry's transparency log from its public API alone. It shares
 * no code path with the registry's storage: it downloads the signed checkpoint and every entry, re-hashes the
 * entry bytes itself, rebuilds the tree in memory (libs/merkle over a MemoryHashStore) and compares roots, then
 * checks that the log only grew since the checkpoint it saw last time (kept in a local state file).
 */

/** The part of `fetch` the verifier uses, so tests can drive it through supertest. */
export type FetchLike = (url: string, init?: { headers?: Record<string, string> }) => Promise<Response>;

/** What the verifier remembers between runs: the last checkpoint it verified completely. */
export interface LogState {
  origin: string;
  size: number;
  /** Standard base64, as in the checkpoint body. */
  rootHash: string;
  verifiedAt: string;
}

export interface LogVerification {
  ok: boolean;
  /** The checkpoint as served (when it could be read). */
  checkpoint?: { origin: string; size: number; rootHash: string };
  previous: LogState | null;
  /** The first entry found wrong (missing, hash or index mismatch), when the failure is about one entry. */
  badIndex?: number;
  /** What failed, in plain words. */
  problem?: string;
}

export const DEFAULT_STATE_FILE = '.plaza-log-state.json';
const PAGE = 1000;
export const hasher = new TreeHasher((bytes) => createHash('sha256').update(bytes).digest());
export const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const toB64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const STRICT_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class VerifyFailure extends Error {
  constructor(message: string, readonly badIndex?: number) {
    super(message);
  }
}

export async function getJson<T>(fetcher: FetchLike, url: string, headers: Record<string, string> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetcher(url, { headers });
  } catch (error) {
    throw new VerifyFailure(`cannot reach ${url}: ${(error as Error).message}`);
  }
  if (res.status !== 200) throw new VerifyFailure(`GET ${url} answered ${res.status}`);
  try {
    return (await res.json()) as T;
  } catch {
    throw new VerifyFailure(`GET ${url} did not answer JSON`);
  }
}

/** Parses a C2SP tlog-checkpoint body: origin line, decimal size, base64 root (32 bytes), optional extension lines. */
export function parseCheckpointBody(body: string): { origin: string; size: number; root: Uint8Array } {
  if (!body.endsWith('\n')) throw new VerifyFailure('the checkpoint body does not end with a newline');
  const [origin, sizeText, rootText] = body.slice(0, -1).split('\n');
  if (!origin) throw new VerifyFailure('the checkpoint body has no origin line');
  if (sizeText === undefined || !/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new VerifyFailure(`the checkpoint size ${JSON.stringify(sizeText)} is not a decimal number`);
  }
  if (rootText === undefined || !STRICT_B64.test(rootText) || fromB64(rootText).length !== 32) {
    throw new VerifyFailure(`the checkpoint root ${JSON.stringify(rootText)} is not a base64 SHA-256 hash`);
  }
  return { origin, size: Number(sizeText), root: fromB64(rootText) };
}

/** The checkpoint's JWS must verify (EdDSA) with a key of the registry's JWKS, and its payload be exactly the body. */
export async function verifyCheckpointSignature(body: string, jws: string, keys: JWK[]): Promise<void> {
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(jws);
    if (header.alg !== 'EdDSA') throw new VerifyFailure(`the checkpoint is signed with ${String(header.alg)}, not EdDSA`);
    kid = header.kid;
  } catch (error) {
    if (error instanceof VerifyFailure) throw error;
    throw new VerifyFailure('the checkpoint JWS is not a compact JWS');
  }
  const candidates = keys.filter((k) => k.kty === 'OKP' && k.crv === 'Ed25519' && (kid === undefined || k.kid === kid));
  if (candidates.length === 0) throw new VerifyFailure(`no Ed25519 key${kid ? ` with kid ${kid}` : ''} in /.well-known/jwks.json`);
  for (const jwk of candidates) {
    try {
      const { payload } = await compactVerify(jws, await importJWK({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }, 'EdDSA'), { algorithms: ['EdDSA'] });
      if (!Buffer.from(payload).equals(Buffer.from(body, 'utf8'))) throw new VerifyFailure('the checkpoint JWS payload is not exactly the checkpoint body');
      return;
    } catch (error) {
      if (error instanceof VerifyFailure) throw error;
    }
  }
  throw new VerifyFailure('the checkpoint signature does not verify with the registry key');
}

interface ServedEntry {
  index: unknown;
  entry: unknown;
  leafHash: unknown;
}

/**
 * Verifies a registry's log against `previous` (the last checkpoint verified, or null). Never throws for a
 * verification failure: the answer says what failed and, for an entry, its index. `progress(done, total)` is
 * called after each page of entries.
 */
export async function verifyLog(
  registry: string,
  previous: LogState | null,
  options: { fetch?: FetchLike; progress?: (done: number, total: number) => void } = {},
): Promise<LogVerification> {
  const fetcher = options.fetch ?? ((url, init) => fetch(url, init));
  const base = registry.replace(/\/+$/, '');
  const result: LogVerification = { ok: false, previous };
  try {
    // 1. The checkpoint and its signature.
    const [checkpoint, jwks] = await Promise.all([
      getJson<{ body?: unknown; jws?: unknown }>(fetcher, `${base}/api/v1/log/checkpoint`),
      getJson<{ keys?: unknown }>(fetcher, `${base}/.well-known/jwks.json`),
    ]);
    if (typeof checkpoint.body !== 'string' || typeof checkpoint.jws !== 'string') throw new VerifyFailure('the checkpoint answer has no body and jws');
    if (!Array.isArray(jwks.keys)) throw new VerifyFailure('/.well-known/jwks.json has no keys');
    await verifyCheckpointSignature(checkpoint.body, checkpoint.jws, jwks.keys as JWK[]);
    const { origin, size, root } = parseCheckpointBody(checkpoint.body);
    result.checkpoint = { origin, size, rootHash: toB64(root) };

    // 2. Every entry: its bytes hash to the served leaf hash, and it names its own position.
    const tree = new MerkleTree(hasher);
    for (let start = 0; start < size; start += PAGE) {
      const end = Math.min(start + PAGE, size);
      const page = await getJson<{ entries?: unknown }>(fetcher, `${base}/api/v1/log/entries?start=${start}&end=${end}`);
      const served = (Array.isArray(page.entries) ? page.entries : []) as ServedEntry[];
      const leaves: Uint8Array[] = [];
      for (let index = start; index < end; index++) {
        const e = served[index - start];
        if (!e) throw new VerifyFailure(`entry ${index} is missing (the checkpoint says ${size} entries)`, index);
        if (e.index !== index) throw new VerifyFailure(`entry ${index} is served as index ${String(e.index)}`, index);
        if (typeof e.entry !== 'string' || typeof e.leafHash !== 'string') throw new VerifyFailure(`entry ${index} has no entry bytes or leaf hash`, index);
        const bytes = fromB64(e.entry);
        const leaf = await hasher.leaf(bytes);
        if (!equalBytes(leaf, fromB64(e.leafHash))) throw new VerifyFailure(`entry ${index}: its bytes do not hash to the served leaf hash`, index);
        let named: unknown;
        try {
          named = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { index?: unknown }).index;
        } catch {
          throw new VerifyFailure(`entry ${index} is not JSON`, index);
        }
        if (named !== index) throw new VerifyFailure(`entry ${index} names index ${String(named)}`, index);
        leaves.push(leaf);
      }
      if (served.length > end - start) throw new VerifyFailure(`the page [${start}, ${end}) holds ${served.length} entries`, end);
      await tree.appendLeafHashes(leaves);
      options.progress?.(end, size);
    }

    // 3. The root of the entries is the signed root.
    if (!equalBytes(await tree.root(), root)) {
      throw new VerifyFailure(`the root recomputed from the ${size} entries differs from the signed checkpoint's root`);
    }

    // 4. The log only grew since the checkpoint seen last time.
    if (previous) {
      if (previous.origin !== origin) throw new VerifyFailure(`the checkpoint origin ${origin} is not the one seen last time (${previous.origin})`);
      if (size < previous.size) {
        throw new VerifyFailure(`consistency: the log has ${size} entries but had ${previous.size} last time (truncated or rolled back)`);
      }
      if (size === previous.size) {
        if (toB64(root) !== previous.rootHash) throw new VerifyFailure(`consistency: the root of size ${size} differs from the one seen last time (a fork)`);
      } else {
        const answer = await getJson<{ proof?: unknown }>(fetcher, `${base}/api/v1/log/proof/consistency?first=${previous.size}&second=${size}`);
        const proof = Array.isArray(answer.proof) && answer.proof.every((p) => typeof p === 'string') ? (answer.proof as string[]).map(fromB64) : null;
        if (!proof || !(await verifyConsistency(hasher, previous.size, size, fromB64(previous.rootHash), root, proof))) {
          throw new VerifyFailure(`consistency: the log of size ${size} does not extend the one of size ${previous.size} seen last time`);
        }
      }
    }
    result.ok = true;
  } catch (error) {
    if (!(error instanceof VerifyFailure)) throw error;
    result.problem = error.message;
    if (error.badIndex !== undefined) result.badIndex = error.badIndex;
  }
  return result;
}

export function readLogState(path: string): LogState | null {
  if (!existsSync(path)) return null;
  let state: Partial<LogState>;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as Partial<LogState>;
  } catch (error) {
    throw new Error(`cannot read the log state ${path}: ${(error as Error).message}`);
  }
  if (typeof state.origin !== 'string' || !Number.isSafeInteger(state.size) || (state.size ?? -1) < 0 || typeof state.rootHash !== 'string') {
    throw new Error(`the log state ${path} is not {origin, size, rootHash}`);
  }
  return state as LogState;
}

export function writeLogState(path: string, state: LogState): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}

/** The command: read the state, verify, and save the new checkpoint only when everything holds. */
export async function runLogVerify(
  registry: string,
  statePath: string,
  options: { fetch?: FetchLike; progress?: (done: number, total: number) => void } = {},
): Promise<LogVerification> {
  const previous = readLogState(statePath);
  const result = await verifyLog(registry, previous, options);
  if (result.ok && result.checkpoint) {
    writeLogState(statePath, { ...result.checkpoint, verifiedAt: new Date().toISOString() });
  }
  return result;
}

/** A one-line progress bar on stderr: `[#####.....]  50% 500/1000 entries`. */
export function progressBar(stream: NodeJS.WritableStream = process.stderr): (done: number, total: number) => void {
  return (done, total) => {
    const share = total === 0 ? 1 : done / total;
    const filled = Math.round(share * 30);
    stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${done}/${total} entries${done >= total ? '\n' : ''}`);
  };
}
