/**
 * Plaza asks witnesses to cosign its checkpoints (tlog-witness, the log's side), over real HTTP: small real witnesses
 * on 127.0.0.1 (test/support/test-witness.ts) with real Ed25519 cosignatures, the registry's guarded outbound client,
 * on the embedded database and on the server (a database of its own: the log must be this suite's alone).
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MerkleTree, TreeHasher, tilePath } from '#plaza/merkle';
import {
  cosignatureVerifierFromKey, cosigner, ed25519Signer, formatAddCheckpointRequest, formatCheckpoint, noteVerifierFromKey, parseNote, signNote, TREE_SIZE_CONTENT_TYPE, verifyNote,
} from '#plaza/note';
import { plaza } from './support/cli-process.js';
import { createOrganisation } from './support/fixtures.js';
import { freePort } from './support/registry-process.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';
import { startTestWitness, type TestWitness } from './support/test-witness.js';
import { DataSource } from 'typeorm';
import { WitnessPublisher } from '../apps/registry/src/transparency/witnessing/witness-publisher.js';
import { WitnessingRepository } from '../apps/registry/src/transparency/witnessing/witnessing.repository.js';

const ORIGIN = 'witnessing.plaza.test/log';

/** A log key the suite holds, so its witnesses know the log's verifier key before the registry starts. */
function logKey(origin = ORIGIN) {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, jwk: JSON.stringify(privateKey.export({ format: 'jwk' })), vkey: ed25519Signer(origin, privateKey).verifierKey };
}

const witnessEnv = (witnesses: TestWitness[], extra: Record<string, string> = {}) => ({
  PLAZA_LOG_ORIGIN: ORIGIN,
  PLAZA_OUTBOUND_ALLOW_ADDRESSES: '127.0.0.1',
  PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS: '127.0.0.1',
  PLAZA_LOG_WITNESSES: JSON.stringify(witnesses.map((w) => ({ url: w.url, vkey: w.vkey }))),
  // The suite asks the witnesses itself (WitnessPublisher.publish), one step at a time.
  PLAZA_LOG_WITNESS_INTERVAL_MS: '0',
  ...extra,
});

interface Witnessing {
  body: string;
  note: string;
  witnessed: boolean;
  quorum: number;
  witnessedCheckpoint: { size: number; body: string; note: string } | null;
  witnesses: { name: string; keyId: string; cosigned: boolean; cosignedAt: string | null; lastError: string | null; alarm: { detail: string; size: number; at: string; number: number } | null; alarms: number }[];
}

