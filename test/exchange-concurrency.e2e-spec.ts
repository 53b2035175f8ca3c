import pg from 'pg';
import { DataSource } from 'typeorm';
import { bearer } from './support/fixtures.js';
import { BATCH, exchangeScenario, type ExchangeScenario, post, reading, registerDsseKey, signed, signedBatch, STRUCTURED } from './support/exchange-fixtures.js';
import { describeOnServer, startTestApp, type TestApp } from './support/test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What the exchange promises under concurrency, on a PostgreSQL server (PGlite runs one transaction at a time, so
 * these would pass there trivially): one row for many identical submissions, checks atomic with the insert, and a
 * feed cursor that never skips an event whose transaction commits late.
 */
describeOnServer('the exchange under concurrent transactions', () => {
  let t: TestApp;
  let s: ExchangeScenario;
  let other: pg.Client;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000', PLAZA_DB_POOL_SIZE: '20' });
    s = await exchangeScenario(t);
    other = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await t?.close();
  });

  const rowsFor = async (id: string) =>
    ((await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM exchange_events WHERE ce_source = $1 AND ce_id = $2', [s.source, id])) as { n: number }[])[0]!.n;

  /** The id of `other`'s open transaction, as pg_locks shows it, and a wait until some backend queues behind it. */
  const openTransaction = async () => {
    await other.query('BEGIN');
    const { rows } = await other.query("SELECT (pg_current_xact_id()::text::bigint % 4294967296)::text AS xid");
    const xid = (rows[0] as { xid: string }).xid;
    return {
      async waitForWaiters(count: number) {
        for (let i = 0; i < 200; i++) {
          const [row] = (await t.app.get(DataSource).query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'transactionid' AND transactionid::text = $1 AND NOT granted", [xid])) as { n: number }[];
          if (row!.n >= count) return;
          await sleep(25);
        }
        throw new Error(`no ${count} transaction(s) queued behind ${xid}`);
      },
    };
  };

  it('stores exactly one row for 50 concurrent submissions of one event, each signed anew, and gives all the same answer', async () => {
    const key = await registerDsseKey(t, s.vendor, 'ES256');
    const text = reading(s.source, 'fifty');
    // ECDSA signatures are randomised: 50 different signatures over the same content.
    const bodies = Array.from({ length: 50 }, () => signed(text, key));
    expect(new Set(bodies.map((b) => b.toString())).size).toBe(50);
    const answers = await Promise.all(bodies.map((body) => post(t, s.vendor.adminKey, STRUCTURED, body)));
    expect(answers.map((a) => a.status).sort()).toEqual([...Array(49).fill(200), 201]);
    expect(new Set(answers.map((a) => `${a.body.sequence} ${a.body.receivedAt}`)).size).toBe(1);
    expect(answers.filter((a) => a.body.status === 'duplicate')).toHaveLength(49);
    expect(await rowsFor('fifty')).toBe(1);
  });

  it('refuses an event whose key is revoked by a transaction that commits while the event waits, and stores nothing', async () => {
    const key = await registerDsseKey(t, s.vendor);
    const tx = await openTransaction();
    await other.query("UPDATE signing_keys SET revoked_at = clock_timestamp(), revocation_reason = 'key-compromise' WHERE kid = $1", [key.keyid]);
    // Signed and verified before the revocation commits: the check that counts is the one under the lock.
    const pending = post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'during-revocation'), key)).then((res) => res);
    await tx.waitForWaiters(1);
    await other.query('COMMIT');
    const res = await pending;
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: 'exchange.key_revoked' });
    expect(await rowsFor('during-revocation')).toBe(0);
  });

  it('refuses an event under an agreement suspended by a transaction that commits while the event waits', async () => {
    const tx = await openTransaction();
    // What suspending does to the rows: the agreement locked, its active version suspended with a dated step.
    await other.query('SELECT id FROM agreements WHERE id = $1 FOR UPDATE', [s.agreementId]);
    await other.query(
      `UPDATE agreement_versions SET status = 'suspended', status_reason = 'test', status_changed_at = clock_timestamp(),
              history = history || jsonb_build_array(jsonb_build_object('status', 'suspended', 'at', to_json(clock_timestamp()) #>> '{}', 'reason', 'test'))
        WHERE agreement_id = $1 AND status = 'active'`,
      [s.agreementId],
    );
    const pending = post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'during-suspension'), s.vendorKey)).then((res) => res);
    await tx.waitForWaiters(1);
    await other.query('COMMIT');
    const res = await pending;
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'exchange.no_active_agreement' });
    expect(await rowsFor('during-suspension')).toBe(0);
    await t.http.post(`/api/v1/agreements/${s.agreementId}/resume`).set(bearer(s.city.adminKey)).send({}).expect(200);
    await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'after-resumption'), s.vendorKey)).expect(201);
  });

  it('never lets the feed cursor pass an event whose transaction inserted first and commits last', async () => {
    const feed = async (cursor?: string) =>
      (await t.http.get('/api/v1/exchange/events').set(bearer(s.city.adminKey)).query({ source: s.source, limit: 1000, ...(cursor ? { cursor } : {}) }).expect(200)).body as {
        items: { id: string; sequence: string }[]; pollCursor: string;
      };
    const start = (await feed()).pollCursor;

    // Transaction A inserts 'a-late', then waits (on the identity 'z-block', claimed by another open transaction) before committing.
    const tx = await openTransaction();
    await other.query(
      `INSERT INTO exchange_event_identities (ce_source, ce_id, sequence, core_digest, received_at)
       VALUES ($1, 'z-block', nextval('exchange_events_sequence'), decode(repeat('00', 32), 'hex'), now())`,
      [s.source],
    );
    const late = post(t, s.vendor.adminKey, BATCH, signedBatch([reading(s.source, 'a-late'), reading(s.source, 'z-block')], s.vendorKey)).then((res) => res);
    await tx.waitForWaiters(1);

    // Transaction B inserts after A (a higher sequence) and commits first.
    const early = await post(t, s.vendor.adminKey, STRUCTURED, signed(reading(s.source, 'm-early'), s.vendorKey)).expect(201);
    const whileOpen = await feed(start);
    expect(whileOpen.items.map((i) => i.id)).not.toContain('m-early');

    await other.query('ROLLBACK');
    const batch = await late;
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
    const aLate = batch.body.results[0].sequence as string;
    expect(BigInt(aLate)).toBeLessThan(BigInt(early.body.sequence));

    // From where the reader was, nothing is missing: A's events, then B's.
    const after = await feed(whileOpen.pollCursor);
    expect(after.items.map((i) => i.id)).toEqual(['a-late', 'z-block', 'm-early']);
  });
});
