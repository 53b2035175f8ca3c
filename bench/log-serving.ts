/**
 * Benchmark of the log as C2SP tiles at scale, through the real registry over HTTP, on a PostgreSQL server: for each
 * size in BENCH_SIZES (default 1,000,000 and 10,000,000 entries), the time to serve the checkpoint and tiles (a random
 * full level-0 tile, a random full level-1 tile, a random full entry bundle, the partial tiles of the size), and the
 * time for the built `plaza log monitor` to catch up the last BENCH_CATCH_UP (1,000,000) entries from a saved state.
 * Not part of the test suite. Run: `npm run bench:log` (after the storage benchmark), or `node dist/bench/log-serving.js`
 * after `npm run build`. DATABASE_URL names the server (default postgres://postgres@127.0.0.1:5432/postgres); each
 * size gets a scratch database, dropped at the end (BENCH_KEEP=1 keeps it).
 *
 * A log of 10^7 entries cannot be written through the API in reasonable time, so it is written in bulk, as the
 * registry writes it: each journal entry in the journal's canonical form (encodeEntry, with a salted state digest)
 * at its index, the leaf hashes appended to merkle_nodes with libs/merkle's appendLeafHashes through the registry's
 * own MerkleNodeRepository, and journal_head moved with them, in transactions of BENCH_FILL_BATCH entries. The log
 * the registry then serves is a real one: the monitor verifies every entry of the catch-up against the signed root.
 *
 * The order for each size N: start the registry once on the empty database (migrations, the operator, the
 * standards), stop it; fill to N - catch-up; start it, sign that size (GET /log/checkpoint) and save it as the
 * monitor's state; stop; fill to N; start it; time the reads at size N, then the monitor's catch-up; stop.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { appendLeafHashes, entryBundlePath, partialTiles, TILE_WIDTH, tilePath } from '#plaza/merkle';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { encodeEntry, stateDigest } from '../apps/registry/src/platform/journal/journal-entry-format.js';
import { MerkleNodeRepository, treeHasher } from '../apps/registry/src/platform/journal/merkle-node.repository.js';
import { CLI } from '../test/support/cli-process.js';
import { type RegistryProcess, startRegistry } from '../test/support/registry-process.js';
import { createScratchDatabase } from '../test/support/scratch-database.js';
import { runSource } from './run-source.js';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SIZES = (process.env.BENCH_SIZES ?? '1000000,10000000').split(',').map(Number);
const CATCH_UP = Number(process.env.BENCH_CATCH_UP ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 500);
const FILL_BATCH = Number(process.env.BENCH_FILL_BATCH ?? 10_000);
const RESULTS = resolve(import.meta.dirname, '..', '..', 'bench', 'results', process.env.BENCH_RESULTS ?? 'log-serving.json');

interface Timing {
  median: number;
  p95: number;
  p99: number;
  samples: number;
}

function timing(ms: number[]): Timing {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  const round = (x: number) => Math.round(x * 100) / 100;
  return { median: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), samples: s.length };
}

/** Deterministic pseudo-random integers, so runs read the same tiles. */
let seed = 0x2545f491;
function random(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Appends entries [from, to) to the journal and the tree, as the unit of work does, in bulk transactions. */
async function fill(url: string, from: number, to: number): Promise<void> {
  const ds = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
  await ds.initialize();
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    const [operator] = (await qr.query(`SELECT id FROM organisations WHERE kind = 'operator' LIMIT 1`)) as { id: string }[];
    const [head] = (await qr.query('SELECT size FROM journal_head WHERE id = 1')) as { size: string }[];
    if (Number(head!.size) !== from) throw new Error(`the journal holds ${head!.size} entries, not ${from}`);
    const store = new MerkleNodeRepository(qr.manager);
    const started = performance.now();
    let size = from;
    while (size < to) {
      const n = Math.min(FILL_BATCH, to - size);
      const recordedAt = new Date();
      const indexes: number[] = [];
      const entries: Buffer[] = [];
      const salts: Buffer[] = [];
      for (let index = size; index < size + n; index++) {
        const salt = randomBytes(16);
        indexes.push(index);
        salts.push(salt);
        entries.push(encodeEntry({
          index, recordedAt, action: 'organisation.updated', subjectType: 'organisation', subjectId: operator!.id, organisationId: operator!.id,
          actorId: null, key: null, stateDigest: stateDigest(salt, { bench: index }),
        }));
      }
      const leaves = await Promise.all(entries.map((entry) => treeHasher.leaf(entry)));
      await qr.startTransaction();
      await qr.query(
        `INSERT INTO journal_entries (index, entry, action, subject_type, subject_id, organisation_id, actor_id, key_id, salt, recorded_at)
         SELECT i, e, 'organisation.updated', 'organisation', $3::text, $3::text::uuid, NULL, NULL, s, $4 FROM unnest($1::bigint[], $2::bytea[], $5::bytea[]) AS t(i, e, s)`,
        [indexes, entries, operator!.id, recordedAt, salts],
      );
      size = await appendLeafHashes(store, treeHasher, size, leaves);
      await qr.query('UPDATE journal_head SET size = $1 WHERE id = 1', [size]);
      await qr.commitTransaction();
      if (Math.floor(size / 1_000_000) > Math.floor((size - n) / 1_000_000) || size === to) {
        const seconds = (performance.now() - started) / 1000;
        log(`  ${size.toLocaleString('en')} entries (${Math.round((size - from) / seconds).toLocaleString('en')} entries/s)`);
      }
    }
    await qr.query('ANALYZE journal_entries');
    await qr.query('ANALYZE merkle_nodes');
  } finally {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    await qr.release();
    await ds.destroy();
  }
}

