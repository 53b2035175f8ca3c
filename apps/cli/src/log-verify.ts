import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRegistryClient, type RegistryClient } from '#plaza/client/node';
import { equalBytes, MerkleTree, TreeHasher, verifyConsistency } from '#plaza/merkle';
import { type FollowedKey, followKeyRotations, type KeyRotation, NoteError, noteVerifierFromKey, openCheckpoint } from '#plaza/note';

/**
 * `plaza log verify`: an independent audit of a registry's transparency log from its public API alone. It shares
 * no code path with the registry's storage: it downloads the checkpoint (a C2SP signed note, accepted only from the
 * log's own key), and every entry, re-hashes the entry bytes itself, rebuilds the tree in memory (libs/merkle over a
 * MemoryHashStore) and compares roots, then checks that the log only grew since the checkpoint it saw last time (kept
 * in a local state file, with the log key it was verified with).
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
  /** The log's verifier key (`name+id+key`) the checkpoint was verified with; absent in states saved before keys were kept. */
  vkey?: string;
}

export interface LogVerification {
  ok: boolean;
  /** The checkpoint as served (when it could be read), and the log key that signed it. */
  checkpoint?: { origin: string; size: number; rootHash: string; vkey: string };
  previous: LogState | null;
  /** The log key rotations followed from the trusted key to the one that signed the checkpoint, oldest first. */
  rotations?: readonly KeyRotation[];
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

export class VerifyFailure extends Error {
  constructor(message: string, readonly badIndex?: number) {
    super(message);
  }
}

/**
 * Why a served checkpoint was refused, for a caller that answers each differently (the monitor's exit codes): the key
 * given is not a verifier key, it differs from the key the state was verified with, no signature on the note is by it,
 * its signature does not verify, the note is not a checkpoint, or the checkpoint names another origin.
 */
export type CheckpointRefusal = 'not_a_key' | 'key_changed' | 'unknown_key' | 'invalid_signature' | 'malformed' | 'origin';

export class CheckpointRefused extends VerifyFailure {
  constructor(readonly refusal: CheckpointRefusal, message: string) {
    super(message);
  }
}

/** The URL each answer of a log client was asked at, for the failures that name it. */
const askedAt = new WeakMap<Response, string>();

/**
 * libs/client's typed client over the log commands' FetchLike (tests stand in for the registry with one). A registry
 * that cannot be reached is a VerifyFailure naming the URL.
 */
export function logClient(fetcher: FetchLike, base: string): RegistryClient {
  return createRegistryClient({
    baseUrl: base,
    fetch: async (request) => {
      let res: Response;
      try {
        res = await fetcher(request.url, { headers: Object.fromEntries(request.headers) });
      } catch (error) {
        throw new VerifyFailure(`cannot reach ${request.url}: ${(error as Error).message}`);
      }
      askedAt.set(res, request.url);
      return res;
    },
  });
}

/**
 * The data of a typed read of a log client when it answered 200 (or a status in `also`, which the caller reads
 * itself); any other status, or an answer that is not the JSON asked for, is a VerifyFailure.
 */
export async function answered<A extends { data?: unknown; response: Response }>(answer: Promise<A>, also: readonly number[] = []): Promise<A> {
  let result: A;
  try {
    result = await answer;
  } catch (error) {
    if (error instanceof SyntaxError) throw new VerifyFailure(`the registry did not answer JSON: ${error.message}`);
    throw error;
  }
  const { status } = result.response;
  if (status !== 200 && !also.includes(status)) throw new VerifyFailure(`GET ${askedAt.get(result.response) ?? result.response.url} answered ${status}`);
  return result;
}

/** The data of a typed read that must answer 200. */
export const read = async <T>(answer: Promise<{ data?: T; response: Response }>): Promise<T> => (await answered(answer)).data as T;

/** Which log key to accept checkpoints from: one pinned, else the one saved last time, else the registry's own word. */
export interface LogKeyChoice {
  /** `--vkey`: the verifier key copied from a channel you trust. */
  pinned?: string;
  /** The key a state file was verified with. */
  saved?: string;
}

/** A checkpoint verified with the log's key, and the key rotations followed to reach that key (oldest first). */
export interface VerifiedCheckpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  vkey: string;
  /** The note's bytes, as verified (a monitor reads witness cosignatures from the same bytes). */
  note: Uint8Array;
  rotations: readonly KeyRotation[];
}

