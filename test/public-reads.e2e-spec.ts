import { jest } from '@jest/globals';
import pg from 'pg';
import { bearer, createOrganisation, createSource, type TestOrganisation } from './support/fixtures.js';
import { createDatabase, describeOnServer, startTestApp, type TestApp } from './support/test-app.js';
import { RegistryChanges } from '../apps/registry/src/platform/registry-changes/registry-changes.js';

/** Every statement any connection of this process sends (the registry under test runs in it), counted while `work` runs. */
async function queriesDuring(work: () => Promise<unknown>): Promise<number> {
  const spy = jest.spyOn(pg.Client.prototype, 'query');
  try {
    await work();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

describe('public reads from memory', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let source: { id: string };
  beforeAll(async () => {
    // A database of its own on the server: another suite's writes would empty this registry's cache mid-test.
    // And a max age no slow machine reaches between two requests of a test.
    t = await startTestApp({ PLAZA_PUBLIC_CACHE_MAX_AGE_MS: '60000' }, { ownDatabase: true });
    city = await createOrganisation(t, 'cached-city', 'city');
    source = await createSource(t, city.adminKey, 'urn:plaza:cached-city:air-1');
    // The log's checkpoint of these writes, signed as the publisher would within a second: signing one is a public
    // change too, which would otherwise empty the cache right after the first page that asked for it.
    await t.http.get('/api/v1/log/checkpoint').expect(200);
  });
  afterAll(() => t?.close());

  it.each([
    ['the home page', '/'],
    ['the sources page', '/sources'],
    ["a source's page", () => `/sources/${source.id}`],
    ['the sources API', '/api/v1/sources?limit=20'],
    ["a source's API record", () => `/api/v1/sources/${source.id}`],
    ['the checkpoint', '/api/v1/log/checkpoint'],
  ])('answers %s again without a single query, byte for byte, with a strong ETag and shared-cache headers', async (_name, path) => {
    const url = typeof path === 'function' ? path() : path;
    const first = await t.http.get(url).expect(200);
    let second!: Awaited<ReturnType<typeof t.http.get>>;
    expect(await queriesDuring(async () => (second = await t.http.get(url).expect(200)))).toBe(0);
    expect(second.text).toBe(first.text);
    expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['cache-control']).toMatch(/^public, max-age=0, s-maxage=5\b/);
    expect(second.headers.vary).toContain('Authorization');
    // Per exchange, never replayed: each answer has its own request id.
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it('lets a shared cache serve a page stale while it asks again, but never the log checkpoint, which C2SP clients poll', async () => {
    expect((await t.http.get('/sources').expect(200)).headers['cache-control']).toBe('public, max-age=0, s-maxage=5, stale-while-revalidate=30');
    expect((await t.http.get('/api/v1/log/checkpoint').expect(200)).headers['cache-control']).toBe('public, max-age=0, s-maxage=5');
    expect((await t.http.get('/log/checkpoint').expect(200)).headers['cache-control']).toBe('public, max-age=0, s-maxage=5');
  });

  it('answers a conditional request with the ETag it holds by 304 with no body and no query, and a stale ETag by the page', async () => {
    const first = await t.http.get('/sources').set('accept-language', 'fr').expect(200);
    let notModified!: Awaited<ReturnType<typeof t.http.get>>;
    expect(await queriesDuring(async () => (notModified = await t.http.get('/sources').set('accept-language', 'fr').set('if-none-match', first.headers.etag).expect(304)))).toBe(0);
    expect(notModified.text).toBe('');
    expect(notModified.headers.etag).toBe(first.headers.etag);
    await t.http.get('/sources').set('accept-language', 'fr').set('if-none-match', '"another"').expect(200);
  });

  it('keeps one answer a language: the French and English pages are cached apart, ?lang choosing as Accept-Language does', async () => {
    const fr = await t.http.get('/sources').set('accept-language', 'fr-CA,fr;q=0.9').expect(200);
    const en = await t.http.get('/sources').set('accept-language', 'en').expect(200);
    expect(fr.text).toContain('lang="fr"');
    expect(en.text).toContain('lang="en"');
    expect(await queriesDuring(async () => {
      expect((await t.http.get('/sources').set('accept-language', 'fr').expect(200)).headers.etag).toBe(fr.headers.etag);
      expect((await t.http.get('/sources').set('accept-language', 'en').expect(200)).headers.etag).toBe(en.headers.etag);
    })).toBe(0);
    // `/sources?lang=en` is its own URL, in English whatever the browser asks for, and kept in turn.
    const chosen = await t.http.get('/sources?lang=en').set('accept-language', 'fr').expect(200);
    expect(chosen.text).toContain('lang="en"');
    let again!: Awaited<ReturnType<typeof t.http.get>>;
    expect(await queriesDuring(async () => (again = await t.http.get('/sources?lang=en').set('accept-language', 'fr').expect(200)))).toBe(0);
    expect(again.headers.etag).toBe(chosen.headers.etag);
  });

  it('answers HEAD from the same cache: the headers of the page, no body', async () => {
    const page = await t.http.get('/standards').expect(200);
    let head!: Awaited<ReturnType<typeof t.http.head>>;
    expect(await queriesDuring(async () => (head = await t.http.head('/standards').expect(200)))).toBe(0);
    expect(head.headers.etag).toBe(page.headers.etag);
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(head.text ?? '').toBe('');
  });

  it('stores the whole answer when a HEAD comes first: the next GET has the body, and both the same ETag', async () => {
    const head = await t.http.head('/proposals').expect(200);
    let page!: Awaited<ReturnType<typeof t.http.get>>;
    expect(await queriesDuring(async () => (page = await t.http.get('/proposals').expect(200)))).toBe(0);
    expect(page.text).toContain('</html>');
    expect(page.headers.etag).toBe(head.headers.etag);
  });

  it("shows a write at once: the writer's next read, with or without its key, is the new state, with a new ETag", async () => {
    const before = await t.http.get(`/sources/${source.id}`).expect(200);
    const beforeApi = await t.http.get(`/api/v1/sources/${source.id}`).expect(200);
    const description = { en: 'Counts fine particles near the school', fr: 'Compte les particules fines près de l’école' };
    await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(city.adminKey)).send({ description }).expect(200);

    const after = await t.http.get(`/sources/${source.id}`).set('if-none-match', before.headers.etag).expect(200);
    expect(after.text).toContain(description.en);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const api = await t.http.get(`/api/v1/sources/${source.id}`).expect(200);
    expect(api.body.description).toEqual(description);
    expect(api.headers.etag).not.toBe(beforeApi.headers.etag);
    const withKey = await t.http.get(`/api/v1/sources/${source.id}`).set(bearer(city.adminKey)).expect(200);
    expect(withKey.body.description).toEqual(description);
  });

  it('never serves a key holder from the cache: its answers are read, marked private, and still answer 304 to their own ETag', async () => {
    await t.http.get('/api/v1/sources?limit=20').expect(200);
    let keyed!: Awaited<ReturnType<typeof t.http.get>>;
    expect(await queriesDuring(async () => (keyed = await t.http.get('/api/v1/sources?limit=20').set(bearer(city.adminKey)).expect(200)))).toBeGreaterThan(0);
    expect(keyed.headers['cache-control']).toBe('private, no-cache');
    expect(keyed.headers.vary).toContain('Authorization');
    await t.http.get('/api/v1/sources?limit=20').set(bearer(city.adminKey)).set('if-none-match', keyed.headers.etag).expect(304);
  });

  it("keeps the records' answers when only the log changes: the checkpoint signed after a write does not empty them", async () => {
    await createSource(t, city.adminKey, 'urn:plaza:cached-city:before-signing');
    const home = await t.http.get('/').expect(200);
    const sources = await t.http.get('/api/v1/sources?limit=20').expect(200);
    // The home page counts the log's entries without signing a checkpoint for it: the write's entry is there already.
    const size = Number((await t.http.get('/api/v1/log/root').expect(200)).body.treeSize);
    expect(home.text).toContain(`${size} entries in the transparency log`);
    // This instance signs: asking for the checkpoint signs the write's size, a change of the log alone.
    await t.http.get('/api/v1/log/checkpoint').expect(200);
    expect(await queriesDuring(() => Promise.all([t.http.get('/').expect(200), t.http.get('/api/v1/sources?limit=20').expect(200)]))).toBe(0);
    expect((await t.http.get('/api/v1/sources?limit=20').expect(200)).text).toBe(sources.text);
  });

  it('keeps a proof of a named tree size through every change; one of the current size follows the changes', async () => {
    const size = Number((await t.http.get('/api/v1/log/root').expect(200)).body.treeSize);
    const named = `/api/v1/log/proof/inclusion?index=0&size=${size}`;
    const proof = await t.http.get(named).expect(200);
    // Shared caches get the usual seconds: a size no checkpoint covers may hold another tree after a restore.
    expect(proof.headers['cache-control']).toMatch(/^public, max-age=0, s-maxage=5\b/);
    await t.http.get('/api/v1/log/proof/inclusion?index=0').expect(200);

    await createSource(t, city.adminKey, 'urn:plaza:cached-city:after-the-proof');
    let again!: Awaited<ReturnType<typeof t.http.get>>;
    expect(await queriesDuring(async () => (again = await t.http.get(named).expect(200)))).toBe(0);
    expect(again.text).toBe(proof.text);
    const grown = await t.http.get('/api/v1/log/proof/inclusion?index=0').expect(200);
    expect(grown.body.treeSize).toBe(size + 1);
  });

  it('never caches a refusal: a missing source is looked for every time, and its page tells every cache not to keep it', async () => {
    const missing = '/sources/00000000-0000-4000-8000-000000000000';
    const first = await t.http.get(missing).expect(404);
    expect(first.headers['cache-control']).toBe('no-store');
    expect((await t.http.get('/api/v1/sources/00000000-0000-4000-8000-000000000000').expect(404)).headers['cache-control']).toBe('no-store');
    expect(await queriesDuring(() => t.http.get(missing).expect(404))).toBeGreaterThan(0);
  });

  it('counts the records once for both languages of the home page after a change', async () => {
    await createSource(t, city.adminKey, 'urn:plaza:cached-city:before-counting');
    const alone = await queriesDuring(() => t.http.get('/').set('accept-language', 'en').expect(200));
    await createSource(t, city.adminKey, 'urn:plaza:cached-city:before-counting-twice');
    const both = await queriesDuring(() => Promise.all(['en', 'fr'].map((lang) => t.http.get('/').set('accept-language', lang).expect(200))));
    expect(alone).toBeGreaterThan(0);
    expect(both).toBe(alone);
  });

  it('renders a page once for many readers arriving together after a change', async () => {
    const url = `/api/v1/organisations/${city.slug}`;
    let n = 0;
    const change = () => createSource(t, city.adminKey, `urn:plaza:cached-city:n-${++n}`);
    await change();
    const alone = await queriesDuring(() => t.http.get(url).expect(200));
    await change();
    const together = await queriesDuring(() => Promise.all(Array.from({ length: 20 }, () => t.http.get(url).expect(200))));
    expect(alone).toBeGreaterThan(0);
    expect(together).toBe(alone);
  });
});

/**
 * Holds every statement any connection of this process sends until `open` is called: a rendering in progress stays in
 * progress for as long as the test needs to see what other readers get meanwhile.
 */
function holdQueries(): { open(): void; restore(): void } {
  const query = pg.Client.prototype.query;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const spy = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const run = () => (query as (...a: unknown[]) => unknown).apply(this, args);
    // The callback form answers through its callback; the promise form through what it returns.
    if (typeof args.at(-1) === 'function') return void gate.then(run) as never;
    return gate.then(run) as never;
  });
  return { open, restore: () => spy.mockRestore() };
}

