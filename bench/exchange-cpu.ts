/**
 * Micro-benchmark of the node CPU the exchange spends on each event of a batch outside storage: no database, no HTTP.
 * Not part of the test suite. Run (built): `node dist/bench/exchange-cpu.js` from the repository's root (it reads the
 * schema from standards/). BENCH_SECONDS sets each measurement's length (default 1), BENCH_RUNS how many are taken
 * (default 5; the median is printed), BENCH_JSON=1 adds one JSON line. BENCH_AGAINST=<the dist folder of a build of
 * another commit> measures that build's code too, in the same process, each stage alternately with this one's, and
 * prints the ratio: a before/after comparison that the machine's other load affects alike.
 *
 * One 100-event batch of air-quality readings, signed with Ed25519 by libs/dsse (as `npm run bench:exchange` sends),
 * goes through the gateway's stateless work, stage by stage, as submit-events.ts and stateless-checks.ts chain it:
 * - read: the body read strictly, each event's attributes and data found (read.ts readMessage, libs/dsse scanBatch);
 * - envelope: check 1 (read.ts checkEnvelope);
 * - decode: each `dssematerial` decoded (libs/dsse decodeMaterial);
 * - verify: the signature checked and the event digested against it (libs/dsse verifyDecoded);
 * - data: check 5's stateless half, the data read strictly and validated against its schema (standard-check.ts prepare);
 * - terms: check 6's walk of the data against the agreement's allowed pointers (allowed-fields.ts fieldsOutside);
 * - chain: all of them in a row, each fed by the one before.
 * It prints CPU microseconds per event (the process's user and system time, garbage collection included, since the
 * cores are shared), node:crypto's Ed25519 verification alone over the same messages (the floor) and the overhead
 * above it. BENCH_PROFILE=1 only loops on the chain, for `node --cpu-prof`.
 */