describe('Plaza asks its witnesses to cosign its checkpoints', () => {
  const key = logKey();
  let one: TestWitness;
  let two: TestWitness;
  let t: TestApp;
  const lines: string[] = [];

  const checkpoint = async () => (await t.http.get('/api/v1/log/checkpoint').expect(200)).body as Witnessing;
  const grow = () => createOrganisation(t, uniqueSlug('witnessed'), 'city');
  const publish = () => t.app.get(WitnessPublisher).publish();
  const sizeOf = (c: Witnessing) => Number(c.body.split('\n')[1]);

  beforeAll(async () => {
    one = await startTestWitness('witness-one.plaza.test', key.vkey);
    two = await startTestWitness('witness-two.plaza.test', key.vkey);
    t = await startTestApp(
      { ...witnessEnv([one, two]), PLAZA_LOG_SIGNING_KEY: key.jwk, PLAZA_LOG_LEVEL: 'warn' },
      { ownDatabase: true, logDestination: { write: (line: string) => void lines.push(line) } },
    );
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await one?.close();
    await two?.close();
  });

  it('collects a cosignature from each witness, verifies it and serves it under the log’s own signature, and calls the checkpoint witnessed once all have', async () => {
    await grow();
    const before = await checkpoint();
    expect(before).toMatchObject({ witnessed: false, quorum: 2, witnessedCheckpoint: null });
    expect(before.witnesses.map((w) => [w.name, w.cosigned])).toEqual([['witness-one.plaza.test', false], ['witness-two.plaza.test', false]]);
    // Signed but not witnessed: not published to C2SP clients, checkpoint nor tiles.
    expect((await t.http.get('/log/checkpoint').expect(503)).body.code).toBe('log.checkpoint_not_witnessed');
    await t.http.get(`/log/${tilePath({ level: 0, index: 0, width: sizeOf(before) })}`).expect(404);

    await publish();
    expect(one.requests.map((r) => [r.oldSize, r.consistencyProof.length, r.status])).toEqual([[0, 0, 200]]);
    expect(one.requests[0]!.checkpoint).toBe(before.note);

    const note = (await t.http.get('/log/checkpoint').expect(200).expect('content-type', 'text/plain; charset=utf-8')).text;
    const verified = verifyNote(note, [noteVerifierFromKey(key.vkey), cosignatureVerifierFromKey(one.vkey), cosignatureVerifierFromKey(two.vkey)]);
    expect(verified.text).toBe(before.body);
    expect(verified.signatures.map((s) => s.name)).toEqual([ORIGIN, 'witness-one.plaza.test', 'witness-two.plaza.test']);
    expect(verified.verified).toHaveLength(3);

    const after = await checkpoint();
    expect(after).toMatchObject({ note, witnessed: true, quorum: 2, witnessedCheckpoint: { size: sizeOf(before), body: before.body, note } });
    await t.http.get(`/log/${tilePath({ level: 0, index: 0, width: sizeOf(before) })}`).expect(200);
    for (const [i, witness] of [one, two].entries()) {
      expect(after.witnesses[i]).toMatchObject({ name: witness.name, keyId: witness.vkey.split('+')[1], cosigned: true, lastError: null, alarm: null, alarms: 0 });
      expect(Math.abs(Date.parse(after.witnesses[i]!.cosignedAt!) - Date.now())).toBeLessThan(60_000);
    }
    // Nothing new: the witnesses are not asked again.
    await publish();
    expect(one.requests).toHaveLength(1);
  });

  it('sends a grown log with the size each witness last acknowledged and a consistency proof from it, which the witness checks', async () => {
    const previous = sizeOf(await checkpoint());
    await grow();
    await grow();
    const grown = await checkpoint();
    await publish();
    const last = one.requests.at(-1)!;
    expect(last).toMatchObject({ oldSize: previous, status: 200 });
    expect(last.consistencyProof.length).toBeGreaterThan(0);
    expect(one.held.size).toBe(sizeOf(grown));
    expect(await checkpoint()).toMatchObject({ witnessed: true });
  });

  it('ignores a cosignature that does not verify: not stored, not served, and the checkpoint is not witnessed with one of two', async () => {
    await grow();
    await checkpoint();
    two.script.push('bad-cosignature');
    await publish();
    const served = await checkpoint();
    expect(served.witnesses.map((w) => w.cosigned)).toEqual([true, false]);
    expect(served.witnessed).toBe(false);
    expect(served.witnesses[1]!.lastError).toBe('it answered 200 without a cosignature by its key that verifies');
    expect(parseNote(served.note).signatures.map((s) => s.name)).toEqual([ORIGIN, 'witness-one.plaza.test']);
    // The witness did take the checkpoint, so the next request starts from it and cosigns again.
    await publish();
    expect(two.requests.at(-1)).toMatchObject({ oldSize: sizeOf(served), consistencyProof: [], status: 200 });
    expect(await checkpoint()).toMatchObject({ witnessed: true });
  });

  it('resyncs once when a witness answers 409 with the size it holds (text/x.tlog.size), with a proof from that size', async () => {
    const remembered = { ...one.held };
    await grow();
    const acknowledged = sizeOf(await checkpoint());
    await publish();
    // The witness lost its last cosignature (a restored backup): it holds an older size than the log believes.
    one.held = remembered;
    await grow();
    await checkpoint();
    const before = one.requests.length;
    await publish();
    expect(one.requests.slice(before).map((r) => [r.oldSize, r.status])).toEqual([
      [acknowledged, 409],
      [remembered.size, 200],
    ]);
    expect((await checkpoint()).witnesses[0]).toMatchObject({ cosigned: true, lastError: null });
  });

  it('records a network failure or a server error and asks again at the next interval', async () => {
    await grow();
    await checkpoint();
    one.script.push({ status: 503, body: 'busy' });
    await publish();
    expect((await checkpoint()).witnesses[0]).toMatchObject({ cosigned: false, lastError: 'it answered 503', alarm: null });
    await publish();
    expect((await checkpoint()).witnesses[0]).toMatchObject({ cosigned: true, lastError: null });
  });

  it("never shows a failure stored raw before failures were recorded by kind (the outbound client's message, a URL with credentials), on the JSON checkpoint nor on the log page", async () => {
    const raw = `the request failed: ${two.url.replace('http://', 'http://log:s3cret@')}/add-checkpoint: the connection failed (ECONNREFUSED 127.0.0.1:9)`;
    // As the registry stored it before: the repository's own write, with the outbound client's message as the reason.
    await t.app.get(WitnessingRepository).recordError(two.vkey, raw);
    const [stored] = (await t.app.get(DataSource).query('SELECT last_error FROM log_witnesses WHERE witness_key = $1', [two.vkey])) as { last_error: string }[];
    expect(stored!.last_error).toBe(raw);
    const served = await t.http.get('/api/v1/log/checkpoint').expect(200);
    expect(served.body.witnesses[1].lastError).toBe('the request failed');
    expect(served.text).not.toContain('s3cret');
    expect((await t.http.get('/log').expect(200)).text).not.toContain('s3cret');
    await grow();
    await checkpoint();
    await publish();
    expect((await checkpoint()).witnesses[1]).toMatchObject({ cosigned: true, lastError: null });
  });

  it('raises a fork alarm on a 409 without a size and on a 422: logged at error level, counted, stored, shown, and the witness is not asked again until the operator acknowledges it', async () => {
    await grow();
    const current = await checkpoint();
    one.script.push({ status: 409, body: 'root mismatch' });
    two.script.push({ status: 422, body: 'bad proof' });
    const logged = lines.length;
    await publish();
    const alarmed = await checkpoint();
    expect(alarmed.witnessed).toBe(false);
    for (const [i, status] of [409, 422].entries()) {
      expect(alarmed.witnesses[i]).toMatchObject({ cosigned: false, alarms: 1, alarm: { size: sizeOf(current), number: 1 } });
      expect(alarmed.witnesses[i]!.alarm!.detail).toContain(`answered ${status} to a consistency proof from size`);
    }
    const errors = lines.slice(logged).map((line) => JSON.parse(line) as { level: number; msg: string; witness?: string });
    expect(errors.filter((e) => e.level === 50 && e.msg.startsWith('fork alarm:')).map((e) => e.witness).sort()).toEqual(['witness-one.plaza.test', 'witness-two.plaza.test']);
    expect(lines.slice(logged).join('\n')).not.toContain(current.body.split('\n')[2]);

    const asked = one.requests.length + two.requests.length;
    await grow();
    await checkpoint();
    await publish();
    await publish();
    expect(one.requests.length + two.requests.length).toBe(asked);

    for (const [lang, words] of [
      ['en', ['Fork alarm', 'witness-one.plaza.test refused this log’s checkpoint', 'not witnessed yet']],
      ['fr', ['Alerte de divergence', 'le témoin witness-two.plaza.test a refusé', 'pas encore attesté']],
    ] as const) {
      const page = (await t.http.get(`/log?lang=${lang}`).expect(200)).text;
      for (const text of words) expect(page).toContain(text);
    }

    // The operator acknowledges witness one's alarm (PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED, read at start), and an
    // alarm number witness two never raised: only witness one's alarm is lowered, and only it is asked again.
    const witnessing = t.app.get(WitnessPublisher);
    await witnessing.acknowledgeAlarms([{ witness: one.name, alarm: 1 }, { witness: two.name, alarm: 2 }]);
    const [oneAsked, twoAsked] = [one.requests.length, two.requests.length];
    await publish();
    expect([one.requests.length - oneAsked, two.requests.length - twoAsked]).toEqual([1, 0]);
    const acknowledged = await checkpoint();
    expect(acknowledged.witnesses[0]).toMatchObject({ cosigned: true, alarm: null, alarms: 1 });
    // Witness two's alarm stands, and the note carries witness one's cosignature.
    expect(acknowledged.witnesses[1]).toMatchObject({ cosigned: false, alarm: { number: 1 }, alarms: 1 });
    expect(parseNote(acknowledged.note).signatures.map((s) => s.name)).toEqual([ORIGIN, one.name]);
    await witnessing.acknowledgeAlarms([{ witness: two.name, alarm: 1 }]);
    await publish();
    expect(await checkpoint()).toMatchObject({ witnessed: true, witnesses: [{ alarm: null, alarms: 1 }, { cosigned: true, alarm: null, alarms: 1 }] });
  });
});

