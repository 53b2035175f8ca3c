import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectAccessible, launchBrowser } from './support/browser.js';
import { addMember, bearer, createOrganisation, createSource, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

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
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route((url) => url.origin !== base, (route) => route.abort());
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
