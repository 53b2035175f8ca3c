/**
 * Benchmark of every reader of untrusted JSON, on the worst shapes of about 1 MiB each. Not part of the test suite;
 * no database. Run: `npm run bench:json`. For each shape and reader it prints milliseconds per MiB (the median of
 * several runs) and what the reader answered (read, or the code it refused with). The readers:
 * - the registry's JSON body reader (readJsonBody: parse, then the duplicate/depth/width/NUL/surrogate inspection);
 * - the exchange's structured and batch readers (libs/dsse's raw scanner), followed by the strict reading of each
 *   event's data (readData), as the gateway does.
 * The linear-work unit tests (libs/json/src/inspect.spec.ts, libs/dsse/src/scanner.spec.ts) prove linearity by
 * counting work; this shows the constant.
 */
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { PlazaError } from '../apps/registry/src/kernel/errors/plaza-error.js';
import { readJsonBody } from '../apps/registry/src/kernel/http/json-body.js';
import { readBatch, readRefusal, readStructured } from '../apps/registry/src/exchange/submit/read.js';
import { readData } from '../apps/registry/src/exchange/submit/standard-check.js';

const MIB = 1_048_576;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

/** Repeats `unit(i)` joined by commas until the text reaches about `bytes`. */
function fill(bytes: number, unit: (i: number) => string): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const part = unit(i);
    parts.push(part);
    size += part.length + 1;
  }
  return parts.join(',');
}

/** The JSON values of about `bytes` in each worst shape (for data and bodies alike). */
const shapes: Record<string, (bytes: number) => string> = {
  'wide: one object of {} members': (bytes) => `{${fill(bytes, (i) => `"m${i}":{}`)}}`,
  'wide: objects of ~1,000 {} members': (bytes) => `[${fill(bytes, () => `{${fill(Math.min(bytes, 8_000), (i) => `"m${i}":{}`)}}`)}]`,
  'deep: one nest as deep as the size allows': (bytes) => '['.repeat(Math.floor(bytes / 2)) + ']'.repeat(Math.floor(bytes / 2)),
  'deep: repeated 55-level nests': (bytes) => `[${fill(bytes, () => `${'{"a":'.repeat(55)}1${'}'.repeat(55)}`)}]`,
  'many keys: 40-byte names': (bytes) => `[${fill(bytes, () => `{${fill(Math.min(bytes, 40_000), (i) => `"${'k'.repeat(40)}${i}":1`)}}`)}]`,
  'long strings': (bytes) => `["${'x'.repeat(bytes - 4)}"]`,
  'many escapes': (bytes) => `["${'\\u00e9\\n\\ud83d\\ude00'.repeat(Math.floor(bytes / 20))}"]`,
};

const event = (id: number, data: string) =>
  `{"specversion":"1.0","id":"e-${id}","source":"urn:bench","type":"org.plaza.bench","time":"2026-01-01T00:00:00Z","datacontenttype":"application/json","data":${data}}`;

type Outcome = string;
const outcomeOf = (error: unknown): Outcome => {
  if (error instanceof PlazaError) return `refused ${error.code}`;
  return `refused ${readRefusal(error).code}`;
};

/** Each reader, given a shape: the body it reads (about 1 MiB) and how it reads it. */
const readers: Record<string, (build: (bytes: number) => string) => { body: string | Buffer; read: () => Outcome }> = {
  'JSON body reader': (build) => {
    const body = build(MIB);
    return {
      body,
      read: () => {
        readJsonBody(body);
        return 'read';
      },
    };
  },
  'exchange structured + data': (build) => {
    const body = Buffer.from(event(0, build(MIB)));
    return {
      body,
      read: () => {
        const read = readData(readStructured(body));
        return 'code' in read ? `refused ${read.code}` : 'read';
      },
    };
  },
  'exchange batch (100 events) + data': (build) => {
    const data = build(MIB / 100);
    const body = Buffer.from(`[${Array.from({ length: 100 }, (_, i) => event(i, data)).join(',')}]`);
    return {
      body,
      read: () => {
        const refused = readBatch(body).map(readData).find((read) => 'code' in read);
        return refused && 'code' in refused ? `refused ${refused.code}` : 'read';
      },
    };
  },
};

function measure(read: () => Outcome): { ms: number; outcome: Outcome } {
  const times: number[] = [];
  let outcome: Outcome = '';
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    try {
      outcome = read();
    } catch (error) {
      outcome = outcomeOf(error);
    }
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, outcome };
}

const rows: { shape: string; reader: string; mib: string; msPerMib: string; outcome: Outcome }[] = [];
for (const [shape, build] of Object.entries(shapes)) {
  for (const [reader, prepare] of Object.entries(readers)) {
    const { body, read } = prepare(build);
    const mib = Buffer.byteLength(body) / MIB;
    const { ms, outcome } = measure(read);
    rows.push({ shape, reader, mib: mib.toFixed(2), msPerMib: (ms / mib).toFixed(1), outcome });
  }
}
console.table(rows);
