import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEntryBundle, MerkleTree, parseTilePath, serveTiles } from '#plaza/merkle';
import { cosigner, ed25519Signer, type NoteSigner, signKeyRotation, signNote } from '#plaza/note';
import { formatEntry, formatReport, monitorLog, MonitorExit, type MonitorOptions, type MonitorState, runLogMonitor } from './log-monitor.js';
import { type FetchLike, hasher } from './log-verify.js';

const ORIGIN = 'registry.test/log';
const BASE = 'http://registry.test';
const CITY = '00000000-0000-4000-8000-00000000c171';
const VENDOR = '00000000-0000-4000-8000-0000000e2d02';
const OPERATOR = '00000000-0000-4000-8000-0000000b0b03';

interface Fields {
  action?: string;
  subject: string;
  organisation: string | null;
  /** The organisation that issued the acting key; 'operator' for the operator's own key; null for the registry itself. */
  by: string | null;
}

/** A journal entry in the registry's canonical form (sorted keys), at `index`. */
function entryBytes(index: number, f: Fields): Uint8Array {
  const [type, ...id] = f.subject.split('/');
  const key = f.by === null
    ? null
    : f.by === 'operator'
      ? { id: 'k-op', issuedBy: null, operator: true, prefix: 'plz_operator' }
      : { id: `k-${f.by}`, issuedBy: { member: 'm', organisation: f.by }, operator: f.by === OPERATOR, prefix: `plz_${f.by.slice(-4)}` };
  return new TextEncoder().encode(JSON.stringify({
    action: f.action ?? 'thing.changed', actor: null, index, key, organisation: f.organisation, state: 'sha256:x',
    subject: { id: id.join('/'), type }, time: `2026-12-06T10:00:${String(index % 60).padStart(2, '0')}.000Z`, v: 2,
  }));
}

/** A registry's log in memory, served as tiles, checkpoints and the organisation directory, through a FetchLike. */
class FakeRegistry {
  readonly entries: Uint8Array[] = [];
  readonly tree = new MerkleTree(hasher);
  signer: NoteSigner = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
  /** Key rotation statements, as GET /log/keys lists them (a 404 while there are none). */
  readonly rotations: string[] = [];
  readonly witnesses: NoteSigner[] = [];
  readonly signed: number[] = [];
  /** Routes answered otherwise (tampering), by path. */
  readonly forged = new Map<string, () => Response | undefined>();
  readonly paths: string[] = [];
  note = '';

  async add(...fields: Fields[]): Promise<void> {
    const bytes = fields.map((f, i) => entryBytes(this.entries.length + i, f));
    this.entries.push(...bytes);
    await this.tree.appendEntries(bytes);
  }

  async filler(count: number): Promise<void> {
    await this.add(...Array.from({ length: count }, (_, i): Fields => ({ subject: `source/other-${i}`, organisation: OPERATOR, by: OPERATOR })));
  }

  async sign(): Promise<void> {
    const size = this.tree.size;
    const text = `${ORIGIN}\n${size}\n${Buffer.from(await this.tree.root()).toString('base64')}\n`;
    this.note = signNote(text, [this.signer, ...this.witnesses]);
    this.signed.push(size);
  }

  readonly fetch: FetchLike = async (url) => {
    const path = new URL(url).pathname + new URL(url).search;
    this.paths.push(path);
    const forged = this.forged.get(new URL(url).pathname)?.();
    if (forged) return forged;
    if (path === '/log/checkpoint') return new Response(this.note, { status: 200 });
    if (path === '/log/key') return new Response(this.signer.verifierKey, { status: 200 });
    if (path === '/log/keys' && this.rotations.length > 0) return Response.json({ keys: this.rotations.map((rotation) => ({ rotation })) });
    if (path.startsWith('/log/tile/')) {
      const tile = path.slice('/log/'.length);
      parseTilePath(tile);
      for (const size of [this.tree.size, ...this.signed]) {
        const bytes = await serveTiles(this.tree.store, (start, end) => this.entries.slice(start, end), size)(tile);
        if (bytes) return new Response(new Uint8Array(bytes), { status: 200 });
      }
      return new Response('{}', { status: 404 });
    }
    if (path === '/api/v1/organisations/city') return Response.json({ id: CITY, slug: 'city' });
    if (path.startsWith('/api/v1/organisations?')) {
      return Response.json({ items: [{ id: CITY, slug: 'city' }, { id: VENDOR, slug: 'vendor' }, { id: OPERATOR, slug: 'operator' }], nextCursor: null });
    }
    return new Response('{}', { status: 404 });
  };
}

