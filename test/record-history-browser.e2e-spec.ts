import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { expectAccessible, launchBrowser, offlineContext } from './support/browser.js';
import { exchangeScenario, type ExchangeScenario } from './support/exchange-fixtures.js';
import { bearer } from './support/fixtures.js';
import { readQrCode } from './support/qr.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * A resident's walk in a real browser (headless Chromium): from the QR code of a sensor's sign to the source's page,
 * through its history to its agreement, and from the agreement's history to the log entry of a past state of the
 * agreement (in force, since suspended), verified in the browser; axe-core on every page in both languages, and
 * screenshots in test-output/public-site/.
 */
const SHOTS = resolve(import.meta.dirname, '../test-output/public-site');

describe("a record's history in a browser", () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let scene: ExchangeScenario;

  beforeAll(async () => {
    // The log check reads checkpoints this registry signs: a database of its own on the server.
    // A kept state is edited behind the registry's back below: no cached answers.
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '100000', PLAZA_PUBLIC_CACHE_MB: '0' }, { ownDatabase: true });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    scene = await exchangeScenario(t);
    await t.http.patch(`/api/v1/sources/${scene.sourceId}`).set(bearer(scene.city.adminKey)).send({ purpose: { en: 'Air-quality index for the borough', fr: 'Indice de la qualité de l’air de l’arrondissement' } }).expect(200);
    await t.http.post(`/api/v1/agreements/${scene.agreementId}/suspend`).set(bearer(scene.city.adminKey)).send({ reason: 'Sensor maintenance' }).expect(200);
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

  /** Runs the log page's check on the entry it shows; answers its outcome and its lines. */
  async function verifyInBrowser(): Promise<{ outcome: string | null; lines: string }> {
    await page.locator('#verify-button').click();
    await page.locator('#verify-result[data-outcome="verified"], #verify-result[data-outcome="failed"]').waitFor();
    return { outcome: await page.locator('#verify-result').getAttribute('data-outcome'), lines: await page.locator('#verify-result').innerText() };
  }

  /** Follows a link that loads a new page, and waits for it. */
  async function navigate(action: () => Promise<void>): Promise<void> {
    await Promise.all([page.waitForURL(() => true, { waitUntil: 'load' }), action()]);
  }

  it('walks from the sign to a past state of the agreement, verified in the browser, in both languages', async () => {
    // The sign's QR code, read from its SVG as a phone would, leads to the source's page.
    const svg = (await t.http.get(`/sources/${scene.sourceId}/sign.svg`).buffer(true).expect(200)).body.toString('utf8');
    const target = new URL((await readQrCode(svg))!);
    expect(target.pathname).toBe(`/sources/${scene.sourceId}`);
    const journal = (await t.http.get(`/api/v1/agreements/${scene.agreementId}`).expect(200)).body.versions[0].journal as { index: number; action: string }[];
    const inForce = journal.find((e) => e.action === 'agreement.activated')!.index;

    for (const lang of ['en', 'fr'] as const) {
      await page.goto(`${base}${target.pathname}?lang=${lang}`);
      const sourceHistory = page.locator('section.history');
      await sourceHistory.waitFor();
      // The purpose's change, in words: before and after.
      expect(await sourceHistory.locator('table.history-fields').first().innerText()).toContain(lang === 'en' ? 'Air-quality index for the borough' : 'Indice de la qualité de l’air de l’arrondissement');
      await expectAccessible(page);
      await page.screenshot({ path: join(SHOTS, `history-source-${lang}.png`), fullPage: true });

      await navigate(() => page.locator('section[aria-labelledby="agreements"] a').first().click());
      expect(new URL(page.url()).pathname).toBe(`/agreements/${scene.agreementId}`);
      const past = page.locator(`section.history li[data-index="${inForce}"]`);
      await past.waitFor();
      await expectAccessible(page);
      await page.screenshot({ path: join(SHOTS, `history-agreement-${lang}.png`), fullPage: true });

      // The past state's log entry, checked in the browser against the signed log.
      await navigate(() => past.locator(`a[href^="/log?index=${inForce}"]`).click());
      expect(new URL(page.url()).searchParams.get('index')).toBe(String(inForce));
      const checked = await verifyInBrowser();
      expect(checked.outcome).toBe('verified');
      // The past state itself, disclosed by the registry, recomputed in the browser against the entry's digest.
      expect(checked.lines).toContain(lang === 'en' ? `What entry ${inForce} recorded, as the registry shows it, is what its digest commits to.` : `Ce que l’entrée ${inForce} a consigné, tel que le registre le montre, correspond à son empreinte.`);
      await expectAccessible(page);
      await page.screenshot({ path: join(SHOTS, `history-agreement-entry-verified-${lang}.png`), fullPage: true });
    }
    // And the state that entry recorded is disclosed, so its digest checks (as `plaza log check --index` does).
    expect((await t.http.get('/api/v1/log/record').query({ index: inForce }).expect(200)).body.state).toMatchObject({ status: 'active' });
  });

  it("checks only the place of an entry whose state is private, and fails a past state changed behind the log's back", async () => {
    const journal = (await t.http.get(`/api/v1/agreements/${scene.agreementId}`).expect(200)).body.versions[0].journal as { index: number; action: string }[];
    const drafted = journal.find((e) => e.action === 'agreement.drafted')!.index;
    await page.goto(`${base}/log?index=${drafted}&lang=en`);
    const draft = await verifyInBrowser();
    expect(draft.outcome).toBe('verified');
    expect(draft.lines).toContain(`What entry ${drafted} recorded is not public`);

    const inForce = journal.find((e) => e.action === 'agreement.activated')!.index;
    const db = t.app.get(DataSource);
    await db.query(`UPDATE journal_states SET state = replace(state, 'P1Y', 'P9Y') WHERE index = $1`, [inForce]);
    try {
      await page.goto(`${base}/log?index=${inForce}&lang=en`);
      const tampered = await verifyInBrowser();
      expect(tampered.outcome).toBe('failed');
      expect(tampered.lines).toContain(`What the registry shows for entry ${inForce} is NOT what its digest commits to`);
    } finally {
      await db.query(`UPDATE journal_states SET state = replace(state, 'P9Y', 'P1Y') WHERE index = $1`, [inForce]);
    }
  });
});
