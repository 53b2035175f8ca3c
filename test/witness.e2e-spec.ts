import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MerkleTree, TreeHasher } from '#plaza/merkle';
import {
  addSignatures, cosignatureTime, cosignatureVerifierFromKey, decodeSignerKey, ed25519Signer, formatAddCheckpointRequest, formatCheckpoint, type NoteSigner,
  noteVerifierFromKey, parseAddCheckpointResponse, parseNote, signNote, TREE_SIZE_CONTENT_TYPE, verifyNote,
} from '#plaza/note';
import { DataSource } from 'typeorm';
import { RegistryChanges } from '../apps/registry/src/platform/registry-changes/registry-changes.js';
import { WITNESS_BODY_LIMIT_BYTES } from '../apps/registry/src/witness/index.js';
import { rawBody } from './support/fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();
const jwkOf = (key: ReturnType<typeof generateKeyPairSync>['privateKey']): string => JSON.stringify(key.export({ format: 'jwk' }));

// The spec digest's 7.5 and 7.6: transparency-dev/witness's test log "monkeys" and witness key, and its cosigner vkey.
const MONKEYS_KEY = 'monkeys+db4d9f7e+AULaJMvTtDLHPUcUrjdDad9vDlh/PTfC2VV60JUtCfWT';
const M_INIT = 'monkeys\n5\n41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=\n\n— monkeys 202fftzGl3LVoqjXfwCFZZXs8I+5G22+Ek2K0AOyBuSJ/8/CZawNF+6fNlTKOCd622pbzJNkkJFWuw9DbicZCkEx9AY=\n';
const M_NEXT = 'monkeys\n8\nV8K9aklZ4EPB+RMOk1/8VsJUdFZR77GDtZUQq84vSbo=\n\n— monkeys 202ffoUEboiQYpHzICeaFmoy3RNviHTpAxYrq/eO4QQVQMvu9UebKBMX2MJC76NLthZaKsnKbCA8GxrjePZhvDCH7Ag=\n';
const PROOF_5_8 = ['b9e1d62618f7fee8034e4c5010f727ab24d8e4705cb296c374bf2025a87a10d2', 'aac66cd7a79ce4012d80762fe8eec3a77f22d1ca4145c3f4cee022e7efcd599d',
  '89d0f753f66a290c483b39cd5e9eafb12021293395fad3d4a2ad053cfbcfdc9e', '29e40bb79c966f4c6fe96aff6f30acfce5f3e8d84c02215175d6e018a5dee833'].map((hex) => new Uint8Array(Buffer.from(hex, 'hex')));
const WITNESS_SKEY = 'PRIVATE+KEY+witness+f13a86db+AaLa/dfyBhyo/m0Z7WCi98ENVZWtrP8pxgRNrx7tIWiA';
const WITNESS_VKEY = 'witness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN';

/** A peer city's log, made here: a real Merkle tree (libs/merkle) whose checkpoints its own Ed25519 key signs (libs/note). */
class PeerLog {
  readonly tree = new MerkleTree(new TreeHasher(sha256));
  constructor(
    readonly origin: string,
    readonly key: NoteSigner = ed25519Signer(origin, generateKeyPairSync('ed25519').privateKey),
    private readonly tag = 'entry',
  ) {}

  async grow(to: number): Promise<void> {
    const entries = Array.from({ length: to - this.tree.size }, (_, i) => Buffer.from(`${this.tag} ${this.tree.size + i}`));
    await this.tree.appendEntries(entries);
  }

  async checkpoint(size = this.tree.size, signer = this.key): Promise<string> {
    return signNote(formatCheckpoint({ origin: this.origin, size, rootHash: await this.tree.root(size), extensions: [] }), signer);
  }

  /** An add-checkpoint body from `old` to `size`, with the tree's own consistency proof. */
  async request(old: number, size = this.tree.size): Promise<string> {
    return formatAddCheckpointRequest({ oldSize: old, consistencyProof: old === 0 ? [] : await this.tree.consistencyProof(old, size), checkpoint: await this.checkpoint(size) });
  }
}

