import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { MerkleTree, TreeHasher } from '#plaza/merkle';
import { ed25519Signer, type NoteSigner, signNote } from '#plaza/note';
import { checkRecord } from '../apps/cli/src/log-check.js';
import { type FetchLike, readLogState, runLogVerify } from '../apps/cli/src/log-verify.js';
import { LOG_SIGNING_KEY_FILE } from '../apps/registry/src/transparency/log-signer.js';
import { bearer, createOrganisation, createSource, rawBody } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const REGISTRY = 'http://registry.test';
const hasher = new TreeHasher((bytes) => createHash('sha256').update(bytes).digest());

describe('plaza log verify', () => {
  let t: TestApp;
  let db: DataSource;
  let dir: string;
  let states = 0;

  /** The public API through supertest, as the CLI's fetch. */
  const publicFetch: FetchLike = async (url, init) => {
    const u = new URL(url);
    const res = await t.http.get(u.pathname + u.search).set(init?.headers ?? {}).buffer(true).parse(rawBody);
    return new Response(new Uint8Array(res.body as Buffer), { status: res.status, headers: { 'content-type': res.headers['content-type'] ?? 'application/octet-stream' } });
  };
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  const text = (body: string) => new Response(body, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  /** The public API, except for the routes `forged` answers. */
  const serving = (forged: Record<string, () => Response>): FetchLike => (url) => {
    const answer = forged[new URL(url).pathname];
    return answer ? Promise.resolve(answer()) : publicFetch(url);
  };
  const servedKey = async () => (await (await publicFetch(`${REGISTRY}/log/key`)).text()).trim();
  /** A signer under the log's origin: the log's own key (read from its data folder), or a key of someone else's. */
  const logSigner = (): NoteSigner => ed25519Signer(t.config.logOrigin, createPrivateKey({ key: JSON.parse(readFileSync(join(t.config.dataDir, LOG_SIGNING_KEY_FILE), 'utf8')), format: 'jwk' }));
  const otherSigner = (): NoteSigner => ed25519Signer(t.config.logOrigin, generateKeyPairSync('ed25519').privateKey);
  const checkpointText = (size: number, root: Uint8Array) => `${t.config.logOrigin}\n${size}\n${Buffer.from(root).toString('base64')}\n`;
  /** A fresh state file path (no file yet). */
  const newState = () => join(dir, `state-${++states}.json`);
  const verify = (state: string, fetcher: FetchLike = publicFetch) => runLogVerify(REGISTRY, state, { fetch: fetcher });
  const headSize = async () => Number(((await db.query('SELECT size FROM journal_head WHERE id = 1')) as { size: string }[])[0]!.size);

  beforeAll(async () => {
    // The tamper cases edit log rows: on the server, in a database of this suite's own. An edit behind the
    // registry's back sends no change notice, so cached public answers would hide it for a few seconds: none here.
    t = await startTestApp({ PLAZA_PUBLIC_CACHE_MB: '0' }, { ownDatabase: true });
    db = t.app.get(DataSource);
    dir = mkdtempSync(join(tmpdir(), 'plaza-log-verify-'));
    for (let i = 0; i < 3; i++) await createOrganisation(t, uniqueSlug('lv-org'), i % 2 ? 'vendor' : 'city');
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('verifies the whole log, saves the checkpoint, and on the next run checks the grown log is consistent with it', async () => {
    const state = newState();
    const progress: [number, number][] = [];
    const first = await runLogVerify(REGISTRY, state, { fetch: publicFetch, progress: (done, total) => progress.push([done, total]) });
    expect(first).toMatchObject({ ok: true, previous: null });
    expect(first.problem).toBeUndefined();
    const size = first.checkpoint!.size;
    expect(size).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toEqual([size, size]);
    // The log key, read from /log/key on this first use, is saved with the checkpoint.
    expect(readLogState(state)).toMatchObject({ size, rootHash: first.checkpoint!.rootHash, origin: first.checkpoint!.origin, vkey: await servedKey() });

    await createOrganisation(t, uniqueSlug('lv-more'), 'city');
    const second = await verify(state);
    expect(second.ok).toBe(true);
    expect(second.previous).toMatchObject({ size });
    expect(second.checkpoint!.size).toBeGreaterThan(size);
    expect(readLogState(state)!.size).toBe(second.checkpoint!.size);

    // Same size again: the roots must be equal, and are.
    expect((await verify(state)).ok).toBe(true);
  });

  describe("the log's key: pinned, or saved on first use", () => {
    it('verifies with a pinned verifier key and refuses a checkpoint when the pinned key is another', async () => {
      expect((await runLogVerify(REGISTRY, newState(), { fetch: publicFetch, vkey: await servedKey() })).ok).toBe(true);

      const state = newState();
      const wrong = await runLogVerify(REGISTRY, state, { fetch: publicFetch, vkey: otherSigner().verifierKey });
      expect(wrong.ok).toBe(false);
      expect(wrong.problem).toMatch(/^the checkpoint is not signed by the log key .*: a different key is an alarm$/);
      expect(readLogState(state)).toBeNull();
      const malformed = await runLogVerify(REGISTRY, newState(), { fetch: publicFetch, vkey: 'not a key' });
      expect(malformed.problem).toMatch(/is not an Ed25519 verifier key/);
    });

    it('raises an alarm when the registry later signs with another key than the one saved on first use, even one it now publishes', async () => {
      const state = newState();
      expect((await verify(state)).ok).toBe(true);
      const impostor = otherSigner();
      const { size, rootHash } = readLogState(state)!;
      const fetcher = serving({ '/log/key': () => text(`${impostor.verifierKey}\n`), '/log/checkpoint': () => text(signNote(checkpointText(size, Buffer.from(rootHash, 'base64')), impostor)) });
      const result = await verify(state, fetcher);
      expect(result.ok).toBe(false);
      expect(result.problem).toMatch(/not signed by the log key .*a different key is an alarm/);
      // A key pinned on the command line that differs from the saved one is refused before anything is read.
      const pinned = await runLogVerify(REGISTRY, state, { fetch: publicFetch, vkey: impostor.verifierKey });
      expect(pinned.problem).toMatch(/^the state was verified with the log key .*, and no rotation statement leads from it to the pinned /);
    });

    it('plaza log check accepts only the pinned log key too', async () => {
      // An organisation's entry: public, so anyone may check it.
      const city = await createOrganisation(t, uniqueSlug('lv-pinned'), 'city');
      const index = (await t.http.get(`/api/v1/organisations/${city.slug}`).expect(200)).body.journalIndex as number;
      expect((await checkRecord(REGISTRY, index, { fetch: publicFetch, keys: { pinned: await servedKey() } })).ok).toBe(true);
      const wrong = await checkRecord(REGISTRY, index, { fetch: publicFetch, keys: { pinned: otherSigner().verifierKey } });
      expect(wrong).toMatchObject({ ok: false });
      expect(wrong.problem).toMatch(/not signed by the log key/);
    });
  });

  describe('plaza log check: one record against the log', () => {
    it("passes for a record as served, and names the record changed behind the log's back", async () => {
      const city = await createOrganisation(t, uniqueSlug('lv-check'), 'city');
      const source = await createSource(t, city.adminKey, `urn:plaza:lv:${uniqueSlug('s')}`);
      const index = source.journalIndex as number;
      const honest = await checkRecord(REGISTRY, index, { fetch: publicFetch });
      expect(honest).toMatchObject({ ok: true, index, subject: { type: 'source', id: source.id }, state: { id: source.id, ceSource: source.ceSource } });

      await db.query(`UPDATE sources SET purpose = '{"en": "Something else", "fr": "Autre chose"}' WHERE id = $1`, [source.id]);
      try {
        const tampered = await checkRecord(REGISTRY, index, { fetch: publicFetch });
        expect(tampered.ok).toBe(false);
        expect(tampered.problem).toMatch(/changed outside the log/);
      } finally {
        await db.query('UPDATE sources SET purpose = $1 WHERE id = $2', [JSON.stringify(source.purpose), source.id]);
      }

      // A member's entry: only with a key of its organisation.
      const member = (await t.http.get(`/api/v1/organisations/${city.slug}/members/${city.adminId}`).set(bearer(city.adminKey)).expect(200)).body;
      expect((await checkRecord(REGISTRY, member.journalIndex, { fetch: publicFetch })).ok).toBe(false);
      expect((await checkRecord(REGISTRY, member.journalIndex, { fetch: publicFetch, apiKey: city.adminKey })).ok).toBe(true);
    });
  });

  // These cases edit, delete, reorder and truncate log rows directly in the database and restore them afterwards.
  describe('catches a tampered log', () => {
    type Row = Record<string, unknown>;
    const rowAt = async (index: number) => ((await db.query('SELECT * FROM journal_entries WHERE index = $1', [index])) as Row[])[0]!;
    async function insertRow(row: Row) {
      const columns = Object.keys(row);
      await db.query(`INSERT INTO journal_entries (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => row[c]));
    }
    const setEntry = (index: number, entry: Buffer) => db.query('UPDATE journal_entries SET entry = $1 WHERE index = $2', [entry, index]);

    /** A state file holding the current, verified checkpoint. */
    async function verifiedState(): Promise<string> {
      const state = newState();
      expect((await verify(state)).ok).toBe(true);
      return state;
    }

    afterEach(async () => {
      // Every case restores what it changed: the log verifies again.
      expect((await verify(newState())).problem).toBeUndefined();
    });

    it('EDIT: an entry whose bytes changed is named', async () => {
      const size = await headSize();
      const index = size - 2;
      const row = await rowAt(index);
      const original = row.entry as Buffer;
      await setEntry(index, Buffer.from(original.toString('utf8').replace(/"action":"[^"]*"/, '"action":"organisation.deleted"')));
      try {
        const result = await verify(newState());
        expect(result).toMatchObject({ ok: false, badIndex: index });
        expect(result.problem).toMatch(/do not hash to the served leaf hash/);
      } finally {
        await setEntry(index, original);
      }
    });

    it('DELETE: the last entry row gone while journal_head still counts it is named missing', async () => {
      const state = await verifiedState();
      const before = readFileSync(state, 'utf8');
      const last = (await headSize()) - 1;
      const row = await rowAt(last);
      await db.query('DELETE FROM journal_entries WHERE index = $1', [last]);
      try {
        const result = await verify(state);
        expect(result).toMatchObject({ ok: false, badIndex: last });
        expect(result.problem).toMatch(/missing/);
        // A failed run leaves the state as it was.
        expect(readFileSync(state, 'utf8')).toBe(before);
      } finally {
        await insertRow(row);
      }
    });

    it('REORDER: two entries swapped are caught at the first of them', async () => {
      const size = await headSize();
      const [i, j] = [1, size - 1];
      const [a, b] = [(await rowAt(i)).entry as Buffer, (await rowAt(j)).entry as Buffer];
      await setEntry(i, b);
      await setEntry(j, a);
      try {
        expect(await verify(newState())).toMatchObject({ ok: false, badIndex: i });
      } finally {
        await setEntry(i, a);
        await setEntry(j, b);
      }
    });

    it('TRUNCATE: a log that lost entries since the last run fails on consistency', async () => {
      await createOrganisation(t, uniqueSlug('lv-trunc'), 'vendor');
      const state = await verifiedState();
      const size = await headSize();
      const keep = size - 2;
      const removed = (await db.query('SELECT * FROM journal_entries WHERE index >= $1 ORDER BY index', [keep])) as Row[];
      await db.query('DELETE FROM journal_entries WHERE index >= $1', [keep]);
      await db.query('UPDATE journal_head SET size = $1 WHERE id = 1', [keep]);
      try {
        // On its own, the shorter log is internally sound: only the comparison with last time catches it.
        expect((await verify(newState())).ok).toBe(true);
        const result = await verify(state);
        expect(result.ok).toBe(false);
        expect(result.badIndex).toBeUndefined();
        expect(result.problem).toMatch(/^consistency: .*truncated/);
        expect(readLogState(state)!.size).toBe(size);
      } finally {
        for (const row of removed) await insertRow(row);
        await db.query('UPDATE journal_head SET size = $1 WHERE id = 1', [size]);
      }
    });

    it("a checkpoint signed with a key that is not the log's fails on the signature, whatever else the registry publishes", async () => {
      const state = await verifiedState();
      const { size, rootHash } = readLogState(state)!;
      const forged = signNote(checkpointText(size, Buffer.from(rootHash, 'base64')), otherSigner());
      const result = await verify(state, serving({ '/log/checkpoint': () => text(forged) }));
      expect(result.ok).toBe(false);
      expect(result.problem).toMatch(/not signed by the log key/);
      // A line under the log key's own name and id whose signature is wrong refuses the whole note.
      const genuine = signNote(checkpointText(size, Buffer.from(rootHash, 'base64')), logSigner());
      const broken = genuine.replace(/ (\S+)\n$/, (_, sig: string) => ` ${Buffer.from(Buffer.from(sig, 'base64').map((byte, i) => (i === 10 ? byte ^ 1 : byte))).toString('base64')}\n`);
      expect((await verify(state, serving({ '/log/checkpoint': () => text(broken) }))).problem).toMatch(/signature does not verify with the log key/);
    });

    it('a validly signed checkpoint whose root is not the root of the entries is caught', async () => {
      // A first use against a registry serving another key: its checkpoint verifies, its root does not.
      const impostor = otherSigner();
      const note = signNote(checkpointText(await headSize(), Buffer.alloc(32, 7)), impostor);
      const result = await verify(newState(), serving({ '/log/key': () => text(impostor.verifierKey), '/log/checkpoint': () => text(note) }));
      expect(result.ok).toBe(false);
      expect(result.problem).toMatch(/root recomputed from the \d+ entries differs/);
    });

    it('a registry that signs a forked log with its own key (entries and root agreeing) is caught on consistency with last time', async () => {
      const state = await verifiedState();
      await createOrganisation(t, uniqueSlug('lv-fork'), 'city');
      const size = await headSize();
      const page = (await (await publicFetch(`${REGISTRY}/api/v1/log/entries?start=0&end=${size}`)).json()) as { treeSize: number; entries: { index: number; entry: string; leafHash: string }[] };
      // Rewrite history: entry 0 now says something else; leaf hash and root recomputed so the fork is self-consistent.
      const entries = page.entries.map((e) => ({ ...e }));
      const forgedBytes = Buffer.from(Buffer.from(entries[0]!.entry, 'base64').toString('utf8').replace(/"action":"[^"]*"/, '"action":"organisation.deleted"'));
      entries[0] = { index: 0, entry: forgedBytes.toString('base64'), leafHash: Buffer.from(await hasher.leaf(forgedBytes)).toString('base64') };
      const tree = new MerkleTree(hasher);
      await tree.appendEntries(entries.map((e) => new Uint8Array(Buffer.from(e.entry, 'base64'))));
      const note = signNote(checkpointText(size, await tree.root()), logSigner());
      const fetcher: FetchLike = (url) => {
        const u = new URL(url);
        if (u.pathname === '/log/checkpoint') return Promise.resolve(text(note));
        if (u.pathname === '/api/v1/log/entries') {
          const start = Number(u.searchParams.get('start'));
          const end = Number(u.searchParams.get('end'));
          return Promise.resolve(json({ treeSize: size, entries: entries.slice(start, end) }));
        }
        return publicFetch(url);
      };
      // Without a memory of last time the fork looks sound; with it, it is caught.
      expect((await verify(newState(), fetcher)).ok).toBe(true);
      const result = await verify(state, fetcher);
      expect(result.ok).toBe(false);
      expect(result.problem).toMatch(/^consistency: the log of size \d+ does not extend the one of size \d+/);
    });
  });
});