/** GETs `path()` SAMPLES times in a row over one kept-alive connection, each answer read whole; the latency of each. */
async function timeGets(base: string, path: () => string, headers: Record<string, string> = {}): Promise<Timing> {
  const ms: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const at = path();
    const t0 = performance.now();
    const res = await fetch(`${base}${at}`, { headers });
    await res.arrayBuffer();
    ms.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`GET ${at} answered ${res.status}`);
  }
  return timing(ms);
}

function monitor(args: string[]): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const t0 = performance.now();
  return new Promise((done) => {
    execFile(process.execPath, [CLI, 'log', 'monitor', ...args], { maxBuffer: 1 << 26 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr, seconds: (performance.now() - t0) / 1000 }),
    );
  });
}

interface SizeResult {
  size: number;
  fillSeconds: number;
  databaseBytes: number;
  checkpoint: Timing;
  checkpointFirstSignMs: number;
  tiles: Record<string, Timing>;
  catchUp: { from: number; to: number; entries: number; seconds: number; entriesPerSecond: number; fetches: number };
}

/** A filled log of one size: its database, the registry's data folder and environment, and the monitor's saved state. */
interface Prepared {
  size: number;
  url: string;
  dataDir: string;
  env: Record<string, string>;
  /** The size the monitor's saved state holds: it catches up from there. */
  from: number;
  fillSeconds: number;
  /** The monitor's state file as saved at `from`, copied for each run (the monitor moves it on). */
  state: string;
  drop: () => Promise<void>;
}

/**
 * With BENCH_PREPARED=1, the filled log of each size is kept between runs: database plaza_bench_tiles_<size>, and its
 * data folder, environment and the monitor's state in .plaza-bench-cache/tiles-<size>/. Filling 10^7 entries takes most
 * of an hour, and it need not happen on an idle machine; the reads must (BENCH_PREPARE_ONLY=1 stops after filling).
 */
const PREPARED = process.env.BENCH_PREPARED === '1';
const preparedDir = (size: number) => resolve(import.meta.dirname, '..', '..', '.plaza-bench-cache', `tiles-${size}`);

async function registryOn(env: Record<string, string>) {
  let registry: RegistryProcess | undefined;
  return {
    url: () => registry!.url,
    start: async () => void (registry = await startRegistry(env, undefined, 600_000)),
    stop: async () => {
      await registry?.stop();
      registry = undefined;
    },
  };
}

async function headSize(url: string): Promise<number> {
  const ds = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
  await ds.initialize();
  try {
    return Number(((await ds.query('SELECT size FROM journal_head WHERE id = 1')) as { size: string }[])[0]!.size);
  } finally {
    await ds.destroy();
  }
}