describe('plaza log monitor', () => {
  let r: FakeRegistry;
  let dir: string;
  const options = (more: Partial<MonitorOptions> = {}): MonitorOptions => ({ vkey: r.signer.verifierKey, fetch: r.fetch, ...more });
  const run = (previous: MonitorState | null, more: Partial<MonitorOptions> = {}) => monitorLog(BASE, previous, options(more));
  /** A state of the latest checkpoint, verified. */
  async function verified(more: Partial<MonitorOptions> = {}): Promise<MonitorState> {
    const { report, state } = await run(null, more);
    expect(report.problem).toBeUndefined();
    return state!;
  }

  beforeEach(async () => {
    r = new FakeRegistry();
    dir = mkdtempSync(join(tmpdir(), 'plaza-monitor-'));
    await r.add({ action: 'organisation.created', subject: `organisation/${CITY}`, organisation: CITY, by: 'operator' });
    await r.add({ action: 'agreement.created', subject: 'agreement-version/a1/1', organisation: CITY, by: CITY });
    await r.filler(600);
    await r.sign();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies a log from scratch and then only what it grew by, reading tiles only', async () => {
    const first = await run(null);
    expect(first.report).toMatchObject({ ok: true, exitCode: 0, newEntries: 602, previous: null, checkpoint: { origin: ORIGIN, size: 602 } });
    expect(first.state).toMatchObject({ origin: ORIGIN, size: 602, vkey: r.signer.verifierKey });
    expect(r.paths.every((p) => p === '/log/checkpoint' || p === '/log/keys' || p.startsWith('/log/tile/'))).toBe(true);

    await r.filler(300);
    await r.sign();
    r.paths.length = 0;
    const second = await run(first.state!);
    expect(second.report).toMatchObject({ ok: true, newEntries: 300, previous: { size: 602 }, checkpoint: { size: 902 } });
    // Bundles of entries before the saved size are not read again.
    expect(r.paths).not.toContain('/log/tile/entries/000');
    expect(r.paths).toContain('/log/tile/entries/003.p/134');
  });

  it("reports every new entry about the organisation's records, whoever acted, and flags keys it does not own", async () => {
    const first = await run(null, { organisation: 'city' });
    expect(first.report.entries.map((e) => [e.index, e.action, e.flag])).toEqual([
      [0, 'organisation.created', 'operator'],
      [1, 'agreement.created', null],
    ]);
    expect(first.state!.organisation).toMatchObject({ slug: 'city', id: CITY, records: expect.arrayContaining(['agreement-version/a1/1']) });

    await r.add(
      // The vendor signs the city's agreement: the entry names the vendor, but is about the city's record.
      { action: 'agreement.signed', subject: 'agreement-version/a1/1', organisation: VENDOR, by: VENDOR },
      { action: 'source.updated', subject: 'source/s1', organisation: CITY, by: 'operator' },
      { action: 'privacy-record.expired', subject: 'privacy-record/p1', organisation: CITY, by: null },
      // The city's key acting on a vendor's record concerns the city too; the vendor's own work does not.
      { action: 'agreement.signed', subject: 'agreement-version/v9/1', organisation: CITY, by: CITY },
      { action: 'source.created', subject: 'source/vendor-source', organisation: VENDOR, by: VENDOR },
      { action: 'member.updated', subject: 'member/m2', organisation: CITY, by: CITY },
    );
    await r.sign();
    const second = await run(first.state!, { organisation: 'city' });
    expect(second.report.entries).toEqual([
      { index: 602, time: expect.any(String), action: 'agreement.signed', record: 'agreement-version/a1/1', for: { id: VENDOR, slug: 'vendor' }, about: 'record', acting: { organisation: VENDOR, slug: 'vendor', key: 'plz_2d02', operator: false }, flag: 'other-organisation' },
      { index: 603, time: expect.any(String), action: 'source.updated', record: 'source/s1', about: 'record', acting: { organisation: null, key: 'plz_operator', operator: true }, flag: 'operator' },
      { index: 604, time: expect.any(String), action: 'privacy-record.expired', record: 'privacy-record/p1', about: 'record', acting: { organisation: null, key: null, operator: false }, flag: 'registry' },
      { index: 605, time: expect.any(String), action: 'agreement.signed', record: 'agreement-version/v9/1', about: 'record', acting: { organisation: CITY, slug: 'city', key: 'plz_c171', operator: false }, flag: null },
      { index: 607, time: expect.any(String), action: 'member.updated', record: 'member/m2', about: 'record', acting: { organisation: CITY, slug: 'city', key: 'plz_c171', operator: false }, flag: null },
    ]);
    expect(formatEntry(second.report.entries[0]!)).toBe(
      `602  ${second.report.entries[0]!.time}  agreement.signed  agreement-version/a1/1 (for vendor)  by vendor key plz_2d02  FLAG: another organisation's key`,
    );
    expect(formatEntry(second.report.entries[1]!)).toMatch(/source\.updated {2}source\/s1 {2}by the operator key plz_operator \(operator\) {2}FLAG: the operator's key$/);
  });

  it("learns the organisation's records from the whole log when the state was saved without them, and reports only what is new", async () => {
    const plain = await verified();
    await r.add({ action: 'agreement.signed', subject: 'agreement-version/a1/1', organisation: VENDOR, by: VENDOR });
    await r.sign();
    const { report } = await run(plain, { organisation: 'city' });
    expect(report.entries.map((e) => e.index)).toEqual([602]);
    expect(report.newEntries).toBe(1);
  });

  it('an entry made with the organisation key elsewhere is reported as made with its key', async () => {
    await r.add({ action: 'source.created', subject: 'source/x', organisation: VENDOR, by: CITY });
    await r.sign();
    const { report } = await run(null, { organisation: 'city' });
    expect(report.entries.at(-1)).toMatchObject({ index: 602, for: { slug: 'vendor' }, about: 'key', flag: null });
    expect(formatEntry(report.entries.at(-1)!)).toMatch(/\(made with its key\)$/);
  });

  describe('alarms, each with its exit code, and the state left as it was', () => {
    it('a fork: the same size with another root, a smaller log, or a history rewritten under the same key', async () => {
      const state = await verified();
      const other = { ...state, rootHash: Buffer.alloc(32, 9).toString('base64') };
      expect((await run(other)).report).toMatchObject({ ok: false, exitCode: MonitorExit.fork, failure: 'fork', problem: expect.stringMatching(/^fork: .*another root/) });
      expect((await run({ ...state, size: state.size + 5 })).report).toMatchObject({ exitCode: MonitorExit.fork, problem: expect.stringMatching(/rolled back/) });

      // The log key signs a different tree that is larger: its tiles do not give the old root at the old size.
      const fork = new FakeRegistry();
      Object.assign(fork, { signer: r.signer });
      await fork.add({ subject: `organisation/${CITY}`, organisation: CITY, by: 'operator' });
      await fork.filler(700);
      await fork.sign();
      const forked = await monitorLog(BASE, state, { vkey: r.signer.verifierKey, fetch: fork.fetch });
      expect(forked.report).toMatchObject({ exitCode: MonitorExit.fork, problem: expect.stringMatching(/^fork: /) });
      expect(forked.state).toBeUndefined();
    });

    it('an edited entry: its bytes no longer hash to its leaf hash', async () => {
      const state = await verified();
      await r.filler(10);
      await r.sign();
      const original = r.entries.slice(512, 612);
      const edited = original.map((e, i) => (i === 95 ? new TextEncoder().encode(new TextDecoder().decode(e).replace('other', 'OTHER')) : e));
      r.forged.set('/log/tile/entries/002.p/100', () => new Response(Buffer.from(encodeEntryBundle(edited)), { status: 200 }));
      const { report } = await run(state);
      expect(report).toMatchObject({ ok: false, exitCode: MonitorExit.editedEntry, failure: 'editedEntry' });
      expect(report.problem).toMatch(/entry 607 does not hash to its leaf hash/);
    });

    it('an entry that names another index than its place, even with a matching leaf hash', async () => {
      const odd = new FakeRegistry();
      const bytes = entryBytes(5, { subject: 'source/x', organisation: CITY, by: CITY });
      odd.entries.push(bytes);
      await odd.tree.appendEntries([bytes]);
      await odd.sign();
      const { report } = await monitorLog(BASE, null, { vkey: odd.signer.verifierKey, fetch: odd.fetch });
      expect(report).toMatchObject({ exitCode: MonitorExit.editedEntry, problem: 'entry 0 names index 5' });
    });

    it('a missing tile, and an unreachable registry (which is not an alarm about the log)', async () => {
      r.forged.set('/log/tile/entries/001', () => new Response('{}', { status: 404 }));
      expect((await run(null)).report).toMatchObject({ exitCode: MonitorExit.missingTile, problem: expect.stringMatching(/^missing tile: tile\/entries\/001/) });
      r.forged.set('/log/tile/entries/001', () => new Response('oops', { status: 500 }));
      expect((await run(null)).report).toMatchObject({ exitCode: MonitorExit.error, problem: expect.stringMatching(/answered 500/) });
    });

    it('a checkpoint not signed by the pinned key, a broken signature, a state verified with another key; a malformed --vkey is a usage error', async () => {
      const other = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
      expect((await run(null, { vkey: other.verifierKey })).report).toMatchObject({ exitCode: MonitorExit.signature, problem: expect.stringMatching(/not signed by the log key/) });
      const broken = r.note.replace(/ (\S+)\n$/, (_, sig: string) => ` ${Buffer.from(Buffer.from(sig, 'base64').map((b, i) => (i === 9 ? b ^ 1 : b))).toString('base64')}\n`);
      r.forged.set('/log/checkpoint', () => new Response(broken, { status: 200 }));
      expect((await run(null)).report).toMatchObject({ exitCode: MonitorExit.signature, problem: expect.stringMatching(/does not verify/) });
      r.forged.clear();
      const state = await verified();
      expect((await run({ ...state, vkey: other.verifierKey })).report.exitCode).toBe(MonitorExit.signature);
      expect((await run(null, { vkey: 'not a key' })).report).toMatchObject({ exitCode: MonitorExit.error, problem: expect.stringMatching(/^"not a key" is not an Ed25519 verifier key/) });
    });

    it('a witness quorum: met, not met, and a forged cosignature', async () => {
      const witness = (name: string) => cosigner(name, generateKeyPairSync('ed25519').privateKey);
      const [w1, w2, w3] = [witness('w1.example/witness'), witness('w2.example/witness'), witness('w3.example/witness')];
      r.witnesses.push(w1!, w2!);
      await r.sign();
      const keys = [w1!, w2!, w3!].map((w) => w.verifierKey);
      const met = await run(null, { witnesses: keys, quorum: 2 });
      expect(met.report).toMatchObject({ ok: true, cosigned: [{ name: 'w1.example/witness' }, { name: 'w2.example/witness' }] });
      const all = await run(null, { witnesses: keys });
      expect(all.report).toMatchObject({ exitCode: MonitorExit.quorum, failure: 'quorum', problem: expect.stringMatching(/^quorum not met: 2 of the 3 witnesses .* 3 needed$/) });
      expect(all.state).toBeUndefined();
      const forged = r.note.replace(/(— w2\.example\/witness \S{20})(\S)/, (_, head: string, c: string) => `${head}${c === 'A' ? 'B' : 'A'}`);
      r.forged.set('/log/checkpoint', () => new Response(forged, { status: 200 }));
      expect((await run(null, { witnesses: keys, quorum: 1 })).report).toMatchObject({ exitCode: MonitorExit.signature, problem: expect.stringMatching(/cosignature by witness w2/) });
      expect((await run(null, { witnesses: keys, quorum: 4 })).report).toMatchObject({ exitCode: MonitorExit.error, problem: expect.stringMatching(/quorum of 4/) });
    });
  });

  it('follows a log key rotation only through its statement, and saves the new key', async () => {
    const pinned = r.signer.verifierKey;
    const state = await verified();
    const old = r.signer;
    r.signer = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
    await r.filler(5);
    await r.sign();
    // A new key with no statement naming it is an alarm.
    expect((await run(state, { vkey: pinned })).report).toMatchObject({ exitCode: MonitorExit.signature, problem: expect.stringMatching(/a different key is an alarm/) });
    r.rotations.push(signKeyRotation({ origin: ORIGIN, oldKey: old.verifierKey, newKey: r.signer.verifierKey, size: 602 }, old, r.signer));
    const followed = await run(state, { vkey: pinned });
    expect(followed.report).toMatchObject({ ok: true, newEntries: 5 });
    expect(followed.state!.vkey).toBe(r.signer.verifierKey);
    // The next run, still pinned to the first key, reaches the saved one through the same statement.
    expect((await run(followed.state!, { vkey: pinned })).report.ok).toBe(true);
  });

  describe('after a log key rotation, while the witnesses lag behind it', () => {
    const witness = (name: string) => cosigner(name, generateKeyPairSync('ed25519').privateKey);
    let old: NoteSigner;
    let pinned: string;
    let state: MonitorState;
    let lagging: string;
    let keys: string[];

    /** 612 entries witnessed under the old key; the log rotated at 617 (that checkpoint signed again by the new key), and no witness cosigned since. */
    beforeEach(async () => {
      old = r.signer;
      pinned = old.verifierKey;
      state = await verified();
      const [w1, w2] = [witness('w1.example/witness'), witness('w2.example/witness')];
      keys = [w1!.verifierKey, w2!.verifierKey];
      r.witnesses.push(w1!, w2!);
      await r.filler(10);
      await r.sign();
      lagging = r.note;
      r.witnesses.length = 0;
      await r.filler(5);
      await r.sign();
      r.signer = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
      r.rotations.push(signKeyRotation({ origin: ORIGIN, oldKey: old.verifierKey, newKey: r.signer.verifierKey, size: 617 }, old, r.signer));
      await r.sign();
    });

    it("accepts the witnessed checkpoint the old key signed within its range, counts the witnesses' cosignatures, and keeps the old key as the state's", async () => {
      r.forged.set('/log/checkpoint', () => new Response(lagging, { status: 200 }));
      const followed = await run(state, { vkey: pinned, witnesses: keys });
      expect(followed.report).toMatchObject({ ok: true, checkpoint: { size: 612 }, newEntries: 10, cosigned: [{ name: 'w1.example/witness' }, { name: 'w2.example/witness' }] });
      expect(followed.state!.vkey).toBe(pinned);
      expect((await run(null, { vkey: pinned, witnesses: keys })).report).toMatchObject({ ok: true, checkpoint: { size: 612 } });
      // Once the witnesses catch up, the new key's checkpoint follows on from the saved state.
      r.forged.clear();
      expect((await run(followed.state!, { vkey: pinned })).report).toMatchObject({ ok: true, checkpoint: { size: 617 }, newEntries: 5 });
    });

    it('the checkpoint of the rotation size is accepted from either key; beyond it, not from the retired key', async () => {
      const text = r.note.slice(0, r.note.lastIndexOf('\n\n') + 1);
      r.forged.set('/log/checkpoint', () => new Response(signNote(text, old), { status: 200 }));
      expect((await run(state, { vkey: pinned })).report).toMatchObject({ ok: true, checkpoint: { size: 617 } });
      await r.filler(3);
      const signer = r.signer;
      r.signer = old;
      await r.sign();
      r.signer = signer;
      r.forged.set('/log/checkpoint', () => new Response(r.note, { status: 200 }));
      expect((await run(state, { vkey: pinned })).report).toMatchObject({ exitCode: MonitorExit.signature, problem: expect.stringMatching(/retired at size 617/) });
    });

    it('the new key never signs below the rotation size, and a key outside the chain is never accepted', async () => {
      const text = lagging.slice(0, lagging.lastIndexOf('\n\n') + 1);
      r.forged.set('/log/checkpoint', () => new Response(signNote(text, r.signer), { status: 200 }));
      expect((await run(state, { vkey: pinned })).report).toMatchObject({ exitCode: MonitorExit.signature, problem: expect.stringMatching(/from size 617/) });
      const stranger = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
      r.forged.set('/log/checkpoint', () => new Response(signNote(text, stranger), { status: 200 }));
      expect((await run(state, { vkey: pinned })).report).toMatchObject({ exitCode: MonitorExit.signature, problem: expect.stringMatching(/a different key is an alarm/) });
    });
  });

  it('saves the state only when everything verified, and prints nothing when nothing is new unless verbose', async () => {
    const path = join(dir, 'state.json');
    const first = await runLogMonitor(BASE, path, options());
    expect(first.ok).toBe(true);
    expect(formatReport(first)).toEqual({ stdout: expect.stringMatching(/^ok {3}registry\.test\/log: 602 entries \(first run\), root /), stderr: '' });

    const again = await runLogMonitor(BASE, path, options());
    expect(again).toMatchObject({ ok: true, newEntries: 0 });
    expect(formatReport(again)).toEqual({ stdout: '', stderr: '' });
    expect(formatReport(again, { verbose: true }).stdout).toMatch(/602 -> 602 entries \(0 new\)/);
    const saved = readFileSync(path, 'utf8');

    r.forged.set('/log/tile/entries/002.p/100', () => new Response('{}', { status: 404 }));
    await r.filler(10);
    await r.sign();
    const failed = await runLogMonitor(BASE, path, options());
    expect(failed.exitCode).toBe(MonitorExit.missingTile);
    expect(readFileSync(path, 'utf8')).toBe(saved);
    expect(formatReport(failed).stderr).toMatch(/^plaza log monitor: MISSING TILE \(exit 4\): missing tile: /);

    writeFileSync(path, 'not json');
    expect(await runLogMonitor(BASE, path, options())).toMatchObject({ exitCode: MonitorExit.error, problem: expect.stringMatching(/cannot read the log state/) });
  });
});