/** The rotation statements GET /log/keys lists, oldest first; none from a registry that predates them (404). */
async function rotationStatements(client: RegistryClient, base: string): Promise<string[]> {
  const { data, response } = await answered(client.GET('/log/keys', { parseAs: 'text' }), [404]);
  if (response.status === 404) return [];
  let listed: { keys?: { rotation?: unknown }[] } | null;
  try {
    listed = JSON.parse(data ?? '') as typeof listed;
  } catch {
    listed = null;
  }
  if (!Array.isArray(listed?.keys)) throw new VerifyFailure(`GET ${base}/log/keys did not answer the list of the log's keys`);
  return listed.keys.flatMap((key) => (typeof key?.rotation === 'string' ? [key.rotation] : []));
}

/** A key of the followed chain and the tree sizes it signs: from the rotation that named it to the one that retired it. */
export interface KeyInForce {
  vkey: string;
  from: number;
  /** The rotation size at which its successor took over (it signed that checkpoint too); absent for the latest key. */
  until?: number;
}

/** The keys a chain of rotations passed through, from the trusted one, each with the sizes it was in force for. */
export function keysInForce(trusted: string, rotations: readonly KeyRotation[]): KeyInForce[] {
  return [trusted, ...rotations.map((rotation) => rotation.newKey)].map((vkey, i) => ({
    vkey,
    from: i === 0 ? 0 : rotations[i - 1]!.size,
    ...(i < rotations.length ? { until: rotations[i]!.size } : {}),
  }));
}

/**
 * The log keys to accept checkpoints from. Without a pinned or saved key, the registry's GET /log/key, trusted on
 * first use (the caller saves it). With one, the keys it leads to through the log's rotation statements (GET /log/keys),
 * each signed by the key before it and the key it names, each accepted only for the sizes it was in force (a checkpoint
 * the witnesses cosigned before a rotation is still the retired key's): nothing else moves trust to another key, so a
 * checkpoint by any other key is an alarm.
 */
export async function logKeys(fetcher: FetchLike, base: string, keys: LogKeyChoice): Promise<{ keys: KeyInForce[]; rotations: readonly KeyRotation[] }> {
  const client = logClient(fetcher, base);
  const trusted = keys.pinned ?? keys.saved;
  const vkey = trusted ?? (await read(client.GET('/log/key', { parseAs: 'text' }))).trim();
  try {
    noteVerifierFromKey(vkey);
  } catch (error) {
    throw new CheckpointRefused('not_a_key', `${JSON.stringify(vkey)} is not an Ed25519 verifier key (name+id+key): ${(error as Error).message}`);
  }
  if (trusted === undefined) return { keys: [{ vkey, from: 0 }], rotations: [] };
  const statements = await rotationStatements(client, base);
  const followed = follow(trusted, statements);
  if (keys.saved === undefined || reached(followed, trusted).includes(keys.saved)) return { keys: keysInForce(trusted, followed.rotations), rotations: followed.rotations };
  // The pinned key may be a later one than the state's: an operator who re-pinned after a rotation. The state's key
  // leads there only through statements it signed, so that is the chain to follow.
  const fromSaved = keys.pinned === undefined ? undefined : follow(keys.saved, statements);
  if (fromSaved && reached(fromSaved, keys.saved).includes(keys.pinned!)) return { keys: keysInForce(keys.saved, fromSaved.rotations), rotations: fromSaved.rotations };
  throw new CheckpointRefused(
    'key_changed',
    `the state was verified with the log key ${keys.saved}, and no rotation statement leads from it to the pinned ${trusted} nor from that key to it: a changed log key is an alarm. ` +
      'If the new key reached you through a channel you trust, move the state file aside and run again with --vkey set to it: that run checks the whole log against it and saves a new state',
  );
}

