/**
 * Benchmark of the transparency log's storage at 1,000,000 entries, against a real PostgreSQL server: appends
 * through the registry's own MerkleNodeRepository and libs/merkle's appendLeafHashes, then roots and proofs from the stored
 * complete-subtree hashes. Not part of the test suite. Run: `npm run bench:log` (DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/plaza_bench). It creates the merkle_nodes table (as the migration does) in a
 * fresh schema and drops that schema at the end (BENCH_KEEP=1 keeps it).
 *
 * - single appends: one transaction per simulated registry write of one entry (BEGIN, appendLeafHashes, COMMIT),
 *   sampled at sizes ~1k, ~100k and ~1M;
 * - bulk: the rest of the 1,000,000 leaves in transactions of 1000 leaves (one appendLeafHashes each);
 * - at 1,000,000: computeRoot, proveInclusion of random indexes, proveConsistency from random sizes;
 * - tiles (what GET /log/tile/... reads before answering): a random full tile of levels 0 and 1, and the partial tiles
 *   of the size (one per level, what a client fetches first to check a checkpoint's root).
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import {
  appendLeafHashes, computeRoot, equalBytes, partialTiles, proveConsistency, proveInclusion, readHashTile, TILE_WIDTH, verifyConsistency, verifyInclusion,
} from '#plaza/merkle';
import { MerkleNodeRepository, treeHasher } from '../apps/registry/src/platform/journal/merkle-node.repository.js';

const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/plaza_bench';
const TOTAL = Number(process.env.BENCH_SIZE ?? 1_000_000);
const BATCH = 1000;
const SINGLE_SAMPLES = Number(process.env.BENCH_SINGLE_SAMPLES ?? 200);
const PROOF_SAMPLES = Number(process.env.BENCH_PROOF_SAMPLES ?? 1000);
/** Sizes at which single-entry appends are sampled; the last sample ends exactly at TOTAL. */
const SINGLE_AT = [1_000, 100_000, TOTAL - SINGLE_SAMPLES];

const schema = `bench_log_${process.pid}_${Date.now()}`;
const rows: { what: string; size: string; figure: string }[] = [];

function stats(ms: number[]): { median: number; p95: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { median: at(0.5), p95: at(0.95) };
}
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const fmtStats = (ms: number[]) => {
  const { median, p95 } = stats(ms);
  return `median ${fmt(median)} ms, p95 ${fmt(p95)} ms`;
};
const entry = (i: number) => new TextEncoder().encode(`{"index":${i},"kind":"bench.entry","payload":"entry number ${i}"}`);
/** Deterministic pseudo-random integers (so runs are comparable). */
let seed = 0x2545f491;
const random = (n: number) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};

