import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { JWK } from 'jose';
import { DataSource } from 'typeorm';
import { type PublicKeys, scanBatch, verifyBinary, verifyStructured } from '#plaza/dsse';
import { BATCH, binaryReading, exchangeScenario, type ExchangeScenario, post, reading, signed, signedBatch, STRUCTURED } from './support/exchange-fixtures.js';
import { describeOnServer, startTestApp, type TestApp } from './support/test-app.js';
import { until } from './support/wait.js';

const NATS_URL = 'nats://127.0.0.1:4222';
/** Generous: other suites share the cores. Only an upper bound on waiting, never a figure the test asserts. */
const DEADLINE_MS = 30_000;

// Without a NATS server the suite is skipped on a workstation, and fails in CI (which provides one).
const nats: NatsConnection | null = await connect({ servers: NATS_URL, timeout: 1_000 }).catch(() => null);
if (!nats && process.env.CI) throw new Error(`NATS is not reachable at ${NATS_URL}, and CI must run the broker tests`);
if (!nats) console.log('NATS not reachable at 127.0.0.1:4222: the broker tests were skipped');
const describeWithNats = nats ? describe : describe.skip;

/** A stream, its subjects' prefix and the settings a registry publishing to them starts with: unique to this run. */
function brokerSetting(tag: string) {
  const run = `${tag}${process.pid.toString(36)}${Date.now().toString(36)}`;
  const stream = `PLAZA_TEST_${run}`;
  const prefix = `plaza.test.${run}`;
  return { stream, prefix, env: { PLAZA_NATS_URL: NATS_URL, PLAZA_NATS_STREAM: stream, PLAZA_NATS_SUBJECT_PREFIX: prefix, PLAZA_DELIVERY_POLL_MS: '50' } };
}

interface Seen {
  data: Buffer;
  headers: MsgHdrs;
}

const msgId = (m: Seen) => m.headers.get('Nats-Msg-Id');
const count = (messages: Seen[], id: string) => messages.filter((m) => msgId(m) === id).length;

/** Every message published on a subject, duplicates JetStream dropped included (a core subscription sees them all). */
function watch(subject: string): Seen[] {
  const seen: Seen[] = [];
  nats!.subscribe(subject, {
    callback: (error, m) => {
      if (!error) seen.push({ data: Buffer.from(m.data), headers: m.headers! });
    },
  });
  return seen;
}