/** Where the log's rotation statements lead from a trusted key; a chain that does not hold is an alarm. */
function follow(trusted: string, statements: readonly string[]): FollowedKey {
  try {
    return followKeyRotations(trusted, statements);
  } catch (error) {
    if (!(error instanceof NoteError)) throw error;
    throw new CheckpointRefused('key_changed', `the log's key rotations from the trusted key ${trusted} do not hold (${error.message}): a changed log key is an alarm`);
  }
}

/** Every key a chain passed through, from the trusted one to the one it reached. */
const reached = (followed: FollowedKey, trusted: string): string[] => [trusted, ...followed.rotations.map((rotation) => rotation.newKey)];

/** Why no key that signed a checkpoint of this size was in force for it (they are all of the chain). */
function outOfRange(size: number, signers: readonly KeyInForce[]): CheckpointRefused {
  const key = signers.at(-1)!;
  const range = key.until !== undefined && size > key.until ? `was retired at size ${key.until}` : `signs from size ${key.from} on`;
  return new CheckpointRefused('key_changed', `the checkpoint of size ${size} is signed by the log key ${key.vkey}, which ${range}`);
}

/**
 * The registry's latest checkpoint, accepted only when its signed note verifies with a key of the log's chain that was
 * in force for its size (logKeys: never another key the registry publishes, delivery keys or witnesses) and names
 * that key's origin. The latest such key that signed it is the one answered (and saved).
 */
export async function fetchCheckpoint(fetcher: FetchLike, base: string, keys: LogKeyChoice): Promise<VerifiedCheckpoint> {
  const chain = await logKeys(fetcher, base, keys);
  const latest = chain.keys.at(-1)!.vkey;
  const verifiers = chain.keys.map((key) => noteVerifierFromKey(key.vkey));
  const note = new Uint8Array(await read(logClient(fetcher, base).GET('/log/checkpoint', { parseAs: 'arrayBuffer' })));
  const trusted = keys.pinned !== undefined || keys.saved !== undefined;
  try {
    const { checkpoint, note: verified } = openCheckpoint(note, verifiers);
    const signers = chain.keys.filter((_, i) => verified.verified.some((line) => line.name === verifiers[i]!.name && line.keyId === verifiers[i]!.keyId));
    const origin = verifiers[0]!.name;
    if (checkpoint.origin !== origin) throw new CheckpointRefused('origin', `the checkpoint's origin ${checkpoint.origin} is not the log key's name ${origin}`);
    const inForce = signers.filter((key) => key.from <= checkpoint.size && (key.until === undefined || checkpoint.size <= key.until)).at(-1);
    if (!inForce) throw outOfRange(checkpoint.size, signers);
    return { origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.rootHash, vkey: inForce.vkey, note, rotations: chain.rotations };
  } catch (error) {
    if (!(error instanceof NoteError)) throw error;
    if (error.reason === 'unknown_key') {
      throw new CheckpointRefused('unknown_key', `the checkpoint is not signed by the log key ${latest}${trusted ? ': a different key is an alarm' : ''}`);
    }
    if (error.reason === 'invalid_signature') {
      const failed = verifiers.find((verifier) => verifier.keyId === error.key?.keyId)?.verifierKey ?? latest;
      throw new CheckpointRefused('invalid_signature', `the checkpoint signature does not verify with the log key ${failed}`);
    }
    throw new CheckpointRefused('malformed', `the checkpoint is not a C2SP signed checkpoint: ${error.message}`);
  }
}

interface ServedEntry {
  index: unknown;
  entry: unknown;
  leafHash: unknown;
}

export interface VerifyOptions {
  fetch?: FetchLike;
  progress?: (done: number, total: number) => void;
  /** The log's verifier key, pinned from a trusted channel (`--vkey`). */
  vkey?: string;
}

