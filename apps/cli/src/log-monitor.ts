import { TileClient, TileVerificationError, type TreeHead } from '#plaza/merkle';
import { cosignatureTime, cosignatureVerifierFromKey, NoteError, type NoteVerifier, verifyNote } from '#plaza/note';
import {
  answered, CheckpointRefused, type FetchLike, fetchCheckpoint, fromB64, hasher, logClient, read, type LogState, readLogState, VerifyFailure, writeLogState,
} from './log-verify.js';

/**
 * `plaza log monitor`: follows a registry's log through its C2SP tiles alone (the signed checkpoint, hash tiles and
 * entry bundles), from the last checkpoint it verified (a state file shared in form with `plaza log verify`). Each run
 * checks the checkpoint against the pinned log key only, that it extends the saved one, every new entry against the
 * tree, and optionally a witness quorum; with an organisation, it reports every new entry about that organisation's
 * records, whoever acted, and flags those not made with a key of its own. The state moves only when all of it held.
 */

/** The exit codes, one per kind of alarm, so cron (or whatever runs it) can tell them apart. */
export const MonitorExit = {
  ok: 0,
  /** The monitor could not do its job: bad options, an unreadable state file, the registry unreachable or failing. */
  error: 1,
  /** The checkpoint is not signed by the pinned log key (another key, a bad signature, a key other than the state's). */
  signature: 2,
  /** The log does not extend the checkpoint verified last time: a fork, a rollback or a rewritten history. */
  fork: 3,
  /** A tile or entry bundle the signed checkpoint needs is not served. */
  missingTile: 4,
  /** Served entries or tiles do not hash to the signed tree: an edited entry (or tile). */
  editedEntry: 5,
  /** Fewer of the given witnesses than the quorum cosigned the checkpoint. */
  quorum: 6,
} as const;
export type MonitorFailure = Exclude<keyof typeof MonitorExit, 'ok'>;

/** The state file: the last verified checkpoint, and when an organisation is followed, the records known to be its. */
export interface MonitorState extends LogState {
  organisation?: { slug: string; id: string; records: string[] };
}

export interface MonitorOptions {
  /** The log's verifier key (`name+id+key`), copied from a channel you trust. */
  vkey: string;
  /** Report the entries about this organisation's records (its slug). */
  organisation?: string;
  /** Witness verifier keys (type 0x04 cosignature keys, or the 0x01 form of the same key). */
  witnesses?: readonly string[];
  /** How many of `witnesses` must have cosigned the checkpoint: all of them by default. */
  quorum?: number;
  fetch?: FetchLike;
  /** Tiles fetched at once while catching up (16 by default). */
  concurrency?: number;
  /** Called as entries are checked: entries read so far out of those to read. */
  progress?: (done: number, total: number) => void;
}

/** Who made a change, as the entry names it. */
export interface Acting {
  /** The organisation that issued the key (null for the operator's own key and for the registry itself). */
  organisation: string | null;
  /** Its slug, when the public directory names it. */
  slug?: string;
  key: string | null;
  operator: boolean;
}

/** Why an entry about the organisation is flagged: it was not made with a key the organisation issued. */
export type Flag = 'operator' | 'registry' | 'other-organisation';

export interface ReportedEntry {
  index: number;
  time: string;
  action: string;
  record: string;
  /** The organisation the entry names for the change (a signature's signer), when it is not the one followed. */
  for?: { id: string; slug?: string };
  /** Whether the entry is about one of the organisation's records, or only made with one of its keys. */
  about: 'record' | 'key';
  acting: Acting;
  flag: Flag | null;
}

export interface MonitorReport {
  ok: boolean;
  exitCode: number;
  failure?: MonitorFailure;
  problem?: string;
  checkpoint?: { origin: string; size: number; rootHash: string };
  previous: { size: number; rootHash: string } | null;
  /** How many entries the log grew by since the saved checkpoint (all were checked). */
  newEntries: number;
  /** Witnesses whose cosignature on the checkpoint verified, with the time each states. */
  cosigned: { name: string; time: number }[];
  /** With an organisation: the new entries about it, in log order. */
  entries: ReportedEntry[];
}

export const DEFAULT_MONITOR_STATE = '.plaza-log-monitor.json';

class MonitorFailed extends Error {
  constructor(readonly failure: MonitorFailure, message: string) {
    super(message);
  }
}

