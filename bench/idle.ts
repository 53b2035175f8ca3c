/**
 * What the registry costs at rest. Not part of the test suite. Run: `npm run bench:idle` on an otherwise idle machine.
 *
 * It starts the built registry in cluster mode (PLAZA_WORKERS=auto unless BENCH_WORKERS says otherwise) on a fresh
 * database of the PostgreSQL server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/) and a fresh data
 * folder, sends it nothing, lets it settle for BENCH_SETTLE_SECONDS (default 40: start-up's compiling and collecting
 * are over by then), and samples over BENCH_SECONDS (default 30) the cores its processes and PostgreSQL keep busy
 * (bench/cpu-meter.ts). BENCH_AGAINST=<another checkout, built> measures that checkout's registry too, the two
 * alternating, BENCH_RUNS times each (default 2), so that a change is measured beside what it changes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRegistry } from '../test/support/registry-process.js';
import { createScratchDatabase } from '../test/support/scratch-database.js';
import { cpuBetween, sampleCpu } from './cpu-meter.js';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/';
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 40);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const AGAINST = process.env.BENCH_AGAINST ? resolve(process.env.BENCH_AGAINST) : undefined;
const WORKERS = process.env.BENCH_WORKERS ?? 'auto';
const THIS = resolve(import.meta.dirname, '../..');

/** One registry of `root`'s build at rest: the cores its processes and PostgreSQL kept busy. */
async function atRest(root: string, run: number): Promise<{ registry: number; postgres: number; processes: number }> {
  const database = await createScratchDatabase(SERVER, `plaza_bench_idle_${process.pid}_${run}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-bench-idle-'));
  try {
    const registry = await startRegistry({ DATABASE_URL: database.url, PLAZA_DATA_DIR: dataDir, PLAZA_WORKERS: WORKERS, PLAZA_LOG_LEVEL: 'warn' }, undefined, 120_000, root);
    try {
      await sleep(SETTLE_SECONDS * 1000);
      const before = sampleCpu(registry.child.pid!);
      await sleep(SECONDS * 1000);
      const split = cpuBetween(before, sampleCpu(registry.child.pid!));
      const cores = (micros: number) => micros / 1_000_000 / split.seconds;
      return { registry: cores(split.registryMicros), postgres: cores(split.postgresMicros), processes: split.registryProcesses };
    } finally {
      await registry.stop();
    }
  } finally {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const builds = AGAINST ? [{ name: 'this checkout', root: THIS }, { name: AGAINST, root: AGAINST }] : [{ name: 'this checkout', root: THIS }];
console.log(`the registry at rest: ${WORKERS} workers, ${SETTLE_SECONDS} s to settle, ${SECONDS} s measured, ${RUNS} run(s) each`);
for (let run = 0; run < RUNS; run++) {
  for (const build of builds) {
    const { registry, postgres, processes } = await atRest(build.root, run);
    console.log(`${build.name}: registry ${registry.toFixed(3)} cores (${processes} processes), PostgreSQL ${postgres.toFixed(3)} cores`);
  }
}