/** What the stream keeps on a subject, in order. */
async function kept(js: JetStreamClient, manager: JetStreamManager, stream: string, subject: string): Promise<Seen[]> {
  const total = (await manager.streams.info(stream, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
  if (total === 0) return [];
  const consumer = await js.consumers.get(stream, { filter_subjects: subject });
  const messages: Seen[] = [];
  for await (const m of await consumer.fetch({ max_messages: total, expires: 5_000 })) messages.push({ data: Buffer.from(m.data), headers: m.headers! });
  return messages;
}

/** The producer's public keys, as any consumer fetches them. */
async function jwks(t: TestApp, slug: string): Promise<PublicKeys> {
  const keys = (await t.http.get(`/api/v1/organisations/${slug}/jwks.json`).expect(200)).body.keys as JWK[];
  return new Map(keys.map((k) => [k.kid!, k]));
}

/** The ce-* and Content-Type headers of a message, sorted. */
const cloudEventHeaders = (h: MsgHdrs) =>
  h.keys().filter((name) => name.startsWith('ce-') || name === 'content-type').map((name) => [name, h.get(name)]).sort();

describeWithNats('the broker publishes accepted events to NATS JetStream', () => {
  const { stream, prefix, env } = brokerSetting('b');
  let dataDir: string;
  let t: TestApp;
  let s: ExchangeScenario;
  let js: JetStreamClient;
  let manager: JetStreamManager;
  let subject: string;
  let seen: Seen[];
  /** Another registry on the same data (embedded: the same folder; server: the same database), as a restart would. */
  const restart = async (settings: Record<string, string> = {}) => {
    await t.close();
    t = await startTestApp({ ...env, PLAZA_DATA_DIR: dataDir, ...settings });
  };
  const stored = () => kept(js, manager, stream, subject);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'plaza-broker-'));
    t = await startTestApp({ ...env, PLAZA_DATA_DIR: dataDir });
    s = await exchangeScenario(t);
    [js, manager] = [jetstream(nats!), await jetstreamManager(nats!)];
    subject = `${prefix}.${s.sourceId}`;
    seen = watch(subject);
  });
  afterAll(async () => {
    await t?.close();
    await manager?.streams.delete(stream).catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes the stream on <prefix>.> and publishes a structured event on <prefix>.<source id> with the bytes submitted, its signature verifying with the JWKS', async () => {
    const body = signed(reading(s.source, 'st-1'), s.vendorKey);
    await post(t, s.vendor.adminKey, STRUCTURED, body).expect(201);
    const message = await until('the structured event in the stream', async () => (await stored()).find((m) => msgId(m) === `${s.source} st-1`), DEADLINE_MS);
    expect((await manager.streams.info(stream)).config.subjects).toEqual([`${prefix}.>`]);
    expect(message.data.equals(body)).toBe(true);
    expect(message.headers.get('content-type')).toBe('application/cloudevents+json');
    expect(message.headers.get('plaza-sequence')).toMatch(/^\d+$/);
    expect(new Date(message.headers.get('plaza-received-at')).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const verified = await verifyStructured(message.data, await jwks(t, s.vendor.slug));
    expect(verified).toMatchObject({ ok: true, keyid: s.vendorKey.keyid });
  });

  it('publishes each event of a batch as its own structured message, with the event object exactly as submitted', async () => {
    const body = signedBatch([reading(s.source, 'batch-1'), reading(s.source, 'batch-2')], s.vendorKey);
    await post(t, s.vendor.adminKey, BATCH, body).expect(200);
    const objects = scanBatch(body).map((event) => body.subarray(event.range.start, event.range.end));
    const messages = await until('both events of the batch', async () => {
      const found = ['batch-1', 'batch-2'].map((id) => seen.find((m) => msgId(m) === `${s.source} ${id}`));
      return found.every(Boolean) ? (found as Seen[]) : undefined;
    }, DEADLINE_MS);
    expect(messages.map((m) => m.data.toString())).toEqual(objects.map((o) => o.toString()));
    for (const m of messages) expect(m.headers.get('content-type')).toBe('application/cloudevents+json');
  });

  it('publishes a binary event with its body as data and every ce-* and Content-Type header it was sent with, its signature verifying', async () => {
    const { headers, body } = binaryReading(s.source, 'bin-1', s.vendorKey);
    await post(t, s.vendor.adminKey, headers['content-type']!, body, headers).expect(201);
    const message = await until('the binary event', () => seen.find((m) => msgId(m) === `${s.source} bin-1`), DEADLINE_MS);
    expect(message.data.equals(body)).toBe(true);
    expect(cloudEventHeaders(message.headers)).toEqual(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]).sort());
    const pairs = message.headers.keys().map((name) => [name, message.headers.get(name)] as [string, string]);
    expect(await verifyBinary(pairs, message.data, await jwks(t, s.vendor.slug))).toMatchObject({ ok: true, keyid: s.vendorKey.keyid });
  });

  it('after restarts, loses nothing and keeps each event once: a republish from an older cursor is dropped by the message id', async () => {
    const cursor = async () =>
      ((await t.app.get(DataSource).query('SELECT position_xid::text AS xid, position_sequence::text AS sequence FROM exchange_broker_cursors WHERE name = $1', [stream])) as { xid: string; sequence: string }[])[0]!;
    const from = await cursor();
    const ids = ['r-1', 'r-2', 'r-3', 'r-4', 'r-5', 'r-6', 'r-7', 'r-8'].map((id) => `${s.source} ${id}`);
    const submit = (id: string) => post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, id.split(' ')[1]!), s.vendorKey)).expect(201);
    for (const id of ids.slice(0, 5)) await submit(id);
    await until('the first five published', () => ids.slice(0, 5).every((id) => count(seen, id) === 1), DEADLINE_MS);
    // Submitted just before shutdown: published by this registry or, if not yet, by the next.
    for (const id of ids.slice(5)) await submit(id);
    await restart();
    await until('every event in the stream after the restart', async () => ids.every((id) => count(seen, id) >= 1), DEADLINE_MS);

    // As if a registry had crashed after publishing and before moving the cursor: the next one starts further back.
    await restart({ PLAZA_DELIVERY_POLL_MS: '0' });
    await t.app.get(DataSource).query('UPDATE exchange_broker_cursors SET position_xid = $2, position_sequence = $3 WHERE name = $1', [stream, from.xid, from.sequence]);
    await restart();
    await until('the first five published again', () => ids.slice(0, 5).every((id) => count(seen, id) === 2), DEADLINE_MS);
    await until('the rest published again', () => ids.slice(5).every((id) => count(seen, id) >= 2), DEADLINE_MS);

    const inStream = (await stored()).map(msgId);
    for (const id of ids) expect(inStream.filter((m) => m === id)).toHaveLength(1);
  }, 180_000);

  describeOnServer('with two registries on one database', () => {
    const second = brokerSetting('l');
    let one: TestApp;
    let two: TestApp;

    beforeAll(async () => {
      [one, two] = [await startTestApp(second.env), await startTestApp(second.env)];
    });
    afterAll(async () => {
      await one?.close();
      await two?.close();
      await manager?.streams.delete(second.stream).catch(() => undefined);
    });

    it('publishes each event once: only the holder of the lease publishes', async () => {
      const scene = await exchangeScenario(one);
      const published = watch(`${second.prefix}.${scene.sourceId}`);
      const ids = Array.from({ length: 20 }, (_, i) => `lease-${i}`);
      for (const [i, id] of ids.entries()) await post(i % 2 ? two : one, scene.vendor.adminKey, STRUCTURED, signed(reading(scene.source, id), scene.vendorKey)).expect(201);
      await until('every event published', () => ids.every((id) => count(published, `${scene.source} ${id}`) >= 1), DEADLINE_MS);
      // Both registries poll every 50 ms: a second publisher would have published everything again by now.
      await sleep(1_000);
      expect(published.map(msgId).sort()).toEqual(ids.map((id) => `${scene.source} ${id}`).sort());
    }, 120_000);
  });
});

afterAll(() => nats?.drain());
