import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ed25519Signer, formatKeyRotation, signKeyRotation, signNote } from '#plaza/note';
import { LOG_SIGNING_KEY_FILE } from '../apps/registry/src/transparency/log-signer.js';
import { fetchHttp, seedDemo } from '../demo/seed.js';
import { expectAccessible, launchBrowser } from './support/browser.js';
import { createOrganisation, createSource } from './support/fixtures.js';
import { createDatabase, startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

/**
 * The public register in a real browser (headless Chromium: the npm-bundled one, or Debian's with PLAZA_BROWSER=system), on a registry running the demo with its data
 * set: a resident's path from the home page to a sensor, the filters, the map (with its tile server unreachable),
 * the language switch, an agreement's signatures, and the transparency log verified by the browser itself, with
 * axe-core on every page and full-page screenshots in test-output/public-site/.
 */
const SHOTS = resolve(import.meta.dirname, '../test-output/public-site');
const SIGNATURE_BAD = 'The checkpoint’s signature does NOT verify.';
const suffix = `b${process.pid.toString(36)}${Date.now().toString(36)}`;

describe('public register in a browser', () => {
  let t: TestApp;
  let demoDir: string;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Demo slugs: the demo's own on a fresh embedded database; suffixed on a shared server database. */
  let slug: (name: string) => string;
  let blockedRequests: string[];
  let seed: () => ReturnType<typeof seedDemo>;
  let firstSeed: Awaited<ReturnType<typeof seedDemo>>;

  let database: Awaited<ReturnType<typeof createDatabase>> | undefined;

  beforeAll(async () => {
    demoDir = mkdtempSync(join(tmpdir(), 'plaza-demo-test-'));
    // The log checks read checkpoints of this suite's own entries: on the server, a database of its own, so that its
    // registry is the instance that signs them (on a shared one, another suite's registry may be).
    database = process.env.DATABASE_URL ? await createDatabase(process.env.DATABASE_URL) : undefined;
    t = await startTestApp({
      PLAZA_DEMO: 'true',
      PLAZA_DEMO_DATA_DIR: demoDir,
      PLAZA_DEMO_DATABASE_URL: database?.url ?? '',
      // On a shared server other suites' coalition members are in the electorate: the demo's decision may close at once.
      PLAZA_VOTING_PERIOD_HOURS: '0',
      PLAZA_RATE_LIMIT_PER_MINUTE: '100000',
    });
    const shared = t.config.database.mode === 'server';
    slug = (name) => (shared ? `${name}-${suffix}` : name);
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    seed = () => seedDemo(fetchHttp(base), { operatorKey: t.operatorKey, suffix: shared ? suffix : undefined });
    firstSeed = await seed();
    browser = await launchBrowser();
    mkdirSync(SHOTS, { recursive: true });
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    blockedRequests = [];
    // Nothing leaves the machine: the map's tile server is unreachable, as on a machine with no internet.
    await context.route((url) => url.origin !== base, (route) => {
      blockedRequests.push(route.request().url());
      return route.abort();
    });
    page = await context.newPage();
  });
  afterEach(() => context?.close());
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await database?.drop();
    if (demoDir) rmSync(demoDir, { recursive: true, force: true });
  });

  /** Submits the filter form and waits for the page it leads to: a click only waits for the navigation to start. */
  async function submitFilters(): Promise<void> {
    const navigated = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
    await page.getByRole('button', { name: 'Show' }).click();
    await navigated;
    await page.waitForLoadState('load');
  }

  async function screenshot(name: string): Promise<void> {
    const lang = await page.locator('html').getAttribute('lang');
    await page.screenshot({ path: join(SHOTS, `${name}-${lang}.png`), fullPage: true });
  }

  it('leads a resident from the home page to a sensor: who runs it, why, under which agreement, and the privacy contact', async () => {
    for (const lang of ['en', 'fr']) {
      await page.goto(`${base}/?lang=${lang}`);
      expect(await page.locator('.demo-banner').innerText()).toMatch(lang === 'en' ? /Demonstration data/ : /Données de démonstration/);
      await expectAccessible(page);
      await screenshot('home');
    }
    await page.goto(`${base}/?lang=en`);
    await page.getByRole('link', { name: 'Find what is deployed on your street' }).click();
    // Their city (on a shared database, other suites' copies of the demo are in the list too).
    await page.getByLabel('City').selectOption(slug('montreal'));
    await submitFilters();
    await page.getByRole('link', { name: 'Pedestrian and cyclist counting camera, Sainte-Catherine at Saint-Laurent' }).click();
    expect(await page.locator('h1').innerText()).toBe('Pedestrian and cyclist counting camera, Sainte-Catherine at Saint-Laurent');
    const text = await page.locator('main').innerText();
    expect(text).toContain('UrbanFlow Analytics');
    expect(text).toContain('Plan wider sidewalks and safer crossings from real counts.');
    expect(text).toContain('Yes: this source collects personal information.');
    expect(text).toContain('Counting people with a camera at Sainte-Catherine and Saint-Laurent');
    expect(text).toContain('privacy@montreal.example');
    expect(text).toMatch(/Transparency log entry: entry \d+/);
    await page.locator('#map[data-markers="1"]').waitFor();
    await expectAccessible(page);
    await screenshot('source');
    await page.getByRole('link', { name: 'Français' }).click();
    await page.locator('html[lang="fr"]').waitFor({ state: 'attached' });
    expect(await page.locator('h1').innerText()).toBe('Caméra de comptage des piétons et cyclistes, Sainte-Catherine et Saint-Laurent');
    await expectAccessible(page);
    await screenshot('source');
  });

  it("shows a source's name in its map tooltip as text: markup a city member typed creates no element", async () => {
    const city = await createOrganisation(t, uniqueSlug('tooltip-city'), 'city');
    const name = '<img src=x onerror="document.title=\'pwned\'"><b>bold</b>';
    const source = await createSource(t, city.adminKey, `urn:plaza:browser:${uniqueSlug('tooltip')}`, { name: { en: name, fr: name } });
    await page.goto(`${base}/sources/${source.id}?lang=en`);
    await page.locator('#map[data-markers="1"]').waitFor();
    await page.locator('#map path.leaflet-interactive').hover();
    const tooltip = page.locator('#map .leaflet-tooltip');
    await tooltip.waitFor();
    expect(await tooltip.innerText()).toBe(name);
    expect(await tooltip.locator('img, b').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
  });

  it('filters the list with the form, and the map (tiles unreachable) shows the markers and narrows the list to the visible area', async () => {
    await page.goto(`${base}/sources?lang=en`);
    await page.getByLabel('City').selectOption(slug('laval'));
    await submitFilters();
    const names = await page.locator('tbody th[scope=row]').allInnerTexts();
    expect(names.sort()).toEqual(['Air station 2, Chomedey', 'Car park occupancy, Montmorency metro station', 'On-street parking sensors, Boulevard Le Carrefour']);
    await page.getByLabel('Personal information').selectOption('true');
    await page.getByLabel('City').selectOption(slug('montreal'));
    await submitFilters();
    expect(await page.locator('tbody th[scope=row]').allInnerTexts()).toEqual(['Pedestrian and cyclist counting camera, Sainte-Catherine at Saint-Laurent']);
    await page.getByLabel('Personal information').selectOption('false');
    await submitFilters();
    expect(await page.locator('tbody tr').count()).toBe(3);

    await page.goto(`${base}/sources?lang=en&city=${slug('montreal')}`);
    const before = await page.locator('tbody tr').count();
    await page.locator(`#map[data-markers="${before}"]`).waitFor();
    expect(await page.locator('#map path.leaflet-interactive').count()).toBe(before);
    expect(blockedRequests.some((url) => url.includes('tile.openstreetmap.org'))).toBe(true);
    await expectAccessible(page);
    await screenshot('sources');
    // Zooming in on the map refilters the list to what is visible (the server's bbox filter).
    for (let i = 0; i < 4; i++) {
      await page.locator('.leaflet-control-zoom-in').click();
      await page.waitForTimeout(400);
    }
    await page.waitForURL(/bbox=/);
    await page.waitForFunction((n) => document.querySelectorAll('tbody tr').length < n, before);
    const bbox = new URL(page.url()).searchParams.get('bbox')!.split(',').map(Number);
    for (const row of await page.locator('tbody tr').all()) {
      const [lon, lat] = [Number(await row.getAttribute('data-lon')), Number(await row.getAttribute('data-lat'))];
      expect(lon >= bbox[0]! && lat >= bbox[1]! && lon <= bbox[2]! && lat <= bbox[3]!).toBe(true);
    }
  });

  it('opens an agreement: parties, terms, status history, and both signatures verified by the registry', async () => {
    for (const lang of ['en', 'fr']) {
      await page.goto(`${base}/agreements?lang=${lang}`);
      await expectAccessible(page);
      // From the camera's page, the agreement that covers it (the list holds other suites' agreements on a shared database).
      await page.goto(`${base}/sources?lang=${lang}&city=${slug('montreal')}&personalInformation=true`);
      await page.locator('tbody a').first().click();
      await page.getByRole('link', { name: lang === 'en' ? 'City of Montréal — UrbanFlow Analytics' : 'Ville de Montréal — Analytique UrbanFlow' }).click();
      const main = await page.locator('main').innerText();
      expect(main).toContain(lang === 'en' ? 'UrbanFlow operates the counting camera and sends only counts, never images.' : 'UrbanFlow exploite la caméra de comptage');
      expect(await page.locator('.signatures li.verifies').count()).toBe(2);
      expect(await page.locator('.signatures li.fails').count()).toBe(0);
      expect(main).toContain(lang === 'en' ? '90 days' : '90 jours');
      await expectAccessible(page);
      await screenshot('agreement');
    }
  });

  it("verifies the latest checkpoint's signed note and an entry's inclusion through the tiles in the browser, and says so in both languages", async () => {
    const asked: string[] = [];
    page.on('request', (request) => asked.push(new URL(request.url()).pathname));
    for (const [lang, verified] of [['en', 'Verified in your browser.'], ['fr', 'Vérifié dans votre navigateur.']] as const) {
      await page.goto(`${base}/log?lang=${lang}&index=3`);
      await page.locator('#verify-button').click();
      // Either outcome ends the wait, so a failure shows which step failed.
      await page.locator('#verify-result[data-outcome="verified"], #verify-result[data-outcome="failed"]').waitFor();
      expect(await page.locator('#verify-result').innerText()).toContain(verified);
      await expectAccessible(page);
      await screenshot('log');
    }
    // The C2SP forms for the proof: the signed note, the tiles and the entry bundle, never the JSON checkpoint or
    // proofs; besides, only the state the entry recorded (GET /api/v1/log/record), whose digest the entry holds.
    expect(asked).toContain('/log/checkpoint');
    expect(asked.some((path) => path.startsWith('/log/tile/0/'))).toBe(true);
    expect(asked.some((path) => path.startsWith('/log/tile/entries/'))).toBe(true);
    expect(asked.filter((path) => (path.startsWith('/api/v1/log/') && path !== '/api/v1/log/record') || path === '/.well-known/jwks.json')).toEqual([]);
  });

  it('reports a failure when a served tile, the entry bundle or the signed note is tampered with', async () => {
    const tamper = async (pattern: string, change: (body: Buffer) => Buffer) => {
      await page.route(pattern, async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, body: change(await response.body()) });
      });
      await page.goto(`${base}/log?lang=en&index=2`);
      await page.locator('#verify-button').click();
      await page.locator('#verify-result[data-outcome="failed"]').waitFor();
      expect(await page.locator('#verify-result').innerText()).toContain('Verification failed.');
      expect(await page.locator('#verify-result .bad').count()).toBeGreaterThan(0);
      await page.unrouteAll();
    };
    const flipLast = (body: Buffer) => Buffer.from(body.map((byte, i) => (i === body.length - 1 ? byte ^ 1 : byte)));
    // A hash of the level-0 tile, then the last entry of the bundle (entry 2 itself is checked against its hash).
    await tamper('**/log/tile/0/**', flipLast);
    await tamper('**/log/tile/entries/**', flipLast);
    // The root line of the signed note: its signature no longer verifies.
    await tamper('**/log/checkpoint', (body) => {
      const [origin, size, root, ...rest] = body.toString('utf8').split('\n');
      const flipped = Buffer.from(Buffer.from(root!, 'base64').map((byte, i) => (i === 0 ? byte ^ 1 : byte))).toString('base64');
      return Buffer.from([origin, size, flipped, ...rest].join('\n'));
    });
  });

  it("follows a log key rotation only through a statement signed by the key it remembered, as the CLI does", async () => {
    const verify = async (outcome: 'verified' | 'failed') => {
      await page.goto(`${base}/log?lang=en&index=1`);
      await page.locator('#verify-button').click();
      await page.locator(`#verify-result[data-outcome="${outcome}"], #verify-result[data-outcome="failed"]`).waitFor();
      return page.locator('#verify-result').getAttribute('data-outcome');
    };
    await page.goto(`${base}/log?lang=en`);
    await page.evaluate(() => localStorage.clear());
    expect(await verify('verified')).toBe('verified');
    const logKey = ed25519Signer(t.config.logOrigin, createPrivateKey({ key: t.config.logSigningKey ?? JSON.parse(readFileSync(join(t.config.dataDir, LOG_SIGNING_KEY_FILE), 'utf8')), format: 'jwk' }));
    const saved = JSON.parse((await page.evaluate(() => localStorage.getItem('plaza.log.checkpoint')))!) as { size: number; root: string; vkey: string };
    expect(saved.vkey).toBe(logKey.verifierKey);
    // This browser last verified the log under an earlier key, which named the log's key in a statement both signed.
    const earlier = ed25519Signer(t.config.logOrigin, generateKeyPairSync('ed25519').privateKey);
    const remember = (vkey: string) => page.evaluate((value) => localStorage.setItem('plaza.log.checkpoint', value), JSON.stringify({ ...saved, vkey }));
    const serveKeys = (rotation: string) =>
      page.route('**/log/keys', (route) =>
        route.fulfill({ json: { origin: t.config.logOrigin, current: logKey.verifierKey, keys: [{ vkey: earlier.verifierKey }, { vkey: logKey.verifierKey, fromSize: saved.size, rotation }] } }),
      );
    const rotation = { origin: t.config.logOrigin, oldKey: earlier.verifierKey, newKey: logKey.verifierKey, size: saved.size };
    await serveKeys(signKeyRotation(rotation, earlier, logKey));
    await remember(earlier.verifierKey);
    expect(await verify('verified')).toBe('verified');
    expect(JSON.parse((await page.evaluate(() => localStorage.getItem('plaza.log.checkpoint')))!).vkey).toBe(logKey.verifierKey);
    await page.unrouteAll();

    // A statement the earlier key did not sign (only the new key did), and no statement at all: the log's key is refused.
    await serveKeys(signNote(formatKeyRotation(rotation), logKey));
    await remember(earlier.verifierKey);
    expect(await verify('failed')).toBe('failed');
    expect(await page.locator('#verify-result li.bad').first().innerText()).toContain(SIGNATURE_BAD);
    await page.unrouteAll();
    await remember(ed25519Signer(t.config.logOrigin, generateKeyPairSync('ed25519').privateKey).verifierKey);
    expect(await verify('failed')).toBe('failed');
    // A failed check leaves the remembered key as it was.
    expect(JSON.parse((await page.evaluate(() => localStorage.getItem('plaza.log.checkpoint')))!).vkey).not.toBe(logKey.verifierKey);
    await page.evaluate(() => localStorage.clear());
  });

  it('remembers the checkpoint it verified, proves the next one extends it, and catches a log rewritten in between', async () => {
    const verify = async (outcome: 'verified' | 'failed') => {
      await page.goto(`${base}/log?lang=en&index=1`);
      await page.locator('#verify-button').click();
      await page.locator(`#verify-result[data-outcome="${outcome}"]`).waitFor();
      return page.locator('#verify-result').innerText();
    };
    await page.goto(`${base}/log?lang=en`);
    await page.evaluate(() => localStorage.clear());
    expect(await verify('verified')).toContain('This is the first check from this browser');
    // The log grows between two visits: the new tree's tiles give the remembered root at the remembered size.
    await createOrganisation(t, uniqueSlug('browser-grows'), 'city');
    expect(await verify('verified')).toContain('The log is consistent with the checkpoint this browser checked last time');

    // What a rewritten history looks like from here: the remembered root of a size differs from the one now signed.
    const remembered = await page.evaluate(() => localStorage.getItem('plaza.log.checkpoint')!);
    const forked = JSON.parse(remembered) as { size: number; root: string };
    forked.root = Buffer.from(Buffer.from(forked.root, 'base64').map((byte, i) => (i === 0 ? byte ^ 1 : byte))).toString('base64');
    await page.evaluate((value) => localStorage.setItem('plaza.log.checkpoint', value), JSON.stringify(forked));
    await createOrganisation(t, uniqueSlug('browser-forked'), 'city');
    expect(await verify('failed')).toContain('The log is NOT consistent with the checkpoint this browser checked last time');
    // A failed check does not replace what the browser remembers: the rewrite keeps failing.
    expect(await page.evaluate(() => localStorage.getItem('plaza.log.checkpoint'))).toBe(JSON.stringify(forked));
    expect(await verify('failed')).toContain('NOT consistent');
    await page.evaluate(() => localStorage.clear());
  });

  it('seeds the demo once: a second run finds everything and writes nothing', async () => {
    expect(firstSeed.writes).toBeGreaterThan(50);
    expect((await seed()).writes).toBe(0);
  });

  it("shows a source's conformance record: the readings its operator sent, signed, through the exchange", async () => {
    await page.goto(`${base}/sources?lang=en&city=${slug('laval')}`);
    await page.getByRole('link', { name: 'Car park occupancy, Montmorency metro station' }).click();
    const section = await page.locator('section[aria-labelledby=conformance]').innerText();
    expect(section).toMatch(/Events accepted\s+24/);
    expect(section).toMatch(/Events refused\s+1/);
  });

  it('passes axe-core on every page of the register, in English and French', async () => {
    const paths = ['/', '/sources', '/agreements', '/privacy-records', '/standards', '/standards/air-quality-observation', '/proposals', '/log'];
    await page.goto(`${base}/privacy-records?lang=en`);
    paths.push(new URL(await page.locator('tbody a').first().getAttribute('href') ?? '', base).pathname);
    const proposals = (await (await fetch(`${base}/api/v1/proposals?standard=${slug('bike-counter-observation')}`)).json()) as { items: { number: number }[] };
    paths.push(`/proposals/${proposals.items[0]!.number}`);
    await page.goto(`${base}/sources?lang=en&city=${slug('longueuil')}`);
    paths.push(new URL(await page.locator('tbody a').first().getAttribute('href') ?? '', base).pathname);
    for (const path of paths) {
      for (const lang of ['en', 'fr']) {
        await page.goto(`${base}${path}?lang=${lang}`);
        await expectAccessible(page);
      }
    }
    // Twenty-two pages, each loaded and audited: a loaded machine needs more than the suite's default minute.
  }, 180_000);
});
