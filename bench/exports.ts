/**
 * Benchmark of the full exports (issue 16): with BENCH_SOURCES (100,000) registered sources and with a tenth as many,
 * the time to build the whole export, the time to serve it to one reader, the builder's peak memory, and the time to
 * serve one page of the DCAT catalogue. Not part of the test suite. Run: `npm run bench:exports` (a PostgreSQL server
 * at DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 *
 * The registers are bench/reads-register.ts's (the demo and the generated sources, written through the API, kept as
 * template databases once per machine). For each size, the registry runs in this process on a copy of the template,
 * with background exports and the public answer cache off, so the build is the one this benchmark starts and every
 * catalogue request does its work. The memory figure is this process's RSS high-water mark (VmHWM) while the build
 * runs, reset just before it (/proc/self/clear_refs), beside the RSS before it: the export streams the register a page
 * at a time, so the growth should not follow the register's size.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../apps/registry/src/composition/app.js';
import { ExportBuilder } from '../apps/registry/src/exports/index.js';
import { loadConfig } from '../apps/registry/src/platform/config/config.js';
import { cachedDataDir, copyFolder, databaseFromTemplate, log, registryEnv, SERVER, serverTemplate, SOURCE_COUNT } from './reads-register.js';

/** Catalogue requests timed at each size (the median is printed). */
const CATALOGUE_REQUESTS = Number(process.env.BENCH_CATALOGUE_REQUESTS ?? 5);
const MiB = 1_048_576;

interface Measured {
  sources: number;
  records: number;
  journalSize: number;
  buildMs: number;
  rssBeforeMiB: number;
  peakMiB: number;
  served: { file: string; bytes: number; ms: number }[];
  catalogueMs: number;
}

/** This process's memory figures from /proc, in MiB: the resident set now (VmRSS) and its high-water mark (VmHWM). */
function memory(): { rss: number; hwm: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) / 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** Sets VmHWM back to the current RSS (Linux 4.0 and later), so the next reading is the peak of what runs after. */
function resetPeak(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

/** Downloads `path` to its end, keeping no more than one chunk: its size and how long it took. */
async function download(base: string, path: string): Promise<{ bytes: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`);
  if (res.status !== 200 || !res.body) throw new Error(`GET ${path} answered ${res.status}`);
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Uint8Array).byteLength;
  return { bytes, ms: performance.now() - started };
}

async function measure(sources: number): Promise<Measured> {
  const template = await serverTemplate(SERVER, sources);
  const database = await databaseFromTemplate(SERVER, template.name, `plaza_bench_exports_${sources}_${process.pid}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-bench-exports-'));
  copyFolder(cachedDataDir(template.name), dataDir);
  const config = loadConfig({
    ...registryEnv(template.operatorKey, dataDir, database.url),
    PLAZA_EXPORT_INTERVAL_MS: '0',
    PLAZA_PUBLIC_CACHE_MB: '0',
    PLAZA_RATE_LIMIT_PER_MINUTE: '1000000',
    PLAZA_SCHEDULER_INTERVAL_SECONDS: '0',
    PLAZA_CHECKPOINT_INTERVAL_MS: '0',
    PLAZA_RETENTION_INTERVAL_SECONDS: '0',
    PLAZA_DELIVERY_POLL_MS: '0',
  });
  const app = await createApp(config);
  try {
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    global.gc?.();
    const before = memory();
    resetPeak();
    log(`${sources.toLocaleString('en')} sources: building the export`);
    const started = performance.now();
    const manifest = (await app.get(ExportBuilder).refresh())!;
    const buildMs = performance.now() - started;
    const peak = memory().hwm;
    const served = [];
    for (const file of ['register.jsonl', 'sources.csv']) served.push({ file, ...(await download(base, `/exports/${file}`)) });
    const catalogue: number[] = [];
    for (let i = 0; i < CATALOGUE_REQUESTS; i++) catalogue.push((await download(base, '/catalog')).ms);
    catalogue.sort((a, b) => a - b);
    return {
      sources, records: manifest.records, journalSize: manifest.journalSize, buildMs, rssBeforeMiB: before.rss, peakMiB: peak, served,
      catalogueMs: catalogue[Math.floor(catalogue.length / 2)]!,
    };
  } finally {
    await app.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // The smaller first: what the larger adds to a process that already ran one build is then the larger's own.
  const results = [await measure(Math.max(1, Math.round(SOURCE_COUNT / 10))), await measure(SOURCE_COUNT)];
  const fixed = (n: number, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  console.log('\nsources    records  journal   build s   RSS before MiB   build peak MiB   growth MiB   serve register.jsonl   serve sources.csv   GET /catalog ms (median)');
  for (const r of results) {
    const [jsonl, csv] = r.served;
    console.log([
      fixed(r.sources).padStart(7), fixed(r.records).padStart(10), fixed(r.journalSize).padStart(8), fixed(r.buildMs / 1000, 1).padStart(9),
      fixed(r.rssBeforeMiB).padStart(16), fixed(r.peakMiB).padStart(16), fixed(r.peakMiB - r.rssBeforeMiB, 1).padStart(12),
      `${fixed(jsonl!.bytes / MiB, 1)} MiB in ${fixed(jsonl!.ms)} ms`.padStart(22), `${fixed(csv!.bytes / MiB, 1)} MiB in ${fixed(csv!.ms)} ms`.padStart(19),
      fixed(r.catalogueMs, 1).padStart(26),
    ].join(''));
  }
  const [small, large] = results as [Measured, Measured];
  console.log(`\nThe build's memory growth at ${fixed(large.sources)} sources is ${fixed(large.peakMiB - large.rssBeforeMiB, 1)} MiB, at ${fixed(small.sources)} ${fixed(small.peakMiB - small.rssBeforeMiB, 1)} MiB, for ${fixed(large.records / small.records, 1)} times the records.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
