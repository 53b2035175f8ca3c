import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectAccessible, launchBrowser, offlineContext } from './support/browser.js';
import { exchangeScenario, type ExchangeScenario } from './support/exchange-fixtures.js';
import { createOrganisation, createSource, type TestOrganisation } from './support/fixtures.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

/**
 * A source's sign and "what is near me" in a real browser (headless Chromium, as test/public-site-browser.e2e-spec.ts
 * drives it): axe-core on both pages in both languages, the sign printed to PDF on letter and A4 paper (one page of
 * the right size) with screenshots as printed in test-output/public-site/, and near me with the browser's location
 * granted to the page.
 */
const SHOTS = resolve(import.meta.dirname, '../test-output/public-site');
// A point in Montréal, with three sensors east of it on the same parallel, at about 0.16, 0.94 and 3.9 km.
const HERE = { latitude: 45.5, longitude: -73.57 };
const PLACED = [['Far sensor', 0.05], ['Near sensor', 0.002], ['Middle sensor', 0.012]] as const;

describe('signs and what is near me in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let scene: ExchangeScenario;
  let nearCity: TestOrganisation;

  beforeAll(async () => {
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000' });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    scene = await exchangeScenario(t, { personalInformation: true });
    nearCity = await createOrganisation(t, uniqueSlug('near-browser'), 'city');
    for (const [name, east] of PLACED) {
      await createSource(t, nearCity.adminKey, `urn:plaza:near-browser:${uniqueSlug('s')}`, {
        name: { en: name, fr: `${name} (fr)` }, location: { type: 'Point', coordinates: [HERE.longitude + east, HERE.latitude] },
      });
    }
    browser = await launchBrowser();
    mkdirSync(SHOTS, { recursive: true });
  });

  beforeEach(async () => {
    // The resident allows the page to know where they are (near me); nothing leaves the machine.
    context = await offlineContext(browser, base, { geolocation: HERE, permissions: ['geolocation'] });
    page = await context.newPage();
  });
  afterEach(() => context?.close());
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** The page boxes of a PDF Chromium printed: one [width, height] in points per page. */
  function pageSizes(pdf: Buffer): number[][] {
    return [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Math.round(Number(m[1])), Math.round(Number(m[2]))]);
  }

  it("is reached from the source's page, passes axe in both languages, and prints on one page of letter or A4", async () => {
    for (const lang of ['en', 'fr'] as const) {
      await page.goto(`${base}/sources/${scene.sourceId}?lang=${lang}`);
      await page.getByRole('link', { name: lang === 'en' ? 'Sign for “Air station”' : 'Affiche de « Station de qualité de l’air »' }).click();
      await page.locator('article.sign').waitFor();
      expect(new URL(page.url()).pathname).toBe(`/sources/${scene.sourceId}/sign`);
      const sign = await page.locator('article.sign').innerText();
      expect(sign).toContain('Data is collected here');
      expect(sign).toContain('Des données sont recueillies ici');
      expect(sign).toContain(`${t.config.publicUrl}/sources/${scene.sourceId}`);
      await expectAccessible(page);
      await page.screenshot({ path: join(SHOTS, `sign-${lang}.png`), fullPage: true });

      for (const [paper, size] of [['letter', [612, 792]], ['a4', [595, 842]]] as const) {
        await page.goto(`${base}/sources/${scene.sourceId}/sign?paper=${paper}&lang=${lang}`);
        await expectAccessible(page);
        // As printed: the print style sheet hides the register's frame and the tools, leaving the sign alone.
        await page.emulateMedia({ media: 'print' });
        expect(await page.locator('.site-header').isVisible()).toBe(false);
        expect(await page.locator('.sign-tools').isVisible()).toBe(false);
        await page.screenshot({ path: join(SHOTS, `sign-printed-${paper}-${lang}.png`), fullPage: true });
        await page.emulateMedia({ media: null });
        const path = join(SHOTS, `sign-printed-${paper}-${lang}.pdf`);
        await page.pdf({ path, preferCSSPageSize: true, printBackground: true });
        expect(pageSizes(readFileSync(path))).toEqual([size]);
      }
    }
  });

  it('lists what is near the resident, nearest first, from the location the browser gives when allowed', async () => {
    for (const lang of ['en', 'fr'] as const) {
      await page.goto(`${base}/sources?city=${nearCity.slug}&lang=${lang}`);
      const locate = page.locator('#near-locate');
      // The script offers the button; the form itself needs no script.
      await locate.waitFor({ state: 'visible' });
      await expectAccessible(page);
      // The resident widens the radius (2 km unless told) before asking.
      await page.locator('#near-radius').fill('5');
      const navigated = page.waitForURL(/lat=45\.5/);
      await locate.click();
      await navigated;
      await page.waitForLoadState('load');
      const url = new URL(page.url());
      expect(['lat', 'lon', 'radius', 'city'].map((name) => url.searchParams.get(name))).toEqual(['45.50000', '-73.57000', '5', nearCity.slug]);
      const suffix = lang === 'fr' ? ' (fr)' : '';
      expect(await page.locator('tbody th[scope=row]').allInnerTexts()).toEqual(['Near sensor', 'Middle sensor', 'Far sensor'].map((n) => `${n}${suffix}`));
      const distances = (await page.locator('tbody td.distance').allInnerTexts()).map((d) => d.replace(/[\u00a0\u202f]/g, ' '));
      expect(distances).toEqual(lang === 'en' ? ['160 m away', '940 m away', '3.9 km away'] : ['à 160 m', 'à 940 m', 'à 3,9 km']);
      await expectAccessible(page);
      await page.screenshot({ path: join(SHOTS, `near-me-${lang}.png`), fullPage: true });
    }
  });
});
