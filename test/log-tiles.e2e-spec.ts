import { createHash } from 'node:crypto';
import { entryBundlePath, partialTiles, TileClient, tilePath, TreeHasher, type TileId, type TreeHead } from '#plaza/merkle';
import { noteVerifierFromKey, openCheckpoint, type NoteVerifier } from '#plaza/note';
import { SYSTEM_ACTOR } from '../apps/registry/src/kernel/auth/actor.js';
import { organisationKind } from '../apps/registry/src/organisations/organisation-record.js';
import { UnitOfWork } from '../apps/registry/src/platform/journal/unit-of-work.js';
import { TILE_REQUESTS_PER_MINUTE } from '../apps/registry/src/transparency/tiles/tile.controller.js';
import { createOrganisation, rawBody, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const hasher = new TreeHasher((bytes) => createHash('sha256').update(bytes).digest());
/** This suite's API budget: small, so that the last case can spend it (the tiles have their own). */
const API_REQUESTS_PER_MINUTE = 100;

describe('the log as C2SP tiles', () => {
  let t: TestApp;
  let city: TestOrganisation;
  /** The first signed checkpoint, of a log of a few thousand entries, and a later one. */
  let first: TreeHead;
  let second: TreeHead;
  let logKey: NoteVerifier;

  /** GET <prefix>/<path> over HTTP, as the exact bytes. */
  const get = (path: string, headers: Record<string, string> = {}) => t.http.get(`/log/${path}`).set(headers).buffer(true).parse(rawBody);
  /** What a tile client needs: the bytes of a path under the prefix, or undefined when the log has no such tile. */
  const fetchTile = async (path: string): Promise<Uint8Array | undefined> => {
    const res = await get(path);
    if (res.status === 404) return undefined;
    expect(res.status).toBe(200);
    return new Uint8Array(res.body as Buffer);
  };
  const client = () => new TileClient(hasher, fetchTile);

  /** `count` journal entries through the registry's own unit of work (the path every write takes), a few hundred per transaction. */
  async function journalEdits(count: number): Promise<void> {
    const uow = t.app.get(UnitOfWork);
    for (let done = 0; done < count; done += 500) {
      await uow.run(SYSTEM_ACTOR, async (tx) => {
        for (let i = done; i < Math.min(count, done + 500); i++) {
          tx.record({ action: 'organisation.updated', kind: organisationKind, subjectId: city.id, organisationId: city.id, state: { edit: i }, isPublic: true });
        }
      });
    }
  }

  /** The latest checkpoint, a signed note checked with the log's verifier key alone, as (size, root). */
  async function signedCheckpoint(): Promise<TreeHead> {
    const note = (await get('checkpoint').expect(200)).body as Buffer;
    const { checkpoint } = openCheckpoint(new Uint8Array(note), [logKey]);
    expect(checkpoint.origin).toBe(logKey.name);
    return { size: checkpoint.size, root: checkpoint.rootHash };
  }

  beforeAll(async () => {
    // A database of its own on the server: the sizes this suite signs, and the tiles they have, are its own.
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: String(API_REQUESTS_PER_MINUTE) }, { ownDatabase: true });
    // A client pins this key out of band; the suite reads it from the registry it just started.
    logKey = noteVerifierFromKey((await t.http.get('/log/key').expect(200)).text.trim());
    city = await createOrganisation(t, uniqueSlug('tiles-city'), 'city');
    await journalEdits(3000);
    first = await signedCheckpoint();
  });
  afterAll(() => t?.close());

  it('lets a client that knows only the prefix and the log key rebuild and check a log of a few thousand entries', async () => {
    expect(first.size).toBeGreaterThan(3000);
    const entries: Uint8Array[] = [];
    await client().verifyTree(first, { onEntries: (_, batch) => void entries.push(...batch) });
    // Every entry, in order, each the exact bytes its leaf hash covers (checked by the client against the tiles).
    expect(entries).toHaveLength(first.size);
    expect(entries.map((entry) => (JSON.parse(Buffer.from(entry).toString('utf8')) as { index: number }).index)).toEqual([...Array(first.size).keys()]);
  });

  it('keeps serving the partial tiles of an older checkpoint as the log grows, and the newer tiles prove it consistent', async () => {
    await journalEdits(700);
    second = await signedCheckpoint();
    for (const tile of partialTiles(first.size)) await get(tilePath(tile)).expect(200);
    await client().verifyConsistency(first, second);
    const read: number[] = [];
    await client().verifyTree(second, { since: first, onEntries: (start, batch) => void read.push(start, batch.length) });
    expect(read[0]).toBe(first.size);
    expect(read.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0)).toBe(second.size - first.size);
  });

  it('serves full tiles as raw bytes cacheable for a year, partial ones for seconds', async () => {
    const full = await get('tile/0/000').expect(200);
    expect(full.headers['content-type']).toBe('application/octet-stream');
    expect(full.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((full.body as Buffer).length).toBe(256 * 32);
    await get('tile/entries/000').expect(200).expect('cache-control', 'public, max-age=31536000, immutable');
    const partial = partialTiles(second.size)[0]!;
    const res = await get(tilePath(partial)).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=5');
    expect((res.body as Buffer).length).toBe(partial.width * 32);
    await get(entryBundlePath(partial)).expect(200).expect('cache-control', 'public, max-age=5');
  });

  it('compresses entry bundles for a client that accepts gzip, to the same bytes', async () => {
    const plain = await get('tile/entries/001', { 'accept-encoding': 'identity' }).expect(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await get('tile/entries/001', { 'accept-encoding': 'gzip, identity' }).expect(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(Buffer.compare(zipped.body as Buffer, plain.body as Buffer)).toBe(0);
  });

  it('refuses the partial tiles of a size no checkpoint was signed for', async () => {
    // Sizes between the two checkpoints, and below the first, were never signed (this suite signs only those two).
    const size = first.size % 256 === 255 ? first.size + 2 : first.size + 1;
    const leaves: TileId = { level: 0, index: Math.floor(size / 256), width: size % 256 };
    const subtrees: TileId = { level: 1, index: 0, width: Math.floor(first.size / 256) - 1 };
    for (const path of [tilePath(leaves), entryBundlePath(leaves), tilePath(subtrees)]) {
      const res = await t.http.get(`/log/${path}`).expect(404);
      expect(res.body.code).toBe('log.tile_not_published');
    }
  });

  it('refuses a tile beyond the signed size, even one the tree already holds', async () => {
    // Two more full level-0 tiles in the tree, with no checkpoint signed for them.
    await journalEdits(512);
    const unsigned: TileId = { level: 0, index: Math.floor(second.size / 256) + 1, width: 256 };
    for (const path of [tilePath(unsigned), entryBundlePath(unsigned), 'tile/0/x999/999', 'tile/2/000', 'tile/6/000.p/1']) {
      const res = await t.http.get(`/log/${path}`).expect(404);
      expect(res.body.code).toBe('log.tile_not_published');
    }
  });

  it.each(['tile/0/0', 'tile/00/000', 'tile/0/000.p/0', 'tile/0/000.p/256', 'tile/0/000.p/05', 'tile/0/x000/001', 'tile/0/000/', 'tile/64/000', 'tile/entries', 'tile/'])(
    'refuses the malformed path %s with a 400 problem',
    async (path) => {
      const res = await t.http.get(`/log/${path}`).expect(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('log.tile_path_invalid');
    },
  );

  it('leaves the public log page where it was', async () => {
    await t.http.get('/log').expect(200).expect('content-type', /text\/html/);
  });

  it('gives tiles a per-address limit of their own: a client that spent its API budget still reads every tile', async () => {
    expect((await get('tile/0/000').expect(200)).headers['x-ratelimit-limit']).toBe(String(TILE_REQUESTS_PER_MINUTE));
    let status = 200;
    // A route answered by the registry each time (a cached public read is answered before any limit).
    // Up to twice the budget: the limiter's minute may end (and the budget refill) midway.
    for (let i = 0; i <= 2 * API_REQUESTS_PER_MINUTE && status !== 429; i++) status = (await t.http.get('/health')).status;
    expect(status).toBe(429);
    await client().verifyTree(second);
  });
});
