import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { compactVerify, importJWK } from 'jose';
import { DataSource } from 'typeorm';
import { computeRoot, equalBytes, MerkleTree, TreeHasher, verifyConsistency, verifyInclusion } from '#plaza/merkle';
import { backfillTransparencyLog } from '#plaza/database';
import { decodeVerifierKey, noteVerifierFromKey, openCheckpoint } from '#plaza/note';
import { LOG_SIGNING_KEY_FILE } from '../apps/registry/src/transparency/log-signer.js';
import { MerkleNodeRepository } from '../apps/registry/src/platform/journal/merkle-node.repository.js';
import { addMember, bearer, createOrganisation, createSource } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const hasher = new TreeHasher((bytes) => createHash('sha256').update(bytes).digest());
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

interface Entry {
  index: number;
  entry: string;
  leafHash: string;
}

describe('transparency log', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    // Some cases edit log rows and records: on the server, in a database of this suite's own. An edit behind the
    // registry's back sends no change notice, so cached public answers would hide it for a few seconds: none here.
    t = await startTestApp({ PLAZA_PUBLIC_CACHE_MB: '0' }, { ownDatabase: true });
    db = t.app.get(DataSource);
  });
  afterAll(() => t?.close());

  const root = async (size?: number) =>
    (await t.http.get('/api/v1/log/root').query(size === undefined ? {} : { size }).expect(200)).body as { treeSize: number; rootHash: string };

  /** Every entry of the first `size`, paging by 1000 as a verifier would. */
  async function entries(size: number): Promise<Entry[]> {
    const all: Entry[] = [];
    for (let start = 0; start < size; start += 1000) {
      const res = await t.http.get('/api/v1/log/entries').query({ start, end: Math.min(start + 1000, size) }).expect(200);
      all.push(...(res.body.entries as Entry[]));
    }
    return all;
  }

  /** The root recomputed from the entries' bytes alone, never from the hashes the registry serves. */
  async function recomputedRoot(list: Entry[]): Promise<Uint8Array> {
    const tree = new MerkleTree(hasher);
    await tree.appendEntries(list.map((e) => bytes(e.entry)));
    return tree.root();
  }

  it('grows with every write: entries, leaf hashes and roots agree with a tree recomputed from the entry bytes', async () => {
    const before = (await root()).treeSize;
    const org = await createOrganisation(t, uniqueSlug('tlog-city'), 'city');
    const after = await root();
    expect(after.treeSize).toBeGreaterThan(before);

    const list = await entries(after.treeSize);
    expect(list.map((e) => e.index)).toEqual([...Array(after.treeSize).keys()]);
    for (const e of list) expect(equalBytes(bytes(e.leafHash), await hasher.leaf(bytes(e.entry)))).toBe(true);
    expect(Buffer.from(await recomputedRoot(list)).toString('base64')).toBe(after.rootHash);
    // Any past size: the root of the first `before` entries.
    expect(Buffer.from(await recomputedRoot(list.slice(0, before))).toString('base64')).toBe((await root(before)).rootHash);

    // The organisation's record names its log index, and its entry is in the log with a valid proof.
    const served = (await t.http.get(`/api/v1/organisations/${org.slug}`).expect(200)).body as { id: string; journalIndex: number };
    const entry = JSON.parse(Buffer.from(list[served.journalIndex]!.entry, 'base64').toString('utf8')) as { subject: { id: string } };
    expect(entry.subject.id).toBe(served.id);
    const proof = (await t.http.get('/api/v1/log/proof/inclusion').query({ index: served.journalIndex, size: after.treeSize }).expect(200)).body;
    expect(proof.rootHash).toBe(after.rootHash);
    expect(
      await verifyInclusion(hasher, bytes(list[served.journalIndex]!.leafHash), served.journalIndex, after.treeSize, proof.proof.map(bytes), bytes(after.rootHash)),
    ).toBe(true);
    // ...and not at another index.
    expect(
      await verifyInclusion(hasher, bytes(list[served.journalIndex]!.leafHash), served.journalIndex + 1, after.treeSize, proof.proof.map(bytes), bytes(after.rootHash)),
    ).toBe(false);

    // The tree of `before` is a prefix of the tree of `after`.
    const consistency = (await t.http.get('/api/v1/log/proof/consistency').query({ first: before, second: after.treeSize }).expect(200)).body;
    expect(consistency.secondRootHash).toBe(after.rootHash);
    expect(
      await verifyConsistency(hasher, before, after.treeSize, bytes(consistency.firstRootHash), bytes(after.rootHash), consistency.proof.map(bytes)),
    ).toBe(true);
  });

  it('proves inclusion of every entry and consistency between every pair of sizes of a small log', async () => {
    await createOrganisation(t, uniqueSlug('tlog-vendor'), 'vendor');
    const { treeSize } = await root();
    const list = await entries(treeSize);
    const tree = new MerkleTree(hasher);
    await tree.appendEntries(list.map((e) => bytes(e.entry)));
    // A sample of sizes keeps this quick on a server database shared with other suites.
    const sizes = [...new Set([1, 2, 3, 4, 5, 7, 8, 9, Math.floor(treeSize / 2), treeSize - 1, treeSize])].filter((s) => s >= 1 && s <= treeSize);
    for (const size of sizes) {
      const rootN = await tree.root(size);
      for (const index of [0, Math.floor(size / 2), size - 1]) {
        const res = (await t.http.get('/api/v1/log/proof/inclusion').query({ index, size }).expect(200)).body;
        expect(await verifyInclusion(hasher, bytes(list[index]!.leafHash), index, size, res.proof.map(bytes), rootN)).toBe(true);
      }
      for (const first of sizes.filter((m) => m <= size)) {
        const res = (await t.http.get('/api/v1/log/proof/consistency').query({ first, second: size }).expect(200)).body;
        expect(await verifyConsistency(hasher, first, size, await tree.root(first), rootN, res.proof.map(bytes))).toBe(true);
      }
    }
  });

  it('refuses ranges and sizes the log does not have, with 400 problems', async () => {
    const { treeSize } = await root();
    // Far past the end: on a shared server database other suites grow the log while this runs.
    const beyond = treeSize + 1_000_000;
    const problem = async (path: string, query: Record<string, string | number>, code: string) => {
      const res = await t.http.get(path).query(query).expect(400);
      expect(res.body.code).toBe(code);
    };
    await problem('/api/v1/log/root', { size: beyond }, 'log.size_beyond_tree');
    await problem('/api/v1/log/root', { size: -1 }, 'request.invalid');
    await problem('/api/v1/log/root', { size: 'x' }, 'request.invalid');
    await problem('/api/v1/log/entries', { start: 0, end: 1001 }, 'log.invalid_range');
    await problem('/api/v1/log/entries', { start: 2, end: 2 }, 'log.invalid_range');
    await problem('/api/v1/log/entries', { start: treeSize - 1, end: treeSize - 1 + 1000 }, 'log.size_beyond_tree');
    await problem('/api/v1/log/entries', { start: beyond }, 'log.index_out_of_range');
    await problem('/api/v1/log/entries', {}, 'request.invalid');
    await problem('/api/v1/log/proof/inclusion', { index: treeSize, size: treeSize }, 'log.index_out_of_range');
    await problem('/api/v1/log/proof/inclusion', { index: 0, size: beyond }, 'log.size_beyond_tree');
    await problem('/api/v1/log/proof/inclusion', { index: 0, size: 0 }, 'request.invalid');
    await problem('/api/v1/log/proof/consistency', { first: 2, second: 1 }, 'log.invalid_range');
    await problem('/api/v1/log/proof/consistency', { first: 1, second: beyond }, 'log.size_beyond_tree');
    // Defaults: the current size; at most 1000 entries.
    const res = await t.http.get('/api/v1/log/entries').query({ start: 0 }).expect(200);
    expect(res.body.entries.length).toBeGreaterThanOrEqual(Math.min(treeSize, 1000));
    expect(res.body.entries.length).toBeLessThanOrEqual(1000);
    expect((await t.http.get('/api/v1/log/proof/consistency').query({ first: 0 }).expect(200)).body.proof).toEqual([]);
  });

  it('catches a journal row edited in the database: the recomputed root differs from the stored one', async () => {
    await createOrganisation(t, uniqueSlug('tlog-tamper'), 'city');
    const { treeSize, rootHash } = await root();
    const index = treeSize - 1;
    const [row] = (await db.query('SELECT entry FROM journal_entries WHERE index = $1', [index])) as { entry: Buffer }[];
    const forged = Buffer.from(row!.entry.toString('utf8').replace(/"action":"[^"]*"/, '"action":"organisation.deleted"'), 'utf8');
    expect(forged.equals(row!.entry)).toBe(false);
    await db.query('UPDATE journal_entries SET entry = $1 WHERE index = $2', [forged, index]);
    try {
      const list = await entries(treeSize);
      expect(Buffer.from(await recomputedRoot(list)).toString('base64')).not.toBe(rootHash);
      // The stored root did not move, and the served leaf hash no longer matches the served bytes.
      expect((await root(treeSize)).rootHash).toBe(rootHash);
      expect(equalBytes(await hasher.leaf(bytes(list[index]!.entry)), bytes(list[index]!.leafHash))).toBe(false);
    } finally {
      await db.query('UPDATE journal_entries SET entry = $1 WHERE index = $2', [row!.entry, index]);
    }
    expect(Buffer.from(await recomputedRoot(await entries(treeSize))).toString('base64')).toBe(rootHash);
  });

  it('publishes the checkpoint of a grown log by itself, without anyone asking for it, and logs its verifier key at start', async () => {
    const lines: string[] = [];
    const publishing = await startTestApp(
      { PLAZA_CHECKPOINT_INTERVAL_MS: '100', PLAZA_LOG_LEVEL: 'info' },
      { ownDatabase: true, logDestination: { write: (line: string) => void lines.push(line) } },
    );
    try {
      const vkey = (await publishing.http.get('/log/key').expect(200)).text.trim();
      expect(lines.some((line) => line.includes(`the log's verifier key: ${vkey}`))).toBe(true);
      const pdb = publishing.app.get(DataSource);
      await createOrganisation(publishing, uniqueSlug('tlog-publish'), 'city');
      const [head] = (await pdb.query('SELECT size FROM journal_head WHERE id = 1')) as { size: string }[];
      let signed: { body: string }[] = [];
      for (let attempt = 0; attempt < 100 && signed.length === 0; attempt++) {
        await new Promise((done) => setTimeout(done, 100));
        signed = (await pdb.query('SELECT body FROM log_checkpoints WHERE size = $1', [head!.size])) as { body: string }[];
      }
      expect(signed).toHaveLength(1);
      expect(signed[0]!.body.split('\n')[1]).toBe(head!.size);
      // What the publisher stored is what anyone is then served.
      expect((await publishing.http.get('/api/v1/log/checkpoint').expect(200)).body.body).toBe(signed[0]!.body);
    } finally {
      await publishing.close();
    }
  });

  describe("a record's disclosure: its entry's salt and state, checked against the entry", () => {
    /** What a resident computes: the entry's digest, and the digest of the disclosed state with the disclosed salt. */
    async function check(index: number, authorization?: string) {
      const entry = JSON.parse(Buffer.from(((await t.http.get('/api/v1/log/entries').query({ start: index, end: index + 1 }).expect(200)).body.entries as Entry[])[0]!.entry, 'base64').toString('utf8'));
      const request = t.http.get('/api/v1/log/record').query({ index });
      const res = await (authorization ? request.set('authorization', authorization) : request);
      if (res.status !== 200) return { entry, res, matches: false };
      const digest = `sha256:${createHash('sha256').update(Buffer.from(res.body.salt, 'base64url')).update(canonicalize(res.body.state)!, 'utf8').digest('base64url')}`;
      return { entry, res, matches: digest === entry.state };
    }

    it('lets a resident check a source as served against its entry, and catches the row edited behind the log', async () => {
      const city = await createOrganisation(t, uniqueSlug('tlog-disclose'), 'city');
      const source = await createSource(t, city.adminKey, `urn:plaza:tlog:${uniqueSlug('s')}`);
      const served = (await t.http.get(`/api/v1/sources/${source.id}`).expect(200)).body;
      const honest = await check(served.journalIndex);
      expect(honest.matches).toBe(true);
      expect(honest.res.body).toMatchObject({ index: served.journalIndex, subject: { type: 'source', id: source.id }, state: { id: source.id, name: served.name } });

      await db.query(`UPDATE sources SET name = '{"en": "Quietly renamed", "fr": "Renommée en douce"}' WHERE id = $1`, [source.id]);
      try {
        const tampered = await check(served.journalIndex);
        expect(tampered.res.status).toBe(200);
        expect(tampered.matches).toBe(false);
      } finally {
        await db.query('UPDATE sources SET name = $1 WHERE id = $2', [JSON.stringify(served.name), source.id]);
      }
      expect((await check(served.journalIndex)).matches).toBe(true);
    });

    it('discloses an entry the record has moved on from by the state kept when it was written, and answers 409 once that state is not kept', async () => {
      const city = await createOrganisation(t, uniqueSlug('tlog-moved'), 'city');
      const before = (await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200)).body.journalIndex as number;
      const after = (await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(city.adminKey)).send({ website: 'https://moved.example' }).expect(200)).body.journalIndex as number;
      expect(after).toBeGreaterThan(before);
      const old = await check(before);
      expect(old.matches).toBe(true);
      expect(old.res.body.state).toMatchObject({ slug: city.slug, website: null });
      expect((await check(after)).matches).toBe(true);

      // An entry from before states were kept: only its record's latest state could be recomputed.
      const [kept] = (await db.query('SELECT * FROM journal_states WHERE index = $1', [before])) as Record<string, unknown>[];
      await db.query('DELETE FROM journal_states WHERE index = $1', [before]);
      try {
        expect((await t.http.get('/api/v1/log/record').query({ index: before }).expect(409)).body.code).toBe('log.record_superseded');
      } finally {
        await db.query('INSERT INTO journal_states (index, state, public, withheld) VALUES ($1, $2, $3, $4)', [before, kept!.state, kept!.public, kept!.withheld]);
      }
    });

    it("discloses a member's or an API key's entry only to those who may read it through the API, and refuses an index past the log", async () => {
      const city = await createOrganisation(t, uniqueSlug('tlog-member'), 'city');
      const stranger = await createOrganisation(t, uniqueSlug('tlog-stranger'), 'city');
      const member = (await t.http.get(`/api/v1/organisations/${city.slug}/members/${city.adminId}`).set(bearer(city.adminKey)).expect(200)).body;
      const resident = await check(member.journalIndex);
      expect(resident.res.status).toBe(404);
      expect(resident.res.body.code).toBe('log.record_not_disclosed');
      expect((await check(member.journalIndex, bearer(stranger.adminKey).authorization)).res.status).toBe(404);
      const own = await check(member.journalIndex, bearer(city.adminKey).authorization);
      expect(own.matches).toBe(true);
      // Roles and status only: a member's name and email never enter the log, not even digested.
      expect(Object.keys(own.res.body.state).sort()).toEqual(['active', 'id', 'organisationId', 'roles']);

      // An API key's entry: to the roles that may read API keys (admins), not to any member of the organisation.
      const plain = await addMember(t, city.slug, city.adminKey, ['member']);
      const keys = (await t.http.get(`/api/v1/organisations/${city.slug}/api-keys`).set(bearer(city.adminKey)).expect(200)).body.items as { memberId: string; journalIndex: number }[];
      const plainKey = keys.find((k) => k.memberId === plain.id)!;
      expect((await check(plainKey.journalIndex, bearer(plain.key).authorization)).res.body.code).toBe('log.record_not_disclosed');
      expect((await check(plainKey.journalIndex, bearer(city.adminKey).authorization)).matches).toBe(true);

      const { treeSize } = await root();
      const past = await t.http.get('/api/v1/log/record').query({ index: treeSize + 1000 }).expect(400);
      expect(past.body.code).toBe('log.index_out_of_range');
    });
  });

  it('backfills the tree of entries whose leaves are missing, as the migration does for a journal written before it', async () => {
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      // Under the head lock, as the migration takes it: no write interleaves (they wait), and everything is rolled back.
      const [head] = (await runner.query('SELECT size FROM journal_head WHERE id = 1 FOR UPDATE')) as { size: string }[];
      const size = Number(head!.size);
      const stored = await computeRoot(new MerkleNodeRepository(runner.manager), hasher, size);
      await runner.query('DELETE FROM merkle_nodes');
      expect(await backfillTransparencyLog(runner)).toBe(size);
      expect(await backfillTransparencyLog(runner)).toBe(0);
      expect(equalBytes(await computeRoot(new MerkleNodeRepository(runner.manager), hasher, size), stored)).toBe(true);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('signs C2SP checkpoints with its own Ed25519 key, published at /.well-known/jwks.json and kept in a 0600 file', async () => {
    const { keys } = (await t.http.get('/.well-known/jwks.json').expect(200)).body as { keys: { kid: string; x: string; d?: string }[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]!.d).toBeUndefined();
    expect(statSync(join(t.config.dataDir, LOG_SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: keys[0]!.x }, 'EdDSA');

    const open = async () => {
      const { body, jws } = (await t.http.get('/api/v1/log/checkpoint').expect(200)).body as { body: string; jws: string };
      const verified = await compactVerify(jws, key);
      expect(new TextDecoder().decode(verified.payload)).toBe(body);
      expect(verified.protectedHeader).toEqual({ alg: 'EdDSA', kid: keys[0]!.kid });
      const [origin, size, rootHash, rest] = body.split('\n');
      expect(origin).toBe(t.config.logOrigin);
      expect(rest).toBe('');
      return { size: Number(size), rootHash: rootHash! };
    };
    const first = await open();
    expect(first.rootHash).toBe((await root(first.size)).rootHash);
    await createOrganisation(t, uniqueSlug('tlog-checkpoint'), 'vendor');
    const second = await open();
    expect(second.size).toBeGreaterThan(first.size);
    const consistency = (await t.http.get('/api/v1/log/proof/consistency').query({ first: first.size, second: second.size }).expect(200)).body;
    expect(await verifyConsistency(hasher, first.size, second.size, bytes(first.rootHash), bytes(second.rootHash), consistency.proof.map(bytes))).toBe(true);
    // A size is signed once: the stored checkpoint is what is served.
    const [stored] = (await db.query('SELECT body, jws FROM log_checkpoints WHERE size = $1', [second.size])) as { body: string; jws: string }[];
    expect(stored!.body).toContain(`\n${second.size}\n${second.rootHash}\n`);
  });

  describe('the C2SP signed note at /log/checkpoint', () => {
    const servedKey = async () => {
      const res = await t.http.get('/log/key').expect(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      return res.text.trim();
    };
    const servedNote = async () => {
      const res = await t.http.get('/log/checkpoint').expect(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      return res;
    };

    it("serves the log key's verifier key: named by the origin, the key of /.well-known/jwks.json", async () => {
      const vkey = await servedKey();
      const decoded = decodeVerifierKey(vkey);
      expect(decoded.name).toBe(t.config.logOrigin);
      expect(decoded.type).toBe(0x01);
      const { keys } = (await t.http.get('/.well-known/jwks.json').expect(200)).body as { keys: { x: string }[] };
      expect(Buffer.from(decoded.publicKey).toString('base64url')).toBe(keys[0]!.x);
    });

    it('serves the latest checkpoint as a signed note over the same body bytes the JWS signs, for a few seconds of shared caching', async () => {
      await createOrganisation(t, uniqueSlug('tlog-note'), 'city');
      const res = await servedNote();
      expect(res.headers['cache-control']).toMatch(/^public, max-age=0, s-maxage=5\b/);
      const { checkpoint, note } = openCheckpoint(res.text, [noteVerifierFromKey(await servedKey())]);
      expect(note.verified.map((signature) => signature.name)).toEqual([t.config.logOrigin]);
      expect(note.unverified).toEqual([]);
      expect(checkpoint.origin).toBe(t.config.logOrigin);
      // A write just made through this (the only, so the signing) instance is in it.
      expect(checkpoint.size).toBe((await root()).treeSize);
      expect(Buffer.from(checkpoint.rootHash).toString('base64')).toBe((await root(checkpoint.size)).rootHash);
      // The JSON form: the same body, its JWS, and the same note (an added member, for existing clients).
      const json = (await t.http.get('/api/v1/log/checkpoint').expect(200)).body as { body: string; jws: string; note: string };
      expect(json.note).toBe(res.text);
      expect(note.text).toBe(json.body);
      expect(Buffer.from(json.jws.split('.')[1]!, 'base64url').toString('utf8')).toBe(json.body);
    });

    it('signs the note of a checkpoint stored before notes existed the first time it serves it, and keeps it', async () => {
      const res = await servedNote();
      const { checkpoint } = openCheckpoint(res.text, [noteVerifierFromKey(await servedKey())]);
      await db.query('UPDATE log_checkpoints SET note = NULL WHERE size = $1', [checkpoint.size]);
      expect((await servedNote()).text).toBe(res.text);
      const [stored] = (await db.query('SELECT note FROM log_checkpoints WHERE size = $1', [checkpoint.size])) as { note: string }[];
      expect(stored!.note).toBe(res.text);
    });
  });
});