import { Buffer } from 'node:buffer';
import { createHash, createPublicKey, hash, type KeyObject, verify as cryptoVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import * as dsse from '#plaza/dsse';
import * as read from '../apps/registry/src/exchange/submit/read.js';
import * as allowedFields from '../apps/registry/src/exchange/submit/allowed-fields.js';
import * as standardCheck from '../apps/registry/src/exchange/submit/standard-check.js';
import type { ExchangeStandard, ExchangeVersion, RegistryReadModel } from '../apps/registry/src/exchange/registry-read-model.js';
import * as catalogue from '../apps/registry/src/standards/standards-catalogue.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const AGAINST = process.env.BENCH_AGAINST;
const BATCH = 100;
const TYPE = 'org.plaza.air-quality-observation';
const SCHEMA_URI = 'https://schemas.plaza.example/standards/air-quality-observation/1.1.0/schema.json';
const SCHEMA_FILE = resolve('standards', 'air-quality-observation', '1.1.0', 'schema.json');

/** The code measured: this build's, or another build's (BENCH_AGAINST), module by module. */
interface Code {
  dsse: typeof dsse;
  read: typeof read;
  allowedFields: typeof allowedFields;
  standardCheck: typeof standardCheck;
  catalogue: typeof catalogue;
}

async function load(dist: string): Promise<Code> {
  const from = <T>(path: string) => import(pathToFileURL(resolve(dist, path)).href) as Promise<T>;
  return {
    dsse: await from<typeof dsse>('libs/dsse/src/index.js'),
    read: await from<typeof read>('apps/registry/src/exchange/submit/read.js'),
    allowedFields: await from<typeof allowedFields>('apps/registry/src/exchange/submit/allowed-fields.js'),
    standardCheck: await from<typeof standardCheck>('apps/registry/src/exchange/submit/standard-check.js'),
    catalogue: await from<typeof catalogue>('apps/registry/src/standards/standards-catalogue.js'),
  };
}

// ---------------------------------------------------------------------------------------------
// The batch

const signer = dsse.generateSigningKey('Ed25519', 'bench-key');
const publicKey: KeyObject = createPublicKey({ key: signer.publicKey, format: 'jwk' });
const now = new Date();
const at = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const reading = (i: number) =>
  `{"specversion":"1.0","id":"reading-${i}","source":"urn:plaza:bench:sensor","type":"${TYPE}","time":"${at}",` +
  `"datacontenttype":"application/json","dataschema":"${SCHEMA_URI}",` +
  `"data":{"stationId":"station-1","observedAt":"${at}","location":{"type":"Point","coordinates":[-73.559,45.5048]},"pollutants":{"pm2_5":${(5 + (i % 300) / 10).toFixed(1)}}}}`;
const body = dsse.signBatch(`[${Array.from({ length: BATCH }, (_, i) => reading(i)).join(',')}]`, { keyid: signer.keyid, privateKey: signer.privateKey });
const rawHeaders = ['Content-Type', 'application/cloudevents-batch+json', 'Authorization', 'Bearer x'];
const bounds = { maxSkewSeconds: 300, maxAgeSeconds: 7 * 24 * 3600 };
const allowed = ['/stationId', '/observedAt', '/location', '/pollutants'];
const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const standards: ExchangeStandard[] = [{ id: 'air-quality-observation', ceType: TYPE }];
const versions: ExchangeVersion[] = [{ id: 'v-1-1-0', standardId: 'air-quality-observation', major: 1, schemaUri: SCHEMA_URI, status: 'published' }];
const resolveKey = (keyid: string) => (keyid === signer.keyid ? publicKey : undefined);

type Stage = [name: string, batch: () => unknown];

/** The stages as `code` runs them, each given the output of the one before, computed once here (so each is timed alone). */
async function stagesOf(code: Code): Promise<Stage[]> {
  // The read model is asked only for the schemas the catalogue does not hold yet: once.
  const readModel = { schemas: async () => new Map([[SCHEMA_URI, schema]]) } as unknown as RegistryReadModel;
  const check5 = new code.standardCheck.StandardCheck(readModel, new code.catalogue.StandardsCatalogue());
  const readOnce = () => {
    const got = code.read.readMessage({ rawHeaders, body });
    if (!('events' in got) || got.events.length !== BATCH) throw new Error('the batch did not read');
    return got.events;
  };
  const envelope = (events: read.ReceivedEvent[]) => events.map((e) => code.read.checkEnvelope(e, now, bounds)).filter((e): e is read.EnvelopedEvent => !('code' in e));
  const decode = (events: read.EnvelopedEvent[]) => events.map((e) => code.dsse.decodeMaterial(e.attributes.dssematerial));
  const verify = async (events: read.EnvelopedEvent[], materials: dsse.DecodedMaterial[]) => {
    for (let i = 0; i < events.length; i++) {
      const result = await code.dsse.verifyDecoded(events[i]!, materials[i]!, resolveKey);
      if (!result.ok) throw new Error(`event ${i} did not verify: ${result.code}`);
    }
  };
  const data = async (events: read.EnvelopedEvent[]) =>
    (await check5.prepare(events, standards, versions)).map((f) => {
      if (!('version' in f) || 'code' in f.data) throw new Error('check 5 refused an event');
      return f.data.value;
    });
  const terms = (values: unknown[]) => values.map((value) => code.allowedFields.fieldsOutside(value, allowed));

  const received = readOnce();
  const enveloped = envelope(received);
  if (enveloped.length !== BATCH) throw new Error('check 1 refused an event');
  const materials = decode(enveloped);
  const values = await data(enveloped);
  return [
    ['read (readMessage)', readOnce],
    ['envelope (checkEnvelope)', () => envelope(received)],
    ['decode (decodeMaterial)', () => decode(enveloped)],
    ['verify (verifyDecoded)', () => verify(enveloped, materials)],
    ['data (StandardCheck.prepare)', () => data(enveloped)],
    ['terms (fieldsOutside)', () => terms(values)],
    ['chain (all of the above in a row)', async () => {
      const checked = envelope(readOnce());
      await verify(checked, decode(checked));
      terms(await data(checked));
    }],
  ];
}

/** Ed25519 verification alone, node:crypto over the same messages and signatures: the floor of the verify stage. */
function verificationAlone(): Stage {
  const materials = read.readBatch(body).map((e) => dsse.decodeMaterial(e.attributes.dssematerial));
  const messages = materials.map((m) => {
    const type = Buffer.from(m.payloadType);
    return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${m.payload.length} `), m.payload]);
  });
  const signatures = materials.map((m) => Buffer.from(m.signatures[0]!.sig, 'base64'));
  return ['Ed25519 verification alone (node:crypto)', () => {
    for (let i = 0; i < BATCH; i++) if (!cryptoVerify(null, messages[i]!, publicKey, signatures[i]!)) throw new Error('bad signature');
  }];
}

// ---------------------------------------------------------------------------------------------
// Timing

/** One run: CPU microseconds per event of `batch` (which handles BATCH events) over SECONDS. */
async function run(batch: () => unknown): Promise<number> {
  let batches = 0;
  const wall = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() - wall < SECONDS * 1000) {
    await batch();
    batches++;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / (batches * BATCH);
}

async function warm(batch: () => unknown): Promise<void> {
  for (let start = performance.now(); performance.now() - start < 200; ) await batch();
}

/** The median of RUNS runs of each batch, the runs of the batches interleaved. */
async function medians(...batches: (() => unknown)[]): Promise<number[]> {
  for (const batch of batches) await warm(batch);
  const runs = batches.map((): number[] => []);
  for (let r = 0; r < RUNS; r++) for (const [i, batch] of batches.entries()) runs[i]!.push(await run(batch));
  return runs.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!);
}

const results: Record<string, number | number[]> = {};
const us = (value: number) => value.toFixed(2).padStart(9);
const current = await stagesOf({ dsse, read, allowedFields, standardCheck, catalogue });

if (process.env.BENCH_PROFILE === '1') {
  const [chain] = await medians(current[current.length - 1]![1]);
  console.log(`the chain: ${chain!.toFixed(2)} µs/event`);
  process.exit(0);
}

console.log(`exchange-cpu: a ${BATCH}-event batch (${body.length} bytes), Node ${process.version}; CPU µs per event, median of ${RUNS} x ${SECONDS} s`);
const stages = current.slice(0, -1);
const [chainName, chainBatch] = current[current.length - 1]!;
const [floorName, floorBatch] = verificationAlone();
const above = 'the chain above verification alone';
// The chain is measured with the verification alone interleaved, so that the overhead above it compares like with like.
if (AGAINST) {
  const other = await stagesOf(await load(AGAINST));
  const row = (name: string, before: number, after: number) => {
    results[name] = [before, after];
    console.log(`${name.padEnd(44)} ${us(before)} ${us(after)}  ${(before / after).toFixed(2)}`);
  };
  console.log(`${'stage'.padEnd(44)} ${'against'.padStart(9)} ${'this'.padStart(9)}  ratio (against / this)`);
  for (const [i, [name, batch]] of stages.entries()) {
    const [before, after] = await medians(other[i]![1], batch);
    row(name, before!, after!);
  }
  const [before, after, floor] = await medians(other[other.length - 1]![1], chainBatch, floorBatch);
  row(chainName, before!, after!);
  results[floorName] = floor!;
  console.log(`${floorName.padEnd(44)} ${us(floor!)}`);
  row(above, before! - floor!, after! - floor!);
} else {
  for (const [name, batch] of stages) {
    const [cost] = await medians(batch);
    results[name] = cost!;
    console.log(`${name.padEnd(44)} ${us(cost!)}`);
  }
  const [chain, floor] = await medians(chainBatch, floorBatch);
  results[chainName] = chain!;
  results[floorName] = floor!;
  results[above] = chain! - floor!;
  for (const name of [chainName, floorName, above]) console.log(`${name.padEnd(44)} ${us(results[name] as number)}`);
}

// Ways of doing one thing, side by side in the same run on the same inputs: the first as it was (or is, in files this
// benchmark does not cover), the second the cheaper one.
console.log(`\n${'side by side'.padEnd(44)} ${'first'.padStart(9)} ${'second'.padStart(9)}  ratio (first / second)`);
const ids = Array.from({ length: BATCH }, (_, i) => `reading-${i}`);
const events = read.readBatch(body).map((e) => read.checkEnvelope(e, now, bounds)).filter((e): e is read.EnvelopedEvent => !('code' in e));
const digest = Buffer.alloc(32);
const who = { organisationId: 'o', apiKeyId: 'k', mode: 'batch', receivedAt: now };
const outcomes = events.map((e, index) => ({ index, status: 'accepted', source: e.source, id: e.id, sequence: String(index), receivedAt: now }) as Record<string, unknown>);
const rejections = events.map((e, index) => ({
  receivedAt: now, mode: 'batch', index, source: e.source, id: e.id, type: e.type, keyid: null, signatureVerified: false, code: 'exchange.x', check: 'signature', detail: 'd', errors: null,
}));
const sideBySide: [string, () => unknown, () => unknown][] = [
  ['sha256 of an id: createHash, crypto.hash', () => ids.map((s) => createHash('sha256').update(s).digest()), () => ids.map((s) => hash('sha256', s, 'buffer'))],
  // stateless-checks.ts, a signed event
  ['{...event, 4 more}, spelled out', () => events.map((e) => ({ ...e, keyid: 'k', coreDigest: digest, extDigest: null, dssematerial: e.attributes.dssematerial })),
    () => events.map((e) => ({
      index: e.index, attributes: e.attributes, data: e.data, dataEncoding: e.dataEncoding, received: e.received, headers: e.headers, source: e.source, id: e.id,
      type: e.type, timeText: e.timeText, time: e.time, keyid: 'k', coreDigest: digest, extDigest: null, dssematerial: e.attributes.dssematerial,
    }))],
  // once-and-store.ts, a stored row
  ['{...who, 14 more}, spelled out', () => events.map((e) => ({
    ...who, sourceId: 's', source: e.source, id: e.id, type: e.type, timeText: e.timeText, time: e.time, keyid: 'k', standardVersionId: 'v',
    coreDigest: digest, extDigest: null, dssematerial: 'm', received: e.received, headers: e.headers ?? null,
  })), () => events.map((e) => ({
    organisationId: who.organisationId, apiKeyId: who.apiKeyId, mode: who.mode, receivedAt: who.receivedAt, sourceId: 's', source: e.source, id: e.id, type: e.type,
    timeText: e.timeText, time: e.time, keyid: 'k', standardVersionId: 'v', coreDigest: digest, extDigest: null, dssematerial: 'm', received: e.received, headers: e.headers ?? null,
  }))],
  // once-and-store.ts, a rejection attributed to its submitter
  ['{...rejection, ...who}, spelled out', () => rejections.map((r) => ({ ...r, ...who })), () => rejections.map((r) => ({
    receivedAt: r.receivedAt, mode: r.mode, index: r.index, source: r.source, id: r.id, type: r.type, keyid: r.keyid, signatureVerified: r.signatureVerified,
    code: r.code, check: r.check, detail: r.detail, errors: r.errors, organisationId: who.organisationId, apiKeyId: who.apiKeyId,
  }))],
  // exchange-answers.ts, a batch's result
  ['a result by conditional spreads, spelled out', () => outcomes.map((o) => ({
    index: o.index, ...({ status: o.status, ...(o.source !== undefined ? { source: o.source } : {}), ...(o.id !== undefined ? { id: o.id } : {}),
      ...(o.sequence !== undefined ? { sequence: o.sequence } : {}), ...(o.receivedAt ? { receivedAt: (o.receivedAt as Date).toISOString() } : {}) }),
    ...(o.refusal ? { code: 'x' } : {}),
  })), () => outcomes.map((o) => {
    const result: Record<string, unknown> = { index: o.index, status: o.status };
    if (o.source !== undefined) result.source = o.source;
    if (o.id !== undefined) result.id = o.id;
    if (o.sequence !== undefined) result.sequence = o.sequence;
    if (o.receivedAt) result.receivedAt = (o.receivedAt as Date).toISOString();
    return result;
  })],
];
for (const [name, first, second] of sideBySide) {
  const [a, b] = await medians(first, second);
  results[name] = [a!, b!];
  console.log(`${name.padEnd(44)} ${us(a!)} ${us(b!)}  ${(a! / b!).toFixed(1)}`);
}

if (process.env.BENCH_JSON === '1') console.log(JSON.stringify(results));