async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function prepare(size: number, dataRoot: string): Promise<Prepared> {
  const manifest = join(preparedDir(size), 'prepared.json');
  const name = PREPARED ? `plaza_bench_tiles_${size}` : `plaza_bench_tiles_${size}_${process.pid}`;
  const serverDb = new URL(SERVER);
  serverDb.pathname = `/${name}`;
  const keep = PREPARED || process.env.BENCH_KEEP === '1';
  if (PREPARED && existsSync(manifest)) {
    const saved = JSON.parse(readFileSync(manifest, 'utf8')) as Omit<Prepared, 'drop' | 'url'>;
    if ((await headSize(serverDb.toString())) === size) {
      log(`size ${size.toLocaleString('en')}: the log prepared in ${name} (filled in ${saved.fillSeconds.toFixed(0)} s)`);
      return { ...saved, url: serverDb.toString(), drop: async () => {} };
    }
    throw new Error(`${name} does not hold ${size} entries: drop it and remove ${preparedDir(size)} to fill it again`);
  }
  // A prepared log without its manifest is one whose filling stopped half-way.
  if (PREPARED) await dropDatabase(name);
  const database = await createScratchDatabase(SERVER, name);
  const dataDir = PREPARED ? join(preparedDir(size), 'data') : join(dataRoot, String(size));
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const env = {
    DATABASE_URL: database.url, PLAZA_DATA_DIR: dataDir, PLAZA_OPERATOR_KEY: generateApiKey().key, PLAZA_LOG_LEVEL: 'warn',
    PLAZA_SCHEDULER_INTERVAL_SECONDS: '0', PLAZA_RETENTION_INTERVAL_SECONDS: '0', PLAZA_DELIVERY_POLL_MS: '0', PLAZA_WORKERS: process.env.BENCH_WORKERS ?? '1',
    PLAZA_RATE_LIMIT_PER_MINUTE: '1000000',
  };
  const registry = await registryOn(env);
  try {
    log(`size ${size.toLocaleString('en')}: a fresh registry on ${database.url.replace(/\/\/[^@]*@/, '//')}`);
    await registry.start();
    await registry.stop();
    const initial = await headSize(database.url);
    const from = Math.max(initial, size - CATCH_UP);
    const fillStarted = performance.now();
    log(`filling ${initial} -> ${from.toLocaleString('en')}`);
    await fill(database.url, initial, from);

    // The monitor's saved state: the checkpoint of size `from`, signed by the registry.
    await registry.start();
    const vkey = (await (await fetch(`${registry.url()}/log/key`)).text()).trim();
    const note = await (await fetch(`${registry.url()}/log/checkpoint`)).text();
    const [origin, signedSize, rootHash] = note.split('\n');
    if (Number(signedSize) !== from) throw new Error(`the registry signed size ${signedSize}, not ${from}`);
    const state = join(dataDir, '..', `monitor-state-${size}-at-${from}.json`);
    writeFileSync(state, JSON.stringify({ origin, size: from, rootHash, vkey, verifiedAt: new Date().toISOString() }));
    await registry.stop();

    log(`filling ${from.toLocaleString('en')} -> ${size.toLocaleString('en')}`);
    await fill(database.url, from, size);
    const prepared = { size, dataDir, env, from, fillSeconds: (performance.now() - fillStarted) / 1000, state };
    if (PREPARED) writeFileSync(manifest, `${JSON.stringify(prepared, null, 2)}\n`);
    return { ...prepared, url: database.url, drop: keep ? async () => {} : database.drop };
  } catch (error) {
    await registry.stop();
    if (!keep) await database.drop();
    throw error;
  }
}