async function main(): Promise<void> {
  const ds = new DataSource({ type: 'postgres', url: URL, extra: { max: 2, options: `-c search_path=${schema}` } });
  await ds.initialize();
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query(`CREATE SCHEMA ${schema}`);
    await qr.query(`
      CREATE TABLE merkle_nodes (
        level smallint NOT NULL CHECK (level >= 0 AND level < 63),
        index bigint NOT NULL CHECK (index >= 0),
        hash bytea NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (level, index)
      )`);
    const store = new MerkleNodeRepository(qr.manager);
    const [pgVersion] = (await qr.query('SHOW server_version')) as { server_version: string }[];
    console.log(`PostgreSQL ${pgVersion!.server_version}, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
    console.log(`schema ${schema}; ${TOTAL} leaves, bulk transactions of ${BATCH}, ${SINGLE_SAMPLES} single appends at ~${SINGLE_AT.join(', ~')}, ${PROOF_SAMPLES} proof samples`);

    let size = 0;
    let bulkMs = 0;
    let bulkLeaves = 0;
    const started = performance.now();

    const bulkTo = async (target: number) => {
      while (size < target) {
        const n = Math.min(BATCH, target - size);
        const t0 = performance.now();
        const leaves: Uint8Array[] = [];
        for (let i = 0; i < n; i++) leaves.push(await treeHasher.leaf(entry(size + i)));
        await qr.startTransaction();
        size = await appendLeafHashes(store, treeHasher, size, leaves);
        await qr.commitTransaction();
        bulkMs += performance.now() - t0;
        bulkLeaves += n;
        if (Math.floor(size / 100_000) > Math.floor((size - n) / 100_000)) console.log(`  ${size} leaves, ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
    };

    for (const at of SINGLE_AT) {
      await bulkTo(at);
      const appendOnly: number[] = [];
      const whole: number[] = [];
      const from = size;
      for (let k = 0; k < SINGLE_SAMPLES; k++) {
        const leaf = await treeHasher.leaf(entry(size));
        const t0 = performance.now();
        await qr.startTransaction();
        const t1 = performance.now();
        size = await appendLeafHashes(store, treeHasher, size, [leaf]);
        const t2 = performance.now();
        await qr.commitTransaction();
        const t3 = performance.now();
        appendOnly.push(t2 - t1);
        whole.push(t3 - t0);
      }
      const sizes = `${from.toLocaleString('en')}–${size.toLocaleString('en')}`;
      rows.push({ what: 'append 1 entry: appendLeafHashes (read edge + insert)', size: sizes, figure: fmtStats(appendOnly) });
      rows.push({ what: 'append 1 entry: whole transaction (BEGIN … COMMIT)', size: sizes, figure: fmtStats(whole) });
    }
    const totalS = (performance.now() - started) / 1000;
    rows.push({
      what: `bulk append, transactions of ${BATCH} leaves (incl. leaf hashing)`,
      size: `0–${TOTAL.toLocaleString('en')}`,
      figure: `${((bulkMs / bulkLeaves) * BATCH).toFixed(1)} ms per ${BATCH}, ${Math.round(bulkLeaves / (bulkMs / 1000)).toLocaleString('en')} leaves/s`,
    });
    rows.push({ what: 'total to reach the size (bulk + single samples)', size: TOTAL.toLocaleString('en'), figure: `${totalS.toFixed(1)} s` });
    const [nodes] = (await qr.query(`SELECT count(*)::bigint AS n, pg_total_relation_size('merkle_nodes') AS bytes FROM merkle_nodes`)) as { n: string; bytes: string }[];
    rows.push({
      what: 'merkle_nodes rows, table + index size',
      size: TOTAL.toLocaleString('en'),
      figure: `${Number(nodes!.n).toLocaleString('en')} rows, ${(Number(nodes!.bytes) / 2 ** 20).toFixed(0)} MiB`,
    });
    await qr.query('ANALYZE merkle_nodes');

    // Reads at size TOTAL, outside any transaction (as the public read routes do).
    const root = await computeRoot(store, treeHasher, TOTAL);
    const rootMs: number[] = [];
    const inclMs: number[] = [];
    const consMs: number[] = [];
    let inclLen = 0;
    let consLen = 0;
    for (let k = 0; k < PROOF_SAMPLES; k++) {
      let t0 = performance.now();
      const r = await computeRoot(store, treeHasher, TOTAL);
      rootMs.push(performance.now() - t0);
      if (!equalBytes(r, root)) throw new Error('computeRoot is not stable');

      const index = random(TOTAL);
      t0 = performance.now();
      const path = await proveInclusion(store, treeHasher, index, TOTAL);
      inclMs.push(performance.now() - t0);
      inclLen = Math.max(inclLen, path.length);

      const m = 1 + random(TOTAL - 1);
      t0 = performance.now();
      const proof = await proveConsistency(store, treeHasher, m, TOTAL);
      consMs.push(performance.now() - t0);
      consLen = Math.max(consLen, proof.length);

      // Check a sample of the proofs (verification is not timed).
      if (k % 50 === 0) {
        const leaf = await treeHasher.leaf(entry(index));
        if (!(await verifyInclusion(treeHasher, leaf, index, TOTAL, path, root))) throw new Error(`inclusion proof of ${index} does not verify`);
        const rootM = await computeRoot(store, treeHasher, m);
        if (!(await verifyConsistency(treeHasher, m, TOTAL, rootM, root, proof))) throw new Error(`consistency proof ${m}→${TOTAL} does not verify`);
      }
    }
    const n = TOTAL.toLocaleString('en');
    rows.push({ what: 'computeRoot', size: n, figure: fmtStats(rootMs) });
    rows.push({ what: `proveInclusion, random index (≤ ${inclLen} hashes)`, size: n, figure: fmtStats(inclMs) });
    rows.push({ what: `proveConsistency, random first size (≤ ${consLen} hashes)`, size: n, figure: fmtStats(consMs) });

    // One getNodes of at most 256 stored hashes per tile, never a rehash.
    const tileMs: number[][] = [[], [], []];
    const partials = partialTiles(TOTAL);
    for (let k = 0; k < PROOF_SAMPLES; k++) {
      for (const level of [0, 1]) {
        const t0 = performance.now();
        await readHashTile(store, { level, index: random(Math.floor(TOTAL / TILE_WIDTH ** (level + 1))), width: TILE_WIDTH });
        tileMs[level]!.push(performance.now() - t0);
      }
      const t0 = performance.now();
      for (const tile of partials) await readHashTile(store, tile);
      tileMs[2]!.push(performance.now() - t0);
    }
    rows.push({ what: 'readHashTile, random full level-0 tile (256 hashes)', size: n, figure: fmtStats(tileMs[0]!) });
    rows.push({ what: 'readHashTile, random full level-1 tile (256 hashes)', size: n, figure: fmtStats(tileMs[1]!) });
    rows.push({ what: `readHashTile, the ${partials.length} partial tiles of the size`, size: n, figure: fmtStats(tileMs[2]!) });

    const w = [Math.max(4, ...rows.map((r) => r.what.length)), Math.max(4, ...rows.map((r) => r.size.length))];
    console.log(`\n${'what'.padEnd(w[0]!)}  ${'size'.padEnd(w[1]!)}  figure`);
    for (const r of rows) console.log(`${r.what.padEnd(w[0]!)}  ${r.size.padEnd(w[1]!)}  ${r.figure}`);
    console.log(`\ntotal run time ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    if (process.env.BENCH_KEEP !== '1') await qr.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await qr.release();
    await ds.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