describe('public reads past their max age', () => {
  const MAX_AGE_MS = 2_000;
  let t: TestApp;
  let city: TestOrganisation;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_PUBLIC_CACHE_MAX_AGE_MS: String(MAX_AGE_MS) }, { ownDatabase: true });
    city = await createOrganisation(t, 'aged-city', 'city');
    await t.http.get('/api/v1/log/checkpoint').expect(200);
  });
  afterAll(() => t?.close());

  /** Starts `count` reads of `url` at once; answers which have finished while the first is still rendering. */
  async function readersWhileOneRenders(url: string, count: number) {
    const held = holdQueries();
    try {
      const done: string[] = [];
      const reads = Array.from({ length: count }, () => t.http.get(url).expect(200).then((res) => (done.push(res.headers.etag as string), res)));
      // Long enough for every reader that is not waiting for the rendering to be answered from memory.
      for (let tries = 0; tries < 100 && done.length < count - 1; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
      const whileRendering = [...done];
      held.open();
      const all = await Promise.all(reads);
      return { whileRendering, all };
    } finally {
      held.open();
      held.restore();
    }
  }

  it('serves the answer it holds to every reader but one while that one renders it again, once past the max age', async () => {
    const url = `/api/v1/organisations/${city.slug}`;
    const first = await t.http.get(url).expect(200);
    await new Promise((resolve) => setTimeout(resolve, MAX_AGE_MS + 100));
    const { whileRendering, all } = await readersWhileOneRenders(url, 10);
    expect(whileRendering).toHaveLength(9);
    expect(new Set(whileRendering)).toEqual(new Set([first.headers.etag]));
    expect(all.every((res) => res.text === first.text)).toBe(true);
  });

  it("serves the log page it holds while one reader renders it again after a change of the log's own state alone", async () => {
    await t.http.get('/api/v1/log/checkpoint').expect(200); // the current size signed: the page's rendering signs nothing
    await t.http.get('/log').expect(200);
    const held = await t.http.get('/log').expect(200);
    // What a witness's cosignature or standing announces: the log's state moved, the records did not.
    t.app.get(RegistryChanges).changed('log');
    const { whileRendering } = await readersWhileOneRenders('/log', 10);
    expect(whileRendering).toHaveLength(9);
    expect(new Set(whileRendering)).toEqual(new Set([held.headers.etag]));
  });

  it('holds every reader until the new answer is rendered after a change: a change is never served stale', async () => {
    const url = '/api/v1/sources?limit=20';
    await t.http.get(url).expect(200);
    await new Promise((resolve) => setTimeout(resolve, MAX_AGE_MS + 100));
    const created = await createSource(t, city.adminKey, 'urn:plaza:aged-city:after-change');
    const { whileRendering, all } = await readersWhileOneRenders(url, 10);
    expect(whileRendering).toEqual([]);
    expect(all.every((res) => (res.body.items as { id: string }[]).some((s) => s.id === created.id))).toBe(true);
  });
});

