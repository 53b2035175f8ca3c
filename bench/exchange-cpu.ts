/**
 * Micro-benchmark of the node CPU the exchange spends on each event of a batch outside storage: no database, no HTTP.
 * Not part of the test suite. Run (built): `node dist/bench/exchange-cpu.js`; BENCH_SECONDS sets each measurement's
 * length (default 1), BENCH_RUNS how many are taken (default 5, the median is printed), BENCH_JSON=1 adds one JSON line.
 *
 * One 100-event batch of air-quality readings, signed with Ed25519 by libs/dsse (as `npm run bench:exchange` sends),
 * goes through the gateway's stateless work, stage by stage, as submit-events.ts and stateless-checks.ts chain it:
 * - read: the body read strictly, each event's attributes and data found (read.ts readMessage, libs/dsse scanBatch);
 * - envelope: check 1 (read.ts checkEnvelope);
 * - decode: each `dssematerial` decoded (libs/dsse decodeMaterial);
 * - verify: the signature checked and the event digested against it (libs/dsse verifyDecoded);
 * - data: check 5's stateless half, the data read strictly and validated against its schema (standard-check.ts prepare);
 * - terms: check 6's walk of the data against the agreement's allowed pointers (allowed-fields.ts fieldsOutside).
 * It prints CPU microseconds per event for each stage, their sum, node:crypto's Ed25519 verification alone over the same
 * messages (the floor the sum cannot go below) and the overhead above it. A second table compares primitives side by
 * side in the same run (the way a digest is taken, the way the material is decoded).
 */
import { Buffer } from 'node:buffer';
import { createHash, hash, type KeyObject, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeMaterial, generateSigningKey, SCHEME_VERSION, signBatch, verifyDecoded } from '#plaza/dsse';
import { checkEnvelope, type EnvelopedEvent, readMessage, type ReceivedEvent } from '../apps/registry/src/exchange/submit/read.js';
import { fieldsOutside } from '../apps/registry/src/exchange/submit/allowed-fields.js';
import { StandardCheck } from '../apps/registry/src/exchange/submit/standard-check.js';
import type { ExchangeStandard, ExchangeVersion, RegistryReadModel } from '../apps/registry/src/exchange/registry-read-model.js';
import { StandardsCatalogue } from '../apps/registry/src/standards/standards-catalogue.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BATCH = 100;
const TYPE = 'org.plaza.air-quality-observation';
const SCHEMA_URI = 'https://schemas.plaza.example/standards/air-quality-observation/1.1.0/schema.json';
/** Run from dist/bench (or a copy's dist): the standards folder of the source tree, found from the working directory. */
const SCHEMA_FILE = resolve(process.env.BENCH_STANDARDS ?? 'standards', 'air-quality-observation', '1.1.0', 'schema.json');

// ---------------------------------------------------------------------------------------------
// The batch

const signer = generateSigningKey('Ed25519', 'bench-key');
const publicKey: KeyObject = createPublicKey({ key: signer.publicKey, format: 'jwk' });
const now = new Date();
const at = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const reading = (i: number) =>
  `{"specversion":"1.0","id":"reading-${i}","source":"urn:plaza:bench:sensor","type":"${TYPE}","time":"${at}",` +
  `"datacontenttype":"application/json","dataschema":"${SCHEMA_URI}",` +
  `"data":{"stationId":"station-1","observedAt":"${at}","location":{"type":"Point","coordinates":[-73.559,45.5048]},"pollutants":{"pm2_5":${(5 + (i % 300) / 10).toFixed(1)}}}}`;
const body = signBatch(`[${Array.from({ length: BATCH }, (_, i) => reading(i)).join(',')}]`, { keyid: signer.keyid, privateKey: signer.privateKey });
const rawHeaders = ['Content-Type', 'application/cloudevents-batch+json', 'Authorization', 'Bearer x'];
const bounds = { maxSkewSeconds: 300, maxAgeSeconds: 7 * 24 * 3600 };
const allowed = ['/stationId', '/observedAt', '/location', '/pollutants'];

const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const standards: ExchangeStandard[] = [{ id: 'air-quality-observation', ceType: TYPE }];
const versions: ExchangeVersion[] = [{ id: 'v-1-1-0', standardId: 'air-quality-observation', major: 1, schemaUri: SCHEMA_URI, status: 'published' }];
// The read model is asked only for schemas the catalogue does not hold yet: once.
const readModel = { schemas: async () => new Map([[SCHEMA_URI, schema]]) } as unknown as RegistryReadModel;
const standardCheck = new StandardCheck(readModel, new StandardsCatalogue());

// Each stage's input, computed once by the stage before (so a stage is timed alone).
const read = readMessage({ rawHeaders, body });
if (!('events' in read) || read.events.length !== BATCH) throw new Error('the batch did not read');
const received: ReceivedEvent[] = read.events;
const enveloped = received.map((e) => checkEnvelope(e, now, bounds)).filter((e): e is EnvelopedEvent => !('code' in e));
if (enveloped.length !== BATCH) throw new Error('check 1 refused an event');
const materials = enveloped.map((e) => decodeMaterial(e.attributes.dssematerial));
const resolveKey = (keyid: string) => (keyid === signer.keyid ? publicKey : undefined);
const messages = materials.map((m) => paeOf(m.payloadType, m.payload));
const signatures = materials.map((m) => Buffer.from(m.signatures[0]!.sig, 'base64'));
const datas = (await standardCheck.prepare(enveloped, standards, versions)).map((f) => ('version' in f && !('code' in f.data) ? f.data.value : null));
if (datas.some((d) => d === null)) throw new Error('check 5 refused an event');

