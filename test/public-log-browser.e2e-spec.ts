import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectAccessible, launchBrowser, offlineContext } from './support/browser.js';
import { addMember, bearer, createOrganisation, createSource, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';
import { startTestWitness, type TestWitness } from './support/test-witness.js';
import { ed25519Signer, signKeyRotation, signNote } from '#plaza/note';
import { WitnessPublisher } from '../apps/registry/src/transparency/witnessing/witness-publisher.js';

/**
 * The log page in words in a real browser (headless Chromium, as test/public-site-browser.e2e-spec.ts drives it): a
 * resident filters it with its form (no script involved), follows an entry to its record, and has the browser's own
 * log check verify an entry chosen from the filtered list; axe-core on each page in both languages, full-page
 * screenshots in test-output/public-site/.
 */
const SHOTS = resolve(import.meta.dirname, '../test-output/public-site');
const SOURCE = { en: 'Noise sensor, parc La Fontaine', fr: 'Capteur de bruit, parc La Fontaine' };
const WORDS = {
  en: { show: 'Show', registered: 'registered the source “Noise sensor, parc La Fontaine”', verified: 'Verified in your browser.' },
  fr: { show: 'Afficher', registered: 'a enregistré la source « Capteur de bruit, parc La Fontaine »', verified: 'Vérifié dans votre navigateur.' },
} as const;

describe('the log page in words in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let city: TestOrganisation;
  let cityName: string;
  let sourceId: string;

  beforeAll(async () => {
    // The log check reads checkpoints this registry signs: a database of its own on the server.
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000' }, { ownDatabase: true });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const slug = uniqueSlug('logbrowser');
    cityName = `Montréal ${slug}`;
    city = await createOrganisation(t, slug, 'city', { name: { en: cityName, fr: cityName } });
    const own = await addMember(t, city.slug, city.adminKey, ['admin']);
    sourceId = (await createSource(t, own.key, `urn:logbrowser:${slug}:noise`, { name: SOURCE })).id;
    await t.http.post(`/api/v1/organisations/${city.slug}/members`).set(bearer(own.key)).send({ name: 'Jeanne Browser', email: `jeanne.${slug}@city.example`, roles: ['member'] }).expect(201);
    await t.http.patch(`/api/v1/organisations/${city.slug}`).set(bearer(t.operatorKey)).send({ jurisdiction: 'CA-QC' }).expect(200);
    browser = await launchBrowser();
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  beforeEach(async () => {
    context = await offlineContext(browser, base);
    page = await context.newPage();
  });
  afterEach(() => context?.close());
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function screenshot(name: string): Promise<void> {
    const lang = await page.locator('html').getAttribute('lang');
    await page.screenshot({ path: join(SHOTS, `${name}-${lang}.png`), fullPage: true });
  }

  /** Clicks and waits for the page it leads to: a click only waits for the navigation to start. */
  async function navigate(click: () => Promise<void>): Promise<void> {
    const navigated = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
    await click();
    await navigated;
    await page.waitForLoadState('load');
  }

  it('filters the log with its form, names the public records and links them, and passes axe in both languages', async () => {
    for (const lang of ['en', 'fr'] as const) {
      await page.goto(`${base}/log?lang=${lang}`);
      const form = page.locator('form.filters');
      await form.locator('select[name="city"]').selectOption(city.slug);
      const today = new Date().toISOString().slice(0, 10);
      await form.locator('input[name="to"]').fill(today);
      await navigate(() => form.getByRole('button', { name: WORDS[lang].show, exact: true }).click());
      const url = new URL(page.url());
      expect(url.pathname).toBe('/log');
      expect(url.searchParams.get('city')).toBe(city.slug);
      expect(url.searchParams.get('to')).toBe(today);
      const rows = page.locator('table.log-entries tbody tr');
      expect(await rows.count()).toBeGreaterThanOrEqual(5);
      const text = await page.locator('table.log-entries').innerText();
      expect(text).toContain(`${cityName} ${WORDS[lang].registered}`);
      expect(text).toContain(lang === 'en' ? `The operator, for ${cityName}` : `L’exploitant, pour ${cityName}`);
      expect(text).not.toContain('Jeanne Browser');
      await expectAccessible(page);
      await screenshot('log-filtered');
    }
    // The record's link leads to its page.
    await navigate(() => page.getByRole('link', { name: `${cityName} ${WORDS.fr.registered}` }).click());
    expect(new URL(page.url()).pathname).toBe(`/sources/${sourceId}`);
    expect(await page.locator('h1').innerText()).toBe(SOURCE.fr);
  });

  it('verifies an entry chosen from the filtered list in the browser, in both languages', async () => {
    for (const lang of ['en', 'fr'] as const) {
      await page.goto(`${base}/log?city=${city.slug}&kind=source&lang=${lang}`);
      const row = page.locator('table.log-entries tbody tr').first();
      const index = await row.getAttribute('data-index');
      await navigate(() => row.locator('th a').click());
      expect(new URL(page.url()).searchParams.get('index')).toBe(index);
      expect(await page.locator('#verify-index').inputValue()).toBe(index);
      // The list stays filtered beside the chosen entry.
      expect(await page.locator('table.log-entries tbody tr[data-kind="source"]').count()).toBe(await page.locator('table.log-entries tbody tr').count());
      await page.locator('#verify-button').click();
      await page.locator('#verify-result[data-outcome="verified"], #verify-result[data-outcome="failed"]').waitFor();
      expect(await page.locator('#verify-result').innerText()).toContain(WORDS[lang].verified);
      await expectAccessible(page);
      await screenshot('log-entry-verified');
    }
  });
});

describe("the log page's check in a browser, with a witness", () => {
  const ORIGIN = 'witnessed-page.plaza.test/log';
  const { privateKey } = generateKeyPairSync('ed25519');
  let witness: TestWitness;
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    witness = await startTestWitness('witness.plaza.test', ed25519Signer(ORIGIN, privateKey).verifierKey);
    t = await startTestApp(
      {
        PLAZA_RATE_LIMIT_PER_MINUTE: '100000',
        PLAZA_LOG_ORIGIN: ORIGIN,
        PLAZA_LOG_SIGNING_KEY: JSON.stringify(privateKey.export({ format: 'jwk' })),
        PLAZA_OUTBOUND_ALLOW_ADDRESSES: '127.0.0.1',
        PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS: '127.0.0.1',
        PLAZA_LOG_WITNESSES: JSON.stringify([{ url: witness.url, vkey: witness.vkey }]),
        // The suite asks the witness itself, so the witnessed checkpoint stays behind the latest signed one.
        PLAZA_LOG_WITNESS_INTERVAL_MS: '0',
      },
      { ownDatabase: true },
    );
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await witness?.close();
  });

  it('checks an entry against the checkpoint the witnesses vouched for, not the newer one signed since, and says so', async () => {
    await createOrganisation(t, uniqueSlug('witnessedpage'), 'city');
    await t.http.get('/api/v1/log/checkpoint').expect(200);
    await t.app.get(WitnessPublisher).publish();
    const witnessed = Number((await t.http.get('/log/checkpoint').expect(200)).text.split('\n')[1]);
    await createOrganisation(t, uniqueSlug('afterwards'), 'city');
    const latest = await t.http.get('/api/v1/log/checkpoint').expect(200);
    expect(Number(latest.body.body.split('\n')[1])).toBeGreaterThan(witnessed);
    expect(latest.body.witnessedCheckpoint.size).toBe(witnessed);

    const context = await offlineContext(browser, base);
    try {
      const page = await context.newPage();
      for (const [lang, says] of [['en', `the one the witnesses vouched for: ${witnessed} entries`], ['fr', `celui dont les témoins se sont portés garants : ${witnessed} entrées`]] as const) {
        await page.goto(`${base}/log?lang=${lang}`);
        expect(await page.locator('#verify-against').innerText()).toContain(says);
        expect(await page.locator('#verify-index').inputValue()).toBe(String(witnessed - 1));
        await page.locator('#verify-button').click();
        await page.locator('#verify-result[data-outcome="verified"], #verify-result[data-outcome="failed"]').waitFor();
        expect(await page.locator('#verify-result').getAttribute('data-outcome')).toBe('verified');
        expect(await page.locator('#verify-result').innerText()).toContain(`${witnessed - 1}`);
        await expectAccessible(page);
      }
    } finally {
      await context.close();
    }
  });

  it('after a log key rotation the witnesses have not caught up with, still verifies the witnessed checkpoint the old key signed, and no key beyond its sizes', async () => {
    const logKey = ed25519Signer(ORIGIN, privateKey);
    await createOrganisation(t, uniqueSlug('witnessedpage'), 'city');
    await t.http.get('/api/v1/log/checkpoint').expect(200);
    await t.app.get(WitnessPublisher).publish();
    await createOrganisation(t, uniqueSlug('afterwards'), 'city');
    const witnessedNote = (await t.http.get('/log/checkpoint').expect(200)).text;
    const witnessed = Number(witnessedNote.split('\n')[1]);
    const rotatedAt = Number((await t.http.get('/api/v1/log/checkpoint').expect(200)).body.body.split('\n')[1]);
    expect(rotatedAt).toBeGreaterThan(witnessed);
    const next = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
    const rotation = signKeyRotation({ origin: ORIGIN, oldKey: logKey.verifierKey, newKey: next.verifierKey, size: rotatedAt }, logKey, next);
    const body = (size: number) => `${ORIGIN}\n${size}\n${witnessedNote.split('\n')[2]}\n`;

    const context = await offlineContext(browser, base);
    try {
      const page = await context.newPage();
      const check = async () => {
        await page.goto(`${base}/log?lang=en`);
        await page.locator('#verify-button').click();
        await page.locator('#verify-result[data-outcome="verified"], #verify-result[data-outcome="failed"]').waitFor();
        return { outcome: await page.locator('#verify-result').getAttribute('data-outcome'), steps: await page.locator('#verify-result li').allInnerTexts() };
      };
      const remembered = async () => JSON.parse((await page.evaluate(() => localStorage.getItem('plaza.log.checkpoint')))!) as { size: number; vkey: string };
      expect((await check()).outcome).toBe('verified');
      await page.route(`${base}/log/keys`, (route) => route.fulfill({ json: { origin: ORIGIN, current: next.verifierKey, keys: [{ vkey: logKey.verifierKey }, { vkey: next.verifierKey, fromSize: rotatedAt, rotation }] } }));
      // The witnesses lag: the published checkpoint is still the one the old key signed, below the rotation's size.
      expect((await check()).outcome).toBe('verified');
      expect(await remembered()).toEqual(expect.objectContaining({ size: witnessed, vkey: logKey.verifierKey }));
      // The retired key signing beyond the rotation's size, and the new key below it, are refused at the signature.
      for (const forged of [signNote(body(rotatedAt + 1), logKey), signNote(body(witnessed), next)]) {
        await page.route(`${base}/log/checkpoint`, (route) => route.fulfill({ body: forged, contentType: 'text/plain; charset=utf-8' }));
        const refused = await check();
        expect(refused.outcome).toBe('failed');
        expect(refused.steps[0]).toMatch(/^✘ The checkpoint’s signature does NOT verify/);
        await page.unroute(`${base}/log/checkpoint`);
      }
      expect((await remembered()).size).toBe(witnessed);
    } finally {
      await context.close();
    }
  });
});