describe('public reads with the cache off (PLAZA_PUBLIC_CACHE_MB=0)', () => {
  it('reads every answer, and still gives ETags, 304s and shared-cache headers', async () => {
    // A database of its own on the server: another suite's writes would grow the log, and so its checkpoint, between the two reads.
    const t = await startTestApp({ PLAZA_PUBLIC_CACHE_MB: '0' }, { ownDatabase: true });
    try {
      const first = await t.http.get('/api/v1/log/checkpoint').expect(200);
      expect(first.headers['cache-control']).toContain('s-maxage=5');
      expect(await queriesDuring(() => t.http.get('/api/v1/log/checkpoint').set('if-none-match', first.headers.etag).expect(304))).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  }, 120_000);
});

describeOnServer('public reads across processes', () => {
  it("empties another process's cache when the signing instance signs a checkpoint: its next read serves the new one", async () => {
    const database = await createDatabase(process.env.DATABASE_URL!);
    // A max age no test reaches: only the notice can empty the reader's cache in time.
    const signer = await startTestApp({ DATABASE_URL: database.url, PLAZA_PUBLIC_CACHE_MAX_AGE_MS: '60000' });
    const reader = await startTestApp({ DATABASE_URL: database.url, PLAZA_PUBLIC_CACHE_MAX_AGE_MS: '60000' });
    const size = (res: { body: { body: string } }) => Number(res.body.body.split('\n')[1]);
    try {
      const city = await createOrganisation(signer, 'signed-city', 'city');
      const first = size(await signer.http.get('/api/v1/log/checkpoint').expect(200));
      const before = (await reader.http.get('/api/v1/sources?limit=20').expect(200)).headers.etag;
      await createSource(signer, city.adminKey, 'urn:plaza:signed-city:1');
      // The write's notice reaches the reader asynchronously and empties its cache; wait for it (the ETag names the
      // journal's size), or it could land after the read below and make the reader read again.
      let seen = before;
      for (let tries = 0; tries < 100 && seen === before; tries++) {
        seen = (await reader.http.get('/api/v1/sources?limit=20').expect(200)).headers.etag;
        if (seen === before) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(seen).not.toBe(before);
      // The reader does not sign: it serves (and caches) the latest stored checkpoint, from before the write.
      expect(size(await reader.http.get('/api/v1/log/checkpoint').expect(200))).toBe(first);
      expect(await queriesDuring(() => reader.http.get('/api/v1/log/checkpoint').expect(200))).toBe(0);
      const signed = size(await signer.http.get('/api/v1/log/checkpoint').expect(200));
      expect(signed).toBeGreaterThan(first);
      let served = first;
      for (let tries = 0; tries < 50 && served !== signed; tries++) {
        served = size(await reader.http.get('/api/v1/log/checkpoint').expect(200));
        if (served !== signed) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(served).toBe(signed);
      // Signing told the reader that only the log changed: its answers about the records stay cached.
      expect(await queriesDuring(() => reader.http.get('/api/v1/sources?limit=20').expect(200))).toBe(0);
    } finally {
      await reader.close();
      await signer.close();
      await database.drop();
    }
  }, 120_000);

  it("empties one process's cache when another commits a change", async () => {
    const database = await createDatabase(process.env.DATABASE_URL!);
    const reader = await startTestApp({ DATABASE_URL: database.url });
    const writer = await startTestApp({ DATABASE_URL: database.url });
    try {
      const city = await createOrganisation(writer, 'watched-city', 'city');
      const before = await reader.http.get('/api/v1/sources?limit=20').expect(200);
      expect(before.body.items).toEqual([]);
      const created = await createSource(writer, city.adminKey, 'urn:plaza:watched-city:1');
      // The notification crosses processes asynchronously: the reader's cache empties within moments, never later than its max age.
      let items: { id: string }[] = [];
      for (let tries = 0; tries < 50 && items.length === 0; tries++) {
        items = (await reader.http.get('/api/v1/sources?limit=20').expect(200)).body.items;
        if (items.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(items.map((s) => s.id)).toEqual([created.id]);
    } finally {
      await reader.close();
      await writer.close();
      await database.drop();
    }
  }, 120_000);
});