/**
 * Verifies a registry's log against `previous` (the last checkpoint verified, or null). Never throws for a
 * verification failure: the answer says what failed and, for an entry, its index. `progress(done, total)` is
 * called after each page of entries.
 */
export async function verifyLog(
  registry: string,
  previous: LogState | null,
  options: VerifyOptions = {},
): Promise<LogVerification> {
  const fetcher = options.fetch ?? ((url, init) => fetch(url, init));
  const base = registry.replace(/\/+$/, '');
  const result: LogVerification = { ok: false, previous };
  try {
    // 1. The checkpoint, signed by the log's key.
    const { origin, size, root, vkey, rotations } = await fetchCheckpoint(fetcher, base, { pinned: options.vkey, saved: previous?.vkey });
    result.checkpoint = { origin, size, rootHash: toB64(root), vkey };
    result.rotations = rotations;

    // 2. Every entry: its bytes hash to the served leaf hash, and it names its own position.
    const tree = new MerkleTree(hasher);
    const client = logClient(fetcher, base);
    for (let start = 0; start < size; start += PAGE) {
      const end = Math.min(start + PAGE, size);
      const page: { entries?: unknown } = await read(client.GET('/api/v1/log/entries', { params: { query: { start, end } } }));
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
    if (previous) await checkExtends(fetcher, base, previous, { origin, size, root }, 'seen last time');
    result.ok = true;
  } catch (error) {
    if (!(error instanceof VerifyFailure)) throw error;
    result.problem = error.message;
    if (error.badIndex !== undefined) result.badIndex = error.badIndex;
  }
  return result;
}

/**
 * That a verified checkpoint extends an earlier one (`earlier`, said of it in failures: "seen last time"): same origin,
 * no smaller, the same root at the same size, else the registry's consistency proof from it. Throws a VerifyFailure.
 */
export async function checkExtends(
  fetcher: FetchLike,
  base: string,
  previous: Pick<LogState, 'origin' | 'size' | 'rootHash'>,
  checkpoint: { origin: string; size: number; root: Uint8Array },
  earlier: string,
): Promise<void> {
  const { origin, size, root } = checkpoint;
  if (previous.origin !== origin) throw new VerifyFailure(`the checkpoint origin ${origin} is not the one ${earlier} (${previous.origin})`);
  if (size < previous.size) {
    throw new VerifyFailure(`consistency: the log has ${size} entries but had ${previous.size} ${earlier} (truncated or rolled back)`);
  }
  if (size === previous.size) {
    if (toB64(root) !== previous.rootHash) throw new VerifyFailure(`consistency: the root of size ${size} differs from the one ${earlier} (a fork)`);
    return;
  }
  const answer: { proof?: unknown } = await read(logClient(fetcher, base).GET('/api/v1/log/proof/consistency', { params: { query: { first: previous.size, second: size } } }));
  const proof = Array.isArray(answer.proof) && answer.proof.every((p) => typeof p === 'string') ? (answer.proof as string[]).map(fromB64) : null;
  if (!proof || !(await verifyConsistency(hasher, previous.size, size, fromB64(previous.rootHash), root, proof))) {
    throw new VerifyFailure(`consistency: the log of size ${size} does not extend the one of size ${previous.size} ${earlier}`);
  }
}

export function readLogState(path: string): LogState | null {
  if (!existsSync(path)) return null;
  let state: Partial<LogState>;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as Partial<LogState>;
  } catch (error) {
    throw new Error(`cannot read the log state ${path}: ${(error as Error).message}`);
  }
  if (
    typeof state.origin !== 'string' || !Number.isSafeInteger(state.size) || (state.size ?? -1) < 0 || typeof state.rootHash !== 'string' ||
    !['string', 'undefined'].includes(typeof state.vkey)
  ) {
    throw new Error(`the log state ${path} is not {origin, size, rootHash, vkey}`);
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
  options: VerifyOptions = {},
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