/** A registry that could not be reached, or answered a tile with neither the tile nor a 404. */
class Unreachable extends Error {}

/** The fields of a journal entry the monitor reads (the journal's canonical entry form, version 1 or 2). */
interface EntryFields {
  index?: unknown;
  time?: unknown;
  action?: unknown;
  subject?: { type?: unknown; id?: unknown };
  organisation?: unknown;
  key?: { id?: unknown; prefix?: unknown; operator?: unknown; issuedBy?: { organisation?: unknown } | null } | null;
}

/** Reads the entry at `index` from its exact bytes; an entry that is not one (or names another index) was edited. */
export function readEntry(bytes: Uint8Array, index: number): { time: string; action: string; record: string; organisation: string | null; acting: Acting } {
  let fields: EntryFields;
  try {
    fields = JSON.parse(Buffer.from(bytes).toString('utf8')) as EntryFields;
  } catch {
    throw new MonitorFailed('editedEntry', `entry ${index} is not a journal entry (not JSON)`);
  }
  if (typeof fields !== 'object' || fields === null || fields.index !== index) {
    throw new MonitorFailed('editedEntry', `entry ${index} names index ${String((fields as EntryFields | null)?.index)}`);
  }
  const key = fields.key ?? null;
  const issuer = key?.issuedBy?.organisation;
  return {
    time: String(fields.time),
    action: String(fields.action),
    record: `${String(fields.subject?.type)}/${String(fields.subject?.id)}`,
    organisation: typeof fields.organisation === 'string' ? fields.organisation : null,
    acting: {
      organisation: typeof issuer === 'string' ? issuer : null,
      key: key && typeof key.prefix === 'string' ? key.prefix : null,
      operator: key?.operator === true,
    },
  };
}

/**
 * Which entries concern an organisation. A record is the organisation's once an entry names it as the record's
 * organisation; later entries about that record concern it whoever made them (a vendor's signature on a city's
 * agreement names the vendor, but is about the city's agreement). Entries made with one of its keys concern it too.
 */
export class OrganisationWatch {
  private readonly records: Set<string>;

  constructor(readonly id: string, records: readonly string[] = []) {
    this.records = new Set(records);
  }

  /** Learns from the entry, and says how it concerns the organisation (null: not at all). */
  observe(entry: ReturnType<typeof readEntry>): 'record' | 'key' | null {
    if (entry.organisation === this.id) this.records.add(entry.record);
    if (this.records.has(entry.record)) return 'record';
    return entry.acting.organisation === this.id && !entry.acting.operator ? 'key' : null;
  }

  /** Null when the organisation issued the key (and the operator does not stand behind it). */
  flag(acting: Acting): Flag | null {
    if (acting.operator) return 'operator';
    if (acting.key === null) return 'registry';
    return acting.organisation === this.id ? null : 'other-organisation';
  }

  known(): string[] {
    return [...this.records].sort();
  }
}

function retryDelay(res: Response): number {
  const seconds = Number(res.headers.get('retry-after'));
  return Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds : 1, 60) * 1000;
}