describe('Plaza as a witness (tlog-witness v1.0.0)', () => {
  let t: TestApp;
  const city = new PeerLog('city-b.example/log');
  const witness = cosignatureVerifierFromKey(WITNESS_VKEY);
  let notified = 0;

  const post = (body: string | Buffer, contentType = 'text/plain') =>
    t.http.post('/log-witness/add-checkpoint').set('content-type', contentType).send(body).buffer(true).parse(rawBody);
  const text = (res: { body: unknown }): string => (res.body as Buffer).toString('utf8');
  const problem = (res: { body: unknown }): { code: string; status: number } => JSON.parse(text(res)) as { code: string; status: number };
  /** What the witness holds for a log, read from its table. */
  const held = async (origin: string) => {
    const [row] = (await t.app.get(DataSource).query('SELECT size::text AS size, root_hash, note FROM witness_state WHERE origin = $1', [origin])) as { size: string; root_hash: Buffer; note: string }[];
    return row ? { size: Number(row.size), root: row.root_hash.toString('base64'), note: row.note } : null;
  };
  const journalSize = async () => Number(((await t.app.get(DataSource).query('SELECT size FROM journal_head WHERE id = 1')) as { size: string }[])[0]!.size);
  /** A cosigned checkpoint verifies with the log's key and the witness key it publishes; the cosignature is of now. */
  const expectCosigned = (note: string, res: { body: unknown }, logKey: string) => {
    const lines = parseAddCheckpointResponse(res.body as Buffer);
    expect(lines).toHaveLength(1);
    const verified = verifyNote(addSignatures(parseNote(note), lines), [noteVerifierFromKey(logKey), witness]);
    expect(verified.verified.map((s) => s.name)).toEqual([noteVerifierFromKey(logKey).name, 'witness']);
    expect(Math.abs(cosignatureTime(lines[0]!) - Date.now() / 1000)).toBeLessThan(120);
  };

  beforeAll(async () => {
    // A database of its own on the server: what a witness holds for an origin is the suite's own.
    t = await startTestApp(
      {
        PLAZA_WITNESS_LOGS: JSON.stringify([
          { origin: city.origin, vkey: city.key.verifierKey },
          { origin: 'monkeys', vkey: MONKEYS_KEY },
          { origin: 'example.com/log/testdata', vkey: 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx' },
        ]),
        PLAZA_WITNESS_SIGNING_KEY: jwkOf(decodeSignerKey(WITNESS_SKEY).privateKey),
        PLAZA_WITNESS_NAME: 'witness',
      },
      { ownDatabase: true },
    );
    t.app.get(RegistryChanges).subscribe(() => void (notified += 1));
  });
  afterAll(() => t?.close());

  it('publishes its verifier key (cosignature type 0x04), never the log key', async () => {
    const res = await t.http.get('/log-witness/key').expect(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe(`${WITNESS_VKEY}\n`);
    expect(res.text).not.toBe((await t.http.get('/log/key').expect(200)).text);
  });

  it("cosigns the Go witness tests' log: its first checkpoint from size 0, then 5 to 8 with their consistency proof", async () => {
    const first = await post(`old 0\n\n${M_INIT}`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('text/plain; charset=utf-8');
    expectCosigned(M_INIT, first, MONKEYS_KEY);
    expect(await held('monkeys')).toEqual({ size: 5, root: '41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=', note: M_INIT });
    const next = await post(formatAddCheckpointRequest({ oldSize: 5, consistencyProof: PROOF_5_8, checkpoint: M_NEXT }));
    expect(next.status).toBe(200);
    expectCosigned(M_NEXT, next, MONKEYS_KEY);
    expect(await held('monkeys')).toEqual({ size: 8, root: 'V8K9aklZ4EPB+RMOk1/8VsJUdFZR77GDtZUQq84vSbo=', note: M_NEXT });
  });

  it("cosigns tessera's test log from 8 to 15 with the spec digest's add-checkpoint body, byte for byte", async () => {
    const { readFileSync } = await import('node:fs');
    const checkpoint = (size: number) => readFileSync(new URL(`./vectors/tessera-testlog/checkpoint.${size}`, import.meta.url), 'utf8');
    expect((await post(`old 0\n\n${checkpoint(8)}`)).status).toBe(200);
    const res = await post(`old 8\n5jLpqTgjsBDSEX6SgZiRnbTMdTuRd8bQ5tSsAOxe0Ks=\n\n${checkpoint(15)}`);
    expect(res.status).toBe(200);
    expectCosigned(checkpoint(15), res, 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx');
    expect((await held('example.com/log/testdata'))?.size).toBe(15);
  });

  it("holds a peer city's log from its first checkpoint and advances it with real consistency proofs, answering only after it holds it", async () => {
    await city.grow(10);
    const first = await post(await city.request(0));
    expect(first.status).toBe(200);
    expectCosigned(await city.checkpoint(), first, city.key.verifierKey);
    expect(await held(city.origin)).toEqual({ size: 10, root: Buffer.from(await city.tree.root(10)).toString('base64'), note: await city.checkpoint() });
    await city.grow(25);
    const next = await post(await city.request(10));
    expect(next.status).toBe(200);
    expectCosigned(await city.checkpoint(), next, city.key.verifierKey);
    expect((await held(city.origin))?.size).toBe(25);
    // The held checkpoint again (a log retrying): cosigned again, nothing else changes.
    expect((await post(await city.request(25))).status).toBe(200);
    expect((await held(city.origin))?.size).toBe(25);
  });

  describe('refusals, each leaving what the witness holds as it was', () => {
    let before: Awaited<ReturnType<typeof held>>;
    beforeEach(async () => {
      before = await held(city.origin);
      expect(before?.size).toBe(25);
    });
    afterEach(async () => {
      expect(await held(city.origin)).toEqual(before);
    });

    it('409 with the held size as text/x.tlog.size when the old size is not the one it holds, so the log can resend from it', async () => {
      await city.grow(30);
      for (const old of [0, 10, 24]) {
        const res = await post(await city.request(old));
        expect(res.status).toBe(409);
        expect(res.headers['content-type']).toBe(TREE_SIZE_CONTENT_TYPE);
        expect(text(res)).toBe('25\n');
      }
    });

    it('422 when the consistency proof does not verify from the held tree', async () => {
      await city.grow(40);
      const proofFrom24 = await city.tree.consistencyProof(24, 40);
      const res = await post(formatAddCheckpointRequest({ oldSize: 25, consistencyProof: proofFrom24, checkpoint: await city.checkpoint(40) }));
      expect(res.status).toBe(422);
      expect(problem(res).code).toBe('witness.proof_invalid');
      const none = await post(formatAddCheckpointRequest({ oldSize: 25, consistencyProof: [], checkpoint: await city.checkpoint(40) }));
      expect([none.status, problem(none).code]).toEqual([422, 'witness.proof_invalid']);
    });

    it("403 when the checkpoint is not signed by the log's listed key, even under its name", async () => {
      const impostor = ed25519Signer(city.origin, generateKeyPairSync('ed25519').privateKey);
      const res = await post(formatAddCheckpointRequest({ oldSize: 25, consistencyProof: await city.tree.consistencyProof(25, 40), checkpoint: await city.checkpoint(40, impostor) }));
      expect(res.status).toBe(403);
      expect(problem(res).code).toBe('witness.signature_invalid');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('404 for a log it does not witness, and holds nothing for it', async () => {
      const stranger = new PeerLog('stranger.example/log');
      await stranger.grow(3);
      const res = await post(await stranger.request(0));
      expect([res.status, problem(res).code]).toEqual([404, 'witness.unknown_log']);
      expect(await held(stranger.origin)).toBeNull();
    });

    it('400 for a body that is not an add-checkpoint request, 413 beyond its size limit', async () => {
      for (const body of ['', 'garbage', 'old 25\n\n', `old 025\n\n${await city.checkpoint(40)}`, `old 25\r\n\r\n${await city.checkpoint(40)}`, '{"old": 25}']) {
        const res = await post(body, body.startsWith('{') ? 'application/json' : 'text/plain');
        expect([res.status, problem(res).code]).toEqual([400, 'witness.malformed']);
      }
      const old = await post(await city.request(0, 10).then((b) => b.replace('old 0', 'old 11')));
      expect([old.status, problem(old).code]).toEqual([400, 'witness.old_size_beyond_checkpoint']);
      const huge = await post(`old 25\n\n${'x'.repeat(WITNESS_BODY_LIMIT_BYTES)}`);
      expect([huge.status, problem(huge).code]).toEqual([413, 'request.body_too_large']);
    });

    it('refuses a fork: the log signs another tree of the size it holds (409 witness.root_mismatch, a problem, not a resync)', async () => {
      const fork = new PeerLog(city.origin, city.key, 'forked');
      await fork.grow(25);
      const res = await post(await fork.request(25));
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(problem(res).code).toBe('witness.root_mismatch');
      // Nor can the fork grow past it: no proof links the held tree to the forked one.
      await fork.grow(50);
      const grown = await post(formatAddCheckpointRequest({ oldSize: 25, consistencyProof: await fork.tree.consistencyProof(25, 50), checkpoint: await fork.checkpoint(50) }));
      expect([grown.status, problem(grown).code]).toEqual([422, 'witness.proof_invalid']);
    });
  });

  it('lets exactly one of two requests from the same old size advance the log; the other learns the winner\'s size', async () => {
    for (let round = 0; round < 5; round++) {
      const from = (await held(city.origin))!.size;
      await city.grow(Math.max(city.tree.size, from + 20));
      const [a, b] = await Promise.all([post(await city.request(from, from + 10)), post(await city.request(from, from + 20))]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([200, 409]);
      const winner = a.status === 200 ? from + 10 : from + 20;
      expect(text(a.status === 409 ? a : b)).toBe(`${winner}\n`);
      expect((await held(city.origin))?.size).toBe(winner);
      // Bring the log up to its size for the next round, from what the witness holds.
      if (winner !== from + 20) expect((await post(await city.request(winner, from + 20))).status).toBe(200);
    }
  });

  it('journals nothing and announces no registry change: witness state is protocol state', async () => {
    const size = await journalSize();
    await city.grow(city.tree.size + 5);
    const from = (await held(city.origin))!.size;
    expect((await post(await city.request(from))).status).toBe(200);
    expect((await post('garbage')).status).toBe(400);
    expect(await journalSize()).toBe(size);
    expect(notified).toBe(0);
  });
});

describe('a registry that witnesses no log', () => {
  it('answers 404 to every checkpoint, and still publishes its key', async () => {
    const t = await startTestApp({}, { ownDatabase: true });
    try {
      const log = new PeerLog('city-c.example/log');
      await log.grow(3);
      const res = await t.http.post('/log-witness/add-checkpoint').set('content-type', 'text/plain').send(await log.request(0));
      expect([res.status, (res.body as { code: string }).code]).toEqual([404, 'witness.unknown_log']);
      expect((await t.http.get('/log-witness/key').expect(200)).text).toMatch(/^localhost:\d+\/witness\+[0-9a-f]{8}\+B[A-Za-z0-9+/]{43}\n$/);
    } finally {
      await t.close();
    }
  });

  it('refuses to start when the witness key is the log key kept in the data folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'plaza-witness-'));
    try {
      const jwk = jwkOf(generateKeyPairSync('ed25519').privateKey);
      writeFileSync(join(dataDir, 'log-signing-key.jwk'), `${jwk}\n`, { mode: 0o600 });
      await expect(startTestApp({ PLAZA_DATA_DIR: dataDir, PLAZA_WITNESS_SIGNING_KEY: jwk }, { ownDatabase: true })).rejects.toThrow('the witness signing key (PLAZA_WITNESS_SIGNING_KEY) is the log signing key');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