async function measureSize(prepared: Prepared, dataRoot: string): Promise<SizeResult> {
  const { size, from, url } = prepared;
  const registry = await registryOn(prepared.env);
  try {
    await registry.start();
    const base = registry.url();

    let t0 = performance.now();
    const first = await fetch(`${base}/log/checkpoint`);
    await first.text();
    const checkpointFirstSignMs = performance.now() - t0;
    if (first.status !== 200) throw new Error(`the checkpoint answered ${first.status}`);
    log(`reading at ${size.toLocaleString('en')} (${SAMPLES} of each)`);
    const fullAt = (level: number) => Math.floor(size / TILE_WIDTH ** (level + 1));
    const gzip = { 'accept-encoding': 'gzip, identity' };
    const partials = partialTiles(size);
    let partial = 0;
    const tiles: Record<string, Timing> = {};
    // A full tile of a level exists from 256^(level+1) entries on (no full level-1 tile below 65,536).
    for (const level of [0, 1]) {
      if (fullAt(level) > 0) tiles[`full level-${level} tile`] = await timeGets(base, () => `/log/${tilePath({ level, index: random(fullAt(level)), width: TILE_WIDTH })}`);
    }
    tiles['full entry bundle (gzip)'] = await timeGets(base, () => `/log/${entryBundlePath({ index: random(fullAt(0)), width: TILE_WIDTH })}`, gzip);
    tiles[`partial tiles of the size (${partials.length}, in turn)`] = await timeGets(base, () => `/log/${tilePath(partials[partial++ % partials.length]!)}`);
    tiles['partial entry bundle of the size (gzip)'] = await timeGets(base, () => `/log/${entryBundlePath(partials[0]!)}`, gzip);
    const checkpoint = await timeGets(base, () => '/log/checkpoint');

    // The reads above and the catch-up (about 2 fetches per 256 entries) stay within the tiles' 20,000 a minute.
    log(`plaza log monitor catching up ${from.toLocaleString('en')} -> ${size.toLocaleString('en')}`);
    const state = join(dataRoot, `monitor-state-${size}.json`);
    copyFileSync(prepared.state, state);
    const vkey = (JSON.parse(readFileSync(state, 'utf8')) as { vkey: string }).vkey;
    t0 = performance.now();
    const run = await monitor(['--url', base, '--vkey', vkey, '--state', state, '--json']);
    if (run.code !== 0) throw new Error(`the monitor exited ${run.code}: ${run.stderr}${run.stdout}`);
    const report = JSON.parse(run.stdout) as { newEntries: number; checkpoint: { size: number } };
    if (report.newEntries !== size - from || report.checkpoint.size !== size) throw new Error(`the monitor read ${report.newEntries} entries up to ${report.checkpoint.size}`);
    const fetches = 2 * Math.ceil((size - from) / TILE_WIDTH);
    const [bytes] = (await new DataSource({ type: 'postgres', url }).initialize().then(async (ds) => {
      try {
        return (await ds.query('SELECT pg_database_size(current_database()) AS n')) as { n: string }[];
      } finally {
        await ds.destroy();
      }
    }));
    return {
      size, fillSeconds: prepared.fillSeconds, databaseBytes: Number(bytes!.n), checkpoint, checkpointFirstSignMs, tiles,
      catchUp: { from, to: size, entries: size - from, seconds: run.seconds, entriesPerSecond: Math.round((size - from) / run.seconds), fetches },
    };
  } finally {
    await registry.stop();
  }
}

async function main(): Promise<void> {
  const dataRoot = mkdtempSync(join(tmpdir(), 'plaza-bench-tiles-'));
  const started = new Date();
  const results: SizeResult[] = [];
  try {
    console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); sizes ${SIZES.join(', ')}, catch-up ${CATCH_UP}, ${SAMPLES} samples`);
    for (const size of SIZES) {
      const prepared = await prepare(size, dataRoot);
      try {
        if (process.env.BENCH_PREPARE_ONLY !== '1') results.push(await measureSize(prepared, dataRoot));
      } finally {
        await prepared.drop();
      }
    }
    if (process.env.BENCH_PREPARE_ONLY === '1') return;
  } finally {
    rmSync(dataRoot, { recursive: true, force: true });
  }
  const ms = (t: Timing) => `median ${t.median.toFixed(2)} ms, p95 ${t.p95.toFixed(2)} ms, p99 ${t.p99.toFixed(2)} ms`;
  const rows: [string, string, string][] = [];
  for (const r of results) {
    const n = r.size.toLocaleString('en');
    rows.push([n, 'GET /log/checkpoint (signed note)', ms(r.checkpoint)]);
    rows.push([n, 'GET /log/checkpoint, first (signs the size)', `${r.checkpointFirstSignMs.toFixed(1)} ms`]);
    for (const [what, t] of Object.entries(r.tiles)) rows.push([n, `GET ${what}`, ms(t)]);
    rows.push([n, `plaza log monitor, catch up ${r.catchUp.entries.toLocaleString('en')} entries (~${r.catchUp.fetches.toLocaleString('en')} fetches)`, `${r.catchUp.seconds.toFixed(1)} s, ${r.catchUp.entriesPerSecond.toLocaleString('en')} entries/s`]);
    rows.push([n, 'bulk fill (journal + tree)', `${r.fillSeconds.toFixed(0)} s; database ${(r.databaseBytes / 2 ** 30).toFixed(2)} GiB`]);
  }
  const w = [4, 4].map((min, i) => Math.max(min, ...rows.map((row) => row[i]!.length)));
  console.log(`\n${'size'.padEnd(w[0]!)}  ${'what'.padEnd(w[1]!)}  figure`);
  for (const [size, what, figure] of rows) console.log(`${size.padEnd(w[0]!)}  ${what.padEnd(w[1]!)}  ${figure}`);
  mkdirSync(resolve(RESULTS, '..'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({ startedAt: started.toISOString(), source: runSource(), cores: cpus().length, samples: SAMPLES, catchUp: CATCH_UP, results }, null, 2)}\n`);
  console.log(`\nresults in ${RESULTS}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