/** A tile fetcher over HTTP: the bytes, or undefined for a 404 (the log does not serve it); waits out a rate limit. */
export function httpTiles(fetcher: FetchLike, base: string): (path: string) => Promise<Uint8Array | undefined> {
  const client = logClient(fetcher, base);
  // A tile's path has slashes (tile/<L>/<N>[.p/<W>]) that the route's one parameter takes as they are, unencoded.
  const pathSerializer = (route: string, params: Record<string, unknown>) => route.replace('{path}', String(params.path));
  return async (path) => {
    for (let attempt = 0; ; attempt++) {
      let answer: { data?: ArrayBuffer; response: Response };
      try {
        answer = await answered(
          client.GET('/log/tile/{path}', {
            params: { path: { path: path.replace(/^tile\//u, '') } }, pathSerializer, parseAs: 'arrayBuffer', headers: { 'accept-encoding': 'gzip, identity' },
          }),
          [404, 429, 503],
        );
      } catch (error) {
        throw error instanceof VerifyFailure ? new Unreachable(error.message) : error;
      }
      const res = answer.response;
      if (res.status === 404) return undefined;
      if (res.status === 200) return new Uint8Array(answer.data!);
      if (attempt < 5) {
        await new Promise((done) => setTimeout(done, retryDelay(res)));
        continue;
      }
      throw new Unreachable(`GET ${base}/log/${path} answered ${res.status}`);
    }
  };
}

const TILE_FAILURES: Record<TileVerificationError['failure'], MonitorFailure> = {
  missing: 'missingTile',
  inconsistent: 'fork',
  entries: 'editedEntry',
  hash: 'editedEntry',
  root: 'editedEntry',
  length: 'editedEntry',
};

const TILE_FAILURE_LEADS: Partial<Record<MonitorFailure, string>> = {
  fork: 'fork: ',
  missingTile: 'missing tile: ',
  editedEntry: 'the log does not match its signed checkpoint: ',
};

function asFailure(error: unknown): MonitorFailed {
  if (error instanceof MonitorFailed) return error;
  if (error instanceof TileVerificationError) {
    if (error.failure === 'missing' && error.cause instanceof Unreachable) return new MonitorFailed('error', error.cause.message);
    const failure = TILE_FAILURES[error.failure];
    return new MonitorFailed(failure, `${TILE_FAILURE_LEADS[failure] ?? ''}${error.message}`);
  }
  if (error instanceof VerifyFailure || error instanceof Unreachable) return new MonitorFailed('error', error.message);
  throw error;
}

/** The organisation's id from the public API, and a lookup of other organisations' slugs by id (read once, when needed). */
async function organisationDirectory(fetcher: FetchLike, base: string, slug: string) {
  const client = logClient(fetcher, base);
  let found: { id?: unknown };
  try {
    found = await read(client.GET('/api/v1/organisations/{slug}', { params: { path: { slug } } }));
  } catch (error) {
    if (error instanceof VerifyFailure && / answered 404$/.test(error.message)) throw new MonitorFailed('error', `the registry has no organisation ${slug}`);
    throw error;
  }
  if (typeof found.id !== 'string') throw new MonitorFailed('error', `the registry did not name organisation ${slug}'s id`);
  let slugs: Map<string, string> | undefined;
  return {
    id: found.id,
    async slugOf(id: string): Promise<string | undefined> {
      if (!slugs) {
        slugs = new Map();
        let cursor: string | null = null;
        do {
          const page: { items?: { id: string; slug: string }[]; nextCursor?: string | null } = await read(
            client.GET('/api/v1/organisations', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }),
          );
          for (const item of page.items ?? []) slugs.set(item.id, item.slug);
          cursor = page.nextCursor ?? null;
        } while (cursor);
      }
      return slugs.get(id);
    },
  };
}

/**
 * The checkpoint through the CLI's shared key pinning (fetchCheckpoint: the pinned key, the state's key, and the
 * rotation statements that alone may lead to another), with the exact note bytes it verified. Its refusals are
 * about the signature (exit 2), but for a --vkey that is no key; a registry that cannot be reached is neither.
 */
async function signedCheckpoint(fetcher: FetchLike, base: string, vkey: string, saved: string | undefined) {
  try {
    return await fetchCheckpoint(fetcher, base, { pinned: vkey, saved });
  } catch (error) {
    if (!(error instanceof CheckpointRefused)) throw error;
    throw new MonitorFailed(error.refusal === 'not_a_key' ? 'error' : 'signature', error.message);
  }
}

/** The witnesses whose cosignature on the note verifies; a line under a witness's own key that does not verify is a forgery. */
function cosignatures(note: Uint8Array, witnesses: readonly NoteVerifier[]): { name: string; time: number }[] {
  const cosigned: { name: string; time: number }[] = [];
  for (const witness of witnesses) {
    try {
      const [line] = verifyNote(note, [witness]).verified;
      cosigned.push({ name: witness.name, time: cosignatureTime(line!) });
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      if (error.reason === 'invalid_signature') throw new MonitorFailed('signature', `the cosignature by witness ${witness.name} does not verify: the note was altered`);
    }
  }
  return cosigned;
}

function witnessVerifiers(options: MonitorOptions): { verifiers: NoteVerifier[]; quorum: number } {
  const verifiers = (options.witnesses ?? []).map((vkey) => {
    try {
      return cosignatureVerifierFromKey(vkey);
    } catch (error) {
      throw new MonitorFailed('error', `${JSON.stringify(vkey)} is not a witness verifier key: ${(error as Error).message}`);
    }
  });
  const quorum = options.quorum ?? verifiers.length;
  if (!Number.isSafeInteger(quorum) || quorum < 0 || quorum > verifiers.length) {
    throw new MonitorFailed('error', `a quorum of ${quorum} needs at least that many --witness keys (${verifiers.length} given)`);
  }
  return { verifiers, quorum };
}

/**
 * One run of the monitor against `previous` (null on the first). Never throws for something it found: the report
 * says what failed and its exit code. The caller saves `state` only when the report is ok.
 */
export async function monitorLog(
  registry: string,
  previous: MonitorState | null,
  options: MonitorOptions,
): Promise<{ report: MonitorReport; state?: MonitorState }> {
  const fetcher = options.fetch ?? ((url, init) => fetch(url, init));
  const base = registry.replace(/\/+$/, '');
  const report: MonitorReport = {
    ok: false,
    exitCode: MonitorExit.error,
    previous: previous && { size: previous.size, rootHash: previous.rootHash },
    newEntries: 0,
    cosigned: [],
    entries: [],
  };
  try {
    const { verifiers, quorum } = witnessVerifiers(options);
    // 1. The checkpoint, signed by the pinned log key and no other.
    const checkpoint = await signedCheckpoint(fetcher, base, options.vkey, previous?.vkey);
    const rootHash = Buffer.from(checkpoint.root).toString('base64');
    report.checkpoint = { origin: checkpoint.origin, size: checkpoint.size, rootHash };
    const head: TreeHead = { size: checkpoint.size, root: checkpoint.root };
    const client = new TileClient(hasher, httpTiles(fetcher, base), { concurrency: options.concurrency });

    // 2. It extends the checkpoint verified last time (a few tiles per level).
    const since: TreeHead | undefined = previous ? { size: previous.size, root: fromB64(previous.rootHash) } : undefined;
    if (previous && since) {
      if (previous.origin !== checkpoint.origin) throw new MonitorFailed('fork', `fork: the checkpoint names the log ${checkpoint.origin}, the state was of ${previous.origin}`);
      if (checkpoint.size < previous.size) throw new MonitorFailed('fork', `fork: the log has ${checkpoint.size} entries, it had ${previous.size} last time (rolled back)`);
      if (checkpoint.size === previous.size && rootHash !== previous.rootHash) {
        throw new MonitorFailed('fork', `fork: the log of ${checkpoint.size} entries has another root than last time (${rootHash}, was ${previous.rootHash})`);
      }
      await client.verifyConsistency(since, head);
    } else {
      await client.verifyRoot(head);
    }

    // 3. Enough witnesses vouch for it (checked before reading what it holds: a checkpoint without its quorum is not followed).
    report.cosigned = cosignatures(checkpoint.note, verifiers);
    if (report.cosigned.length < quorum) {
      const names = report.cosigned.map((c) => c.name).join(', ') || 'none';
      throw new MonitorFailed('quorum', `quorum not met: ${report.cosigned.length} of the ${verifiers.length} witnesses cosigned the checkpoint of size ${checkpoint.size} (${names}); ${quorum} needed`);
    }

    // 4. Every new entry against the tree; with an organisation, what concerns it. The organisation's records are
    // learnt from the whole log the first time it is followed, and kept in the state after that.
    const directory = options.organisation !== undefined ? await organisationDirectory(fetcher, base, options.organisation) : undefined;
    const kept = directory && previous?.organisation?.id === directory.id ? previous.organisation : undefined;
    const watch = directory && new OrganisationWatch(directory.id, kept?.records);
    const newFrom = previous?.size ?? 0;
    const readFrom = watch && !kept ? 0 : newFrom;
    const found: { index: number; entry: ReturnType<typeof readEntry>; about: 'record' | 'key' }[] = [];
    await client.verifyTree(head, {
      since: readFrom > 0 ? since : undefined,
      onEntries: (first, entries) => {
        entries.forEach((bytes, i) => {
          const entry = readEntry(bytes, first + i);
          const about = watch?.observe(entry);
          if (about && first + i >= newFrom) found.push({ index: first + i, entry, about });
        });
        options.progress?.(first + entries.length - readFrom, checkpoint.size - readFrom);
      },
    });
    report.newEntries = checkpoint.size - newFrom;
    const named = async (id: string) => {
      const slug = await directory!.slugOf(id);
      return slug ? { slug } : {};
    };
    for (const { index, entry, about } of found) {
      const other = entry.organisation !== null && entry.organisation !== watch!.id ? { for: { id: entry.organisation, ...(await named(entry.organisation)) } } : {};
      report.entries.push({
        index, time: entry.time, action: entry.action, record: entry.record, ...other, about,
        acting: { ...entry.acting, ...(entry.acting.organisation ? await named(entry.acting.organisation) : {}) },
        flag: watch!.flag(entry.acting),
      });
    }
    report.ok = true;
    report.exitCode = MonitorExit.ok;
    const state: MonitorState = { origin: checkpoint.origin, size: checkpoint.size, rootHash, vkey: checkpoint.vkey, verifiedAt: new Date().toISOString() };
    if (watch) state.organisation = { slug: options.organisation!, id: watch.id, records: watch.known() };
    return { report, state };
  } catch (error) {
    const failed = asFailure(error);
    report.failure = failed.failure;
    report.exitCode = MonitorExit[failed.failure];
    report.problem = failed.message;
    return { report };
  }
}

/** The command: read the state, monitor, and save the new state only when everything verified. */
export async function runLogMonitor(registry: string, statePath: string, options: MonitorOptions): Promise<MonitorReport> {
  let previous: MonitorState | null;
  try {
    previous = readLogState(statePath) as MonitorState | null;
  } catch (error) {
    return { ok: false, exitCode: MonitorExit.error, failure: 'error', problem: (error as Error).message, previous: null, newEntries: 0, cosigned: [], entries: [] };
  }
  const { report, state } = await monitorLog(registry, previous, options);
  if (report.ok && state) writeLogState(statePath, state);
  return report;
}

/** One line per entry: index, time, action, record, who acted with which key, and the flag. */
export function formatEntry(entry: ReportedEntry): string {
  const { acting } = entry;
  const who = acting.key === null ? 'the registry itself' : acting.operator && acting.organisation === null ? 'the operator' : (acting.slug ?? acting.organisation ?? 'unknown');
  const key = acting.key === null ? '' : ` key ${acting.key}${acting.operator ? ' (operator)' : ''}`;
  const flag = entry.flag === null ? '' : `  FLAG: ${{ operator: "the operator's key", registry: 'no key (the registry itself)', 'other-organisation': "another organisation's key" }[entry.flag]}`;
  const only = entry.about === 'key' ? '  (made with its key)' : '';
  const other = entry.for ? ` (for ${entry.for.slug ?? entry.for.id})` : '';
  return `${entry.index}  ${entry.time}  ${entry.action}  ${entry.record}${other}  by ${who}${key}${flag}${only}`;
}

const FAILURE_LABELS: Record<MonitorFailure, string> = {
  error: 'ERROR',
  signature: 'BAD SIGNATURE',
  fork: 'FORK',
  missingTile: 'MISSING TILE',
  editedEntry: 'EDITED ENTRY',
  quorum: 'QUORUM NOT MET',
};

/**
 * What a run prints: the failure (on stderr); following an organisation, its new entries; otherwise a summary when
 * the log grew. Nothing when nothing is new, unless verbose (then always the summary).
 */
export function formatReport(report: MonitorReport, options: { verbose?: boolean; following?: boolean } = {}): { stdout: string; stderr: string } {
  if (!report.ok) return { stdout: '', stderr: `plaza log monitor: ${FAILURE_LABELS[report.failure ?? 'error']} (exit ${report.exitCode}): ${report.problem}\n` };
  const lines = report.entries.map(formatEntry);
  const cp = report.checkpoint!;
  const grew = report.previous ? `${report.previous.size} -> ${cp.size} entries (${report.newEntries} new)` : `${cp.size} entries (first run)`;
  const witnessed = report.cosigned.length > 0 ? `, cosigned by ${report.cosigned.map((c) => c.name).join(', ')}` : '';
  if (options.verbose || (!options.following && report.newEntries > 0)) lines.push(`ok   ${cp.origin}: ${grew}, root ${cp.rootHash}${witnessed}`);
  return { stdout: lines.length > 0 ? `${lines.join('\n')}\n` : '', stderr: '' };
}