function paeOf(type: string, payload: Uint8Array): Buffer {
  const t = Buffer.from(type);
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), payload]);
}

// ---------------------------------------------------------------------------------------------
// Timing

/**
 * CPU microseconds (the process's user and system time, garbage collection included) per event of `batch` (which
 * handles BATCH events), the median of RUNS runs of SECONDS each. CPU time rather than wall time, since the cores
 * are shared with whatever else runs.
 */
async function perEvent(batch: () => unknown): Promise<number> {
  const runs: number[] = [];
  for (let warm = performance.now(); performance.now() - warm < 200; ) await batch();
  for (let r = 0; r < RUNS; r++) {
    let batches = 0;
    const wall = performance.now();
    const cpu = process.cpuUsage();
    while (performance.now() - wall < SECONDS * 1000) {
      await batch();
      batches++;
    }
    const used = process.cpuUsage(cpu);
    runs.push((used.user + used.system) / (batches * BATCH));
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)]!;
}

const stages: [string, () => unknown][] = [
  ['read (readMessage)', () => readMessage({ rawHeaders, body })],
  ['envelope (checkEnvelope)', () => received.map((e) => checkEnvelope(e, now, bounds))],
  ['decode (decodeMaterial)', () => enveloped.map((e) => decodeMaterial(e.attributes.dssematerial))],
  ['verify (verifyDecoded)', async () => {
    for (let i = 0; i < BATCH; i++) {
      const result = await verifyDecoded(enveloped[i]!, materials[i]!, resolveKey);
      if (!result.ok) throw new Error(`event ${i} did not verify: ${result.code}`);
    }
  }],
  ['data (StandardCheck.prepare)', () => standardCheck.prepare(enveloped, standards, versions)],
  ['terms (fieldsOutside)', () => datas.map((d) => fieldsOutside(d, allowed))],
];

/** The whole chain on one batch, each stage fed by the one before, as the gateway runs it (BENCH_PROFILE=1 loops on it alone, for --cpu-prof). */
async function chain(): Promise<void> {
  const got = readMessage({ rawHeaders, body });
  if (!('events' in got)) throw new Error('the batch did not read');
  const checked = got.events.map((e) => checkEnvelope(e, now, bounds)).filter((e): e is EnvelopedEvent => !('code' in e));
  const decoded = checked.map((e) => decodeMaterial(e.attributes.dssematerial));
  for (let i = 0; i < checked.length; i++) if (!(await verifyDecoded(checked[i]!, decoded[i]!, resolveKey)).ok) throw new Error('not verified');
  const findings = await standardCheck.prepare(checked, standards, versions);
  for (const f of findings) if ('version' in f && !('code' in f.data)) fieldsOutside(f.data.value, allowed);
}
if (process.env.BENCH_PROFILE === '1') {
  console.log(`the whole chain: ${(await perEvent(chain)).toFixed(2)} µs/event`);
  process.exit(0);
}

const results: Record<string, number> = {};
const row = (name: string, us: number, note = '') => console.log(`${name.padEnd(44)} ${us.toFixed(2).padStart(9)} µs/event${note ? `  ${note}` : ''}`);
console.log(`exchange-cpu: ${BATCH}-event batch (${body.length} bytes), Node ${process.version}, ${SCHEME_VERSION.split('@')[0]}; median of ${RUNS} x ${SECONDS} s`);
let sum = 0;
for (const [name, batch] of stages) {
  const us = await perEvent(batch);
  results[name] = us;
  sum += us;
  row(name, us);
}
const floor = await perEvent(() => {
  for (let i = 0; i < BATCH; i++) if (!cryptoVerify(null, messages[i]!, publicKey, signatures[i]!)) throw new Error('bad signature');
});
results['sum'] = sum;
results['ed25519 verify alone'] = floor;
results['overhead'] = sum - floor;
row('sum of the stages', sum);
row('Ed25519 verification alone (node:crypto)', floor);
row('overhead above verification', sum - floor, `(${((sum - floor) / sum * 100).toFixed(0)}% of the sum)`);

// ---------------------------------------------------------------------------------------------
// Primitives side by side (same run, same inputs)

console.log('\nside by side (ratio = first / second; above 1, the second is faster)');
const ids = enveloped.map((e) => e.id);
const pair = async (name: string, first: () => unknown, second: () => unknown) => {
  const a = await perEvent(first);
  const b = await perEvent(second);
  results[`${name}: first`] = a;
  results[`${name}: second`] = b;
  console.log(`${name.padEnd(60)} ${a.toFixed(3).padStart(8)} vs ${b.toFixed(3).padStart(8)} µs/event  ratio ${(a / b).toFixed(2)}`);
};
await pair('sha256 of an id: createHash vs crypto.hash', () => ids.map((s) => createHash('sha256').update(s).digest()), () => ids.map((s) => hash('sha256', s, 'buffer')));
await pair('sha256 of data: createHash vs crypto.hash', () => enveloped.map((e) => createHash('sha256').update(e.data).digest()), () => enveloped.map((e) => hash('sha256', e.data, 'buffer')));

if (process.env.BENCH_JSON === '1') console.log(JSON.stringify(results));
