import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { addSignatures, cosigner, ed25519Signer, parseNote, signText, formatNote } from '#plaza/note';
import { MonitorExit } from '../apps/cli/src/log-monitor.js';
import { SYSTEM_ACTOR } from '../apps/registry/src/kernel/auth/actor.js';
import { organisationKind } from '../apps/registry/src/organisations/organisation-record.js';
import { UnitOfWork } from '../apps/registry/src/platform/journal/unit-of-work.js';
import { plaza } from './support/cli-process.js';
import { type ExchangeScenario, registerScenario } from './support/exchange-scenario.js';
import { addMember, bearer, createOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

/**
 * `plaza log monitor`, the built command, against a real registry over HTTP: it follows the log through the tiles
 * from a state file and exits with a distinct code for each alarm. Tamper cases edit log rows in this suite's own
 * database (and restore them); a small proxy in front of the registry plays a cache that lost a tile, or a registry
 * that serves witness cosignatures on its checkpoint.
 */
describe('plaza log monitor (the built CLI against a real registry)', () => {
  let t: TestApp;
  let db: DataSource;
  let url: string;
  let vkey: string;
  let dir: string;
  let s: ExchangeScenario;
  let cityId: string;
  let states = 0;
  const newState = () => join(dir, `state-${++states}.json`);
  const monitor = (state: string, ...args: string[]) => plaza(['log', 'monitor', '--url', url, '--vkey', vkey, '--state', state, ...args]);
  const headSize = async () => Number(((await db.query('SELECT size FROM journal_head WHERE id = 1')) as { size: string }[])[0]!.size);

  /** `count` journal entries about another organisation, through the registry's own unit of work, a few hundred per transaction. */
  async function journalEdits(count: number, organisationId: string): Promise<void> {
    const uow = t.app.get(UnitOfWork);
    for (let done = 0; done < count; done += 250) {
      await uow.run(SYSTEM_ACTOR, async (tx) => {
        for (let i = done; i < Math.min(count, done + 250); i++) {
          tx.record({ action: 'organisation.updated', kind: organisationKind, subjectId: organisationId, organisationId, state: { edit: i }, isPublic: true });
        }
      });
    }
  }

  /** A proxy to the registry: answers `missing` paths with a 404 and passes the checkpoint through `checkpoint`. */
  async function proxy(options: { missing?: string[]; checkpoint?: (note: string) => string }): Promise<{ url: string; server: Server }> {
    const server = createServer((req, res) => {
      void (async () => {
        if (options.missing?.includes(req.url!)) {
          res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{}');
          return;
        }
        const upstream = await fetch(`${url}${req.url}`, { headers: { 'accept-encoding': 'identity' } });
        let body = Buffer.from(await upstream.arrayBuffer());
        if (req.url === '/log/checkpoint' && options.checkpoint) body = Buffer.from(options.checkpoint(body.toString('utf8')));
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' }).end(body);
      })();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
  }

  beforeAll(async () => {
    // A database of its own (the tamper cases edit its log), and no public-answer cache (it would hide an edit for seconds).
    t = await startTestApp({ PLAZA_PUBLIC_CACHE_MB: '0' }, { ownDatabase: true });
    await t.app.listen(0, '127.0.0.1');
    url = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    db = t.app.get(DataSource);
    vkey = (await (await fetch(`${url}/log/key`)).text()).trim();
    dir = mkdtempSync(join(tmpdir(), 'plaza-log-monitor-'));
    // A city and a vendor with a sensor and an agreement both signed: the vendor's signature is an entry about the city's agreement.
    s = await registerScenario(url, t.operatorKey, 'mon');
    cityId = ((await (await fetch(`${url}/api/v1/organisations/${s.city.slug}`)).json()) as { id: string }).id;
    const other = await createOrganisation(t, uniqueSlug('mon-other'), 'city');
    await journalEdits(300, other.id);
  }, 120_000);
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  it("follows the log from scratch and then incrementally, printing the city's entries and flagging those not made with its keys", async () => {
    const state = newState();
    const first = await monitor(state, '--organisation', s.city.slug);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const lines = first.stdout.trimEnd().split('\n');
    // Its creation by the operator, its sensor, its agreement's steps, and the vendor's signature on it.
    expect(lines.some((l) => new RegExp(`^\\d+  \\S+  organisation\\.created  organisation/${cityId}  by .*FLAG: the operator's key$`).test(l))).toBe(true);
    const vendorSigned = lines.filter((l) => new RegExp(`agreement\\.signed  agreement-version/${s.agreementId}/1 \\(for ${s.vendor.slug}\\)  by `).test(l));
    expect(vendorSigned).toHaveLength(1);
    // Every key of the scenario was issued by the operator: none of them is the city's own.
    expect(lines.every((l) => /FLAG: /.test(l))).toBe(true);
    // The 300 edits of another organisation are not about the city.
    expect(lines.length).toBeLessThan(50);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { size: number; vkey: string; organisation: { id: string; records: string[] } };
    expect(saved).toMatchObject({ size: await headSize(), vkey, organisation: { id: cityId } });
    expect(saved.size).toBeGreaterThan(300);

    // Incrementally: a member the city's admin adds acts with a key the city issued (not flagged); the operator's edit is.
    const own = await addMember(t, s.city.slug, s.city.apiKey, ['admin']);
    await t.http.patch(`/api/v1/organisations/${s.city.slug}`).set(bearer(own.key)).send({ website: 'https://city.example/own' }).expect(200);
    await t.http.patch(`/api/v1/organisations/${s.city.slug}`).set(bearer(t.operatorKey)).send({ website: 'https://city.example/operator' }).expect(200);
    const second = await monitor(state, '--organisation', s.city.slug);
    expect(second.code).toBe(0);
    const updates = second.stdout.trimEnd().split('\n').filter((l) => l.includes('organisation.updated'));
    expect(updates).toHaveLength(2);
    expect(updates[0]).toMatch(new RegExp(`by ${s.city.slug} key plz_\\S+$`));
    expect(updates[1]).toMatch(/by the operator key plz_\S+ \(operator\) {2}FLAG: the operator's key$/);
    expect(second.stdout).not.toContain('organisation.created');

    // Nothing new: quiet (for cron), unless verbose; --json is one report.
    expect(await monitor(state, '--organisation', s.city.slug)).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await monitor(state, '--verbose')).stdout).toMatch(/^ok {3}\S+: (\d+) -> \1 entries \(0 new\), root \S+\n$/);
    const json = JSON.parse((await monitor(state, '--json')).stdout) as { ok: boolean; exitCode: number; newEntries: number };
    expect(json).toMatchObject({ ok: true, exitCode: 0, newEntries: 0 });
  });

  it('catches an edited entry among the new ones (exit 5) and keeps the state', async () => {
    const state = newState();
    expect((await monitor(state)).code).toBe(0);
    const before = readFileSync(state, 'utf8');
    await journalEdits(20, cityId);
    const index = (await headSize()) - 3;
    const [row] = (await db.query('SELECT entry FROM journal_entries WHERE index = $1', [index])) as { entry: Buffer }[];
    await db.query('UPDATE journal_entries SET entry = $1 WHERE index = $2', [Buffer.from(row!.entry.toString('utf8').replace('"organisation.updated"', '"organisation.deleted"')), index]);
    try {
      const run = await monitor(state);
      expect(run.code).toBe(MonitorExit.editedEntry);
      expect(run.stderr).toMatch(new RegExp(`EDITED ENTRY \\(exit 5\\): .*entry ${index} does not hash to its leaf hash`));
      expect(readFileSync(state, 'utf8')).toBe(before);
    } finally {
      await db.query('UPDATE journal_entries SET entry = $1 WHERE index = $2', [row!.entry, index]);
    }
    expect((await monitor(state)).code).toBe(0);
  });

  it('catches a fork: a log rolled back below the saved size, and a saved root the log does not have (exit 3)', async () => {
    await journalEdits(5, cityId);
    const state = newState();
    expect((await monitor(state)).code).toBe(0);
    const size = await headSize();
    const keep = size - 3;
    type Row = Record<string, unknown>;
    const removed = (await db.query('SELECT * FROM journal_entries WHERE index >= $1 ORDER BY index', [keep])) as Row[];
    // The registry rolled back three entries and signs the shorter log afresh.
    await db.query('DELETE FROM journal_entries WHERE index >= $1', [keep]);
    await db.query('UPDATE journal_head SET size = $1 WHERE id = 1', [keep]);
    try {
      const run = await monitor(state);
      expect(run.code).toBe(MonitorExit.fork);
      expect(run.stderr).toMatch(new RegExp(`FORK \\(exit 3\\): fork: the log has ${keep} entries, it had ${size} last time`));
    } finally {
      for (const row of removed) {
        const columns = Object.keys(row);
        await db.query(`INSERT INTO journal_entries (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => row[c]));
      }
      await db.query('UPDATE journal_head SET size = $1 WHERE id = 1', [size]);
    }
    expect((await monitor(state)).code).toBe(0);

    // A state whose root at its size is not the log's: the history it saw was another.
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { rootHash: string };
    const other = newState();
    writeFileSync(other, JSON.stringify({ ...saved, rootHash: Buffer.alloc(32, 1).toString('base64') }));
    const run = await monitor(other);
    expect(run.code).toBe(MonitorExit.fork);
    expect(run.stderr).toMatch(/FORK \(exit 3\): fork: /);
  });

  it('catches a missing tile (exit 4)', async () => {
    const state = newState();
    expect((await monitor(state)).code).toBe(0);
    await journalEdits(300, cityId);
    const size = await headSize();
    const lost = await proxy({ missing: [`/log/tile/entries/${String(Math.floor(size / 256) - 1).padStart(3, '0')}`] });
    try {
      const run = await plaza(['log', 'monitor', '--url', lost.url, '--vkey', vkey, '--state', state]);
      expect(run.code).toBe(MonitorExit.missingTile);
      expect(run.stderr).toMatch(/MISSING TILE \(exit 4\): missing tile: tile\/entries\/\d{3}: the log does not serve it/);
    } finally {
      lost.server.close();
    }
  });

  it('refuses a checkpoint with a key other than the pinned one (exit 2), and a state saved with another key', async () => {
    const origin = vkey.split('+')[0]!;
    const wrong = ed25519Signer(origin, generateKeyPairSync('ed25519').privateKey).verifierKey;
    const state = newState();
    const run = await plaza(['log', 'monitor', '--url', url, '--vkey', wrong, '--state', state]);
    expect(run.code).toBe(MonitorExit.signature);
    expect(run.stderr).toMatch(/BAD SIGNATURE \(exit 2\): the checkpoint is not signed by the log key/);
    expect(() => readFileSync(state)).toThrow();

    expect((await monitor(state)).code).toBe(0);
    expect((await plaza(['log', 'monitor', '--url', url, '--vkey', wrong, '--state', state])).code).toBe(MonitorExit.signature);
  });

  it('checks a witness quorum on the checkpoint: met when enough witnesses cosigned, exit 6 when not', async () => {
    const witness = (name: string) => cosigner(name, generateKeyPairSync('ed25519').privateKey);
    const [w1, w2] = [witness('w1.example/witness'), witness('w2.example/witness')];
    // What a registry serves once a witness cosigned its checkpoint: the note with the witness's line added.
    const cosigned = await proxy({
      checkpoint: (note) => {
        const parsed = parseNote(note);
        return formatNote(addSignatures(parsed, [signText(parsed.text, w1)]));
      },
    });
    try {
      const args = (...more: string[]) => ['log', 'monitor', '--url', cosigned.url, '--vkey', vkey, '--state', newState(), '--witness', w1.verifierKey, '--witness', w2.verifierKey, ...more];
      const met = await plaza(args('--quorum', '1', '--verbose'));
      expect(met.code).toBe(0);
      expect(met.stdout).toMatch(/cosigned by w1\.example\/witness\n$/);
      const short = await plaza(args());
      expect(short.code).toBe(MonitorExit.quorum);
      expect(short.stderr).toMatch(/QUORUM NOT MET \(exit 6\): quorum not met: 1 of the 2 witnesses cosigned the checkpoint of size \d+ \(w1\.example\/witness\); 2 needed/);
      // The registry itself serves no cosignature from these witnesses.
      expect((await plaza(['log', 'monitor', '--url', url, '--vkey', vkey, '--state', newState(), '--witness', w1.verifierKey])).code).toBe(MonitorExit.quorum);
    } finally {
      cosigned.server.close();
    }
  });
});