describe('witnessing on its own timer, with a quorum below the number of witnesses', () => {
  it('asks the witnesses every interval, counts a witness it cannot reach as a failure, and calls the checkpoint witnessed with the quorum', async () => {
    const key = logKey();
    const reachable = await startTestWitness('reachable.plaza.test', key.vkey);
    const gone = await startTestWitness('gone.plaza.test', key.vkey);
    await gone.close();
    const lines: string[] = [];
    const t = await startTestApp(
      { ...witnessEnv([reachable, gone], { PLAZA_LOG_WITNESS_INTERVAL_MS: '100', PLAZA_LOG_WITNESS_QUORUM: '1' }), PLAZA_LOG_SIGNING_KEY: key.jwk, PLAZA_LOG_LEVEL: 'warn' },
      { ownDatabase: true, logDestination: { write: (line: string) => void lines.push(line) } },
    );
    try {
      await createOrganisation(t, uniqueSlug('timer'), 'city');
      const deadline = Date.now() + 15_000;
      let served: Witnessing;
      for (;;) {
        served = (await t.http.get('/api/v1/log/checkpoint').expect(200)).body as Witnessing;
        if (served.witnesses[0]!.cosigned && served.witnesses[1]!.lastError) break;
        if (Date.now() > deadline) throw new Error(`never witnessed: ${JSON.stringify(served)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(served).toMatchObject({ witnessed: true, quorum: 1 });
      expect(served.witnesses[1]).toMatchObject({ cosigned: false, alarm: null });
      // In public, the kind of failure only; the address is in the operator's log.
      expect(served.witnesses[1]!.lastError).toBe('the request failed: the connection failed');
      expect(JSON.stringify(served)).not.toContain('127.0.0.1');
      expect(lines.find((line) => line.includes('witness gone.plaza.test did not cosign'))).toMatch(/the request failed: the connection failed \(.*127\.0\.0\.1/);
      const page = (await t.http.get('/log?lang=en').expect(200)).text;
      expect(page).toContain('1 witness vouched for this checkpoint (1 needed): it is witnessed.');
    } finally {
      await t.close();
      await reachable.close();
    }
  }, 180_000);
});

describe('witness settings checked at start', () => {
  it('refuses a witness holding the log’s own key', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const ownKey = ed25519Signer('impostor.plaza.test', privateKey).verifierKey;
    const env = {
      PLAZA_OUTBOUND_ALLOW_ADDRESSES: '127.0.0.1',
      PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS: '127.0.0.1',
      PLAZA_LOG_SIGNING_KEY: JSON.stringify(privateKey.export({ format: 'jwk' })),
      PLAZA_LOG_WITNESSES: JSON.stringify([{ url: 'http://127.0.0.1:9/witness', vkey: ownKey }]),
    };
    await expect(startTestApp(env, { ownDatabase: true })).rejects.toThrow("PLAZA_LOG_WITNESSES lists impostor.plaza.test with the log's own signing key");
  }, 180_000);
});

/** One of two registries witnessing each other: its log key, its witness key, where it listens. */
interface Peer {
  name: string;
  origin: string;
  log: ReturnType<typeof logKey>;
  witness: { privateKey: KeyObject; jwk: string; vkey: string; name: string };
  port: number;
  t?: TestApp;
}

function peer(name: string, port: number): Peer {
  const origin = `${name}.plaza.test/log`;
  const { privateKey } = generateKeyPairSync('ed25519');
  const witnessName = `${name}.plaza.test/witness`;
  return {
    name,
    origin,
    log: logKey(origin),
    witness: { privateKey, jwk: JSON.stringify(privateKey.export({ format: 'jwk' })), vkey: cosigner(witnessName, privateKey).verifierKey, name: witnessName },
    port,
  };
}

/** The registry of `self`, witnessing `other`'s log and asking `other` to witness its own, listening on its port. */
async function startPeer(self: Peer, other: Peer): Promise<TestApp> {
  const t = await startTestApp(
    {
      PLAZA_LOG_ORIGIN: self.origin,
      PLAZA_LOG_SIGNING_KEY: self.log.jwk,
      PLAZA_WITNESS_SIGNING_KEY: self.witness.jwk,
      PLAZA_WITNESS_NAME: self.witness.name,
      PLAZA_WITNESS_LOGS: JSON.stringify([{ origin: other.origin, vkey: other.log.vkey }]),
      PLAZA_LOG_WITNESSES: JSON.stringify([{ url: `http://127.0.0.1:${other.port}/log-witness`, vkey: other.witness.vkey }]),
      PLAZA_OUTBOUND_ALLOW_ADDRESSES: '127.0.0.1',
      PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS: '127.0.0.1',
      PLAZA_LOG_WITNESS_INTERVAL_MS: '0',
      PLAZA_PUBLIC_URL: `http://127.0.0.1:${self.port}`,
    },
    { ownDatabase: true },
  );
  await t.app.listen(self.port, '127.0.0.1');
  return t;
}

describe('two registries witnessing each other', () => {
  let a: Peer;
  let b: Peer;
  const hasher = new TreeHasher((bytes) => createHash('sha256').update(bytes).digest());
  const checkpointOf = async (p: Peer) => (await p.t!.http.get('/api/v1/log/checkpoint').expect(200)).body as Witnessing;
  const sizeOf = (c: Witnessing) => Number(c.body.split('\n')[1]);
  const publish = (p: Peer) => p.t!.app.get(WitnessPublisher).publish();
  const addCheckpoint = (to: Peer, body: string) => fetch(`http://127.0.0.1:${to.port}/log-witness/add-checkpoint`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });

  beforeAll(async () => {
    a = peer('a', await freePort());
    b = peer('b', await freePort());
    a.t = await startPeer(a, b);
    b.t = await startPeer(b, a);
  }, 300_000);
  afterAll(async () => {
    await a?.t?.close();
    await b?.t?.close();
  });

  it("both collect each other's cosignatures, and witnessing grows neither log", async () => {
    for (const p of [a, b]) await createOrganisation(p.t!, uniqueSlug(`peer-${p.name}`), 'city');
    const before = await Promise.all([a, b].map(checkpointOf));
    await publish(a);
    await publish(b);
    for (const [i, [self, other]] of [[a, b], [b, a]].entries()) {
      const served = await checkpointOf(self);
      expect(served.body).toBe(before[i]!.body);
      expect(served).toMatchObject({ witnessed: true, quorum: 1, witnesses: [{ name: other.witness.name, cosigned: true, alarm: null }] });
      const note = (await self.t!.http.get('/log/checkpoint').expect(200)).text;
      const verified = verifyNote(note, [noteVerifierFromKey(self.log.vkey), cosignatureVerifierFromKey(other.witness.vkey)]);
      expect(verified.verified.map((s) => s.name)).toEqual([self.origin, other.witness.name]);
    }
    // Neither log grew: a cosignature given or received is not a registry record.
    for (const [i, p] of [a, b].entries()) expect((await p.t!.http.get('/api/v1/log/root').expect(200)).body.treeSize).toBe(sizeOf(before[i]!));
  });

  it('publishes only witnessed checkpoints: right after a write, `plaza log monitor --witness` verifies the witnessed one, and the newer once the witness cosigned it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plaza-witnessed-'));
    const monitor = () =>
      plaza(['log', 'monitor', '--url', `http://127.0.0.1:${a.port}`, '--vkey', a.log.vkey, '--state', join(dir, 'state.json'), '--witness', b.witness.vkey, '--verbose']);
    const tile = (size: number) => a.t!.http.get(`/log/${tilePath({ level: 0, index: 0, width: size })}`);
    try {
      const witnessed = await checkpointOf(a);
      expect(witnessed.witnessed).toBe(true);
      expect((await monitor()).code).toBe(0);

      // A write: its writer reads a checkpoint of it in the JSON form, which names the witnessed one beside it.
      await createOrganisation(a.t!, uniqueSlug('peer-a-writes'), 'city');
      const newest = await checkpointOf(a);
      expect(sizeOf(newest)).toBeGreaterThan(sizeOf(witnessed));
      expect(newest).toMatchObject({ witnessed: false, witnessedCheckpoint: { size: sizeOf(witnessed), body: witnessed.body, note: witnessed.note } });
      // C2SP clients are served the witnessed checkpoint, with its cosignature, and the tiles of its size only.
      expect((await a.t!.http.get('/log/checkpoint').expect(200)).text).toBe(witnessed.note);
      await tile(sizeOf(witnessed)).expect(200);
      expect((await tile(sizeOf(newest)).expect(404)).body.code).toBe('log.tile_not_published');
      const page = (await a.t!.http.get('/log?lang=en').expect(200)).text;
      expect(page).toContain(`Latest witnessed checkpoint: ${sizeOf(witnessed)} entries.`);

      const meanwhile = await monitor();
      expect(meanwhile).toMatchObject({ code: 0, stderr: '' });
      expect(meanwhile.stdout).toContain(`${sizeOf(witnessed)} -> ${sizeOf(witnessed)} entries (0 new)`);
      expect(meanwhile.stdout).toContain(`cosigned by ${b.witness.name}`);

      await publish(a);
      expect((await checkpointOf(a)).witnessedCheckpoint).toMatchObject({ size: sizeOf(newest), body: newest.body });
      await tile(sizeOf(newest)).expect(200);
      const caughtUp = await monitor();
      expect(caughtUp).toMatchObject({ code: 0, stderr: '' });
      expect(caughtUp.stdout).toContain(`${sizeOf(witnessed)} -> ${sizeOf(newest)} entries`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a fork: A's key signing two different trees of one size is refused by B, and A raises the fork alarm", async () => {
    const cosigned = await checkpointOf(a);
    const n = sizeOf(cosigned);
    const forger = ed25519Signer(a.origin, a.log.privateKey);
    const { entries } = (await a.t!.http.get(`/api/v1/log/entries?start=0&end=${n}`).expect(200)).body as { entries: { leafHash: string }[] };
    const forged = new MerkleTree(hasher);
    await forged.appendLeafHashes(entries.map((e) => new Uint8Array(Buffer.from(e.leafHash, 'base64'))));
    await forged.appendEntries([1, 2, 3, 4, 5, 6, 7, 8].map((i) => Buffer.from(`{"forged":${i}}`)));
    const note = async (size: number) => signNote(formatCheckpoint({ origin: a.origin, size, rootHash: await forged.root(size), extensions: [] }), forger);

    // The same size B cosigned, with another root: refused, and not as a resync.
    const forgedOfN = signNote(formatCheckpoint({ origin: a.origin, size: n, rootHash: await hasher.leaf(Buffer.from('another tree')), extensions: [] }), forger);
    // (The forger's tree starts as A's: of size n it is the tree B cosigned.)
    expect(parseNote(await note(n)).text).toBe(cosigned.body);
    const refused = await addCheckpoint(b, formatAddCheckpointRequest({ oldSize: n, consistencyProof: [], checkpoint: forgedOfN }));
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).not.toContain(TREE_SIZE_CONTENT_TYPE);

    // A larger forged tree that extends what B saw: B cannot tell, and cosigns it.
    const forkSize = n + 8;
    const accepted = await addCheckpoint(b, formatAddCheckpointRequest({ oldSize: n, consistencyProof: await forged.consistencyProof(n, forkSize), checkpoint: await note(forkSize) }));
    expect(accepted.status).toBe(200);

    // A's real log grows to that size and beyond: its real trees of those sizes are not the forged ones.
    while (sizeOf(await checkpointOf(a)) <= forkSize) await createOrganisation(a.t!, uniqueSlug('peer-a-grows'), 'city');
    await publish(a);
    const alarmed = await checkpointOf(a);
    expect(alarmed).toMatchObject({ witnessed: false, witnesses: [{ name: b.witness.name, cosigned: false, alarms: 1 }] });
    expect(alarmed.witnesses[0]!.alarm).toMatchObject({ size: sizeOf(alarmed) });
    expect(alarmed.witnesses[0]!.alarm!.detail).toContain(`witness ${b.witness.name} refused checkpoint ${sizeOf(alarmed)} (answered 422 to a consistency proof from size ${forkSize})`);
    expect(parseNote(alarmed.note).signatures.map((s) => s.name)).toEqual([a.origin]);
    expect((await a.t!.http.get('/log?lang=en').expect(200)).text).toContain(`the witness ${b.witness.name} refused this log’s checkpoint of`);
  });
});
