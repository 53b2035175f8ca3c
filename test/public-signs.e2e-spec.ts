import { exchangeScenario, type ExchangeScenario } from './support/exchange-fixtures.js';
import { bearer, createOrganisation, createSource, type TestOrganisation } from './support/fixtures.js';
import { readQrCode } from './support/qr.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

const PUBLIC_URL = 'https://register.plaza.example';

/**
 * A source's sign (the printable page and the SVG download) and "what is near me" on the sources page, over real
 * HTTP on the real registry: every fact on the sign comes from the registry's records, in English and French, its
 * QR code read back from the pixels leads to the source's page, and near me sorts by distance and says how far.
 */
describe('signs and what is near me (server-rendered)', () => {
  let t: TestApp;
  let scene: ExchangeScenario;
  let privacyRecordId: string;
  const hostile = { en: 'Station <script>alert("en")</script> & Co', fr: 'Station <script>alert("fr")</script> & Cie' };

  beforeAll(async () => {
    t = await startTestApp({ PLAZA_PUBLIC_URL: PUBLIC_URL });
    // An active source collecting personal information, its approved privacy assessment and an agreement in force.
    scene = await exchangeScenario(t, { personalInformation: true });
    await t.http.patch(`/api/v1/sources/${scene.sourceId}`).set(bearer(scene.city.adminKey)).send({ name: hostile }).expect(200);
    const records = (await t.http.get(`/api/v1/privacy-records?source=${scene.sourceId}`).expect(200)).body as { items: { id: string }[] };
    privacyRecordId = records.items[0]!.id;
  });
  afterAll(() => t?.close());

  // Numbers with units are written as Intl writes them, with a no-break space before the unit: read as a plain space here.
  const spaced = (body: string) => body.replace(/[\u00a0\u202f]/g, ' ');
  const html = (path: string) => t.http.get(path).expect(200).expect('content-type', /text\/html/).then((res) => spaced(res.text));
  const svg = (path: string) => t.http.get(path).buffer(true).expect(200).expect('content-type', /image\/svg\+xml/).then((res) => bodyText(res.body));

  /** The facts of the scenario's sign, in each language, as they must read (the page and the SVG escape `&` alike). */
  function expectFacts(body: string): void {
    for (const fact of [
      // The headings and the purpose, in both languages.
      'Data is collected here', 'Des données sont recueillies ici', 'Public health reporting', 'Rapports de santé publique',
      // Technology and data, personal information and what of it (from the privacy assessment).
      'Air quality sensor', 'Capteur de qualité de l’air', 'PM2.5', 'PM2,5',
      'Yes: it collects personal information.', 'Oui : elle recueille des renseignements personnels.', 'Images of people', 'Images de personnes',
      // Accountable organisation: the city owns it, the vendor operates it; the agreement in force and the assessment, by reference.
      `Test city ${scene.city.slug}`, `Ville test ${scene.city.slug}`, `Test vendor ${scene.vendor.slug}`, `Fournisseur test ${scene.vendor.slug}`,
      `Reference: ${scene.agreementId}`, `Référence : ${scene.agreementId}`, `Reference: ${privacyRecordId}`, 'Pedestrian counting by camera', 'Comptage des piétons par caméra',
      // Retention from the privacy record, access under the agreement, the city's privacy contact.
      '90 days, under the privacy assessment.', '90 jours, selon l’évaluation des facteurs relatifs à la vie privée.',
      'They may not share it with anyone else.', 'Ils ne peuvent les communiquer à personne d’autre.',
      `privacy@${scene.city.slug}.example`, 'Privacy office', 'Bureau de la vie privée',
      `${PUBLIC_URL}/sources/${scene.sourceId}`,
    ]) expect(body).toContain(fact);
    // Names holding markup are text: escaped, never an element.
    expect(body).not.toContain('<script');
    expect(body).toContain('Station &lt;script&gt;alert(&quot;en&quot;)&lt;/script&gt; &amp; Co');
    expect(body).toContain('Station &lt;script&gt;alert(&quot;fr&quot;)&lt;/script&gt; &amp; Cie');
  }

  /** The QR code's address, read from the pixels, leads to the source's public page. */
  async function expectQrLeadsToSource(image: string): Promise<void> {
    const decoded = await readQrCode(image);
    expect(decoded).toBe(`${PUBLIC_URL}/sources/${scene.sourceId}`);
    const page = await html(new URL(decoded!).pathname);
    expect(page).toContain('Station &lt;script&gt;alert(&quot;en&quot;)&lt;/script&gt; &amp; Co');
  }

  it("prints a sign page holding the source's facts in English and French, with a QR code leading to its page", async () => {
    const page = await html(`/sources/${scene.sourceId}/sign`);
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('class="sign sign-letter"');
    expect(page).toContain('<link rel="stylesheet" href="/assets/sign.css">');
    expectFacts(page);
    // The QR code is drawn on the server: an SVG in the page, no script needed.
    const qr = /<div class="sign-qr"[^>]*>(<svg[\s\S]*?<\/svg>)\s*<\/div>/.exec(page)![1]!;
    await expectQrLeadsToSource(qr);
    const a4 = await html(`/sources/${scene.sourceId}/sign?paper=a4&lang=fr`);
    expect(a4).toContain('<html lang="fr">');
    expect(a4).toContain('class="sign sign-a4"');
    expectFacts(a4);
  });

  it('downloads the sign as an SVG document, letter or A4, with the same facts and a QR code that reads back', async () => {
    const letter = await svg(`/sources/${scene.sourceId}/sign.svg`);
    expect(letter).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="8.5in" height="11in"/);
    expectFacts(letter.replace(/<\/text>\s*<text[^>]*>/g, ' '));
    await expectQrLeadsToSource(letter);
    const a4 = await t.http.get(`/sources/${scene.sourceId}/sign.svg?paper=a4`).buffer(true).expect(200);
    expect(a4.headers['content-disposition']).toBe(`attachment; filename="sign-${scene.sourceId}-a4.svg"`);
    expect(bodyText(a4.body)).toMatch(/width="210mm" height="297mm"/);
    await expectQrLeadsToSource(bodyText(a4.body));
  });

  it("links its sign from the source's page, both forms", async () => {
    const page = await html(`/sources/${scene.sourceId}?lang=fr`);
    expect(page).toContain(`href="/sources/${scene.sourceId}/sign?paper=letter&amp;lang=fr"`);
    expect(page).toContain(`href="/sources/${scene.sourceId}/sign?paper=a4&amp;lang=fr"`);
    expect(page).toContain(`href="/sources/${scene.sourceId}/sign.svg?paper=letter"`);
    expect(page).toContain(`href="/sources/${scene.sourceId}/sign.svg?paper=a4"`);
  });

  it('says plainly what the registry does not hold, and that a retired source is retired', async () => {
    const plain = await createSource(t, scene.city.adminKey, `urn:plaza:sign:${uniqueSlug('plain')}`);
    await t.http.post(`/api/v1/sources/${plain.id}/status`).set(bearer(scene.city.adminKey)).send({ status: 'retired', reason: 'Replaced' }).expect(200);
    for (const body of [await html(`/sources/${plain.id}/sign`), (await svg(`/sources/${plain.id}/sign.svg`)).replace(/<\/text>\s*<text[^>]*>/g, ' ')]) {
      for (const fact of [
        'None in force in the register.', 'Aucune en vigueur au registre.', 'No approved assessment in the register.', 'Aucune évaluation approuvée au registre.',
        'Not stated.', 'Non précisé.', 'No: it does not collect personal information.', 'Owned and operated by',
      ]) expect(body).toContain(fact);
      expect(body).toMatch(/Retired on [^:]+: this source is no longer in service\./);
      expect(body).toMatch(/Retirée le [^:]+ : cette source n’est plus en service\./);
    }
  });

  it('answers a sign of a missing source with a 404, and an unknown paper size with a 400 page', async () => {
    await t.http.get('/sources/00000000-0000-4000-8000-000000000000/sign').expect(404).expect('content-type', /text\/html/);
    await t.http.get('/sources/00000000-0000-4000-8000-000000000000/sign.svg').expect(404);
    await t.http.get(`/sources/${scene.sourceId}/sign?paper=legal`).expect(400).expect('content-type', /text\/html/);
    await t.http.get(`/sources/${scene.sourceId}/sign.svg?paper=a3`).expect(400);
  });

  describe('what is near me', () => {
    let city: TestOrganisation;
    // Three sensors east of a point on the same parallel (45.5° N): about 0.16, 0.94 and 3.9 km away, and one 30 km away.
    const at = { lat: 45.5, lon: -73.57 };
    const placed = [['Far sensor', 0.05], ['Near sensor', 0.002], ['Middle sensor', 0.012], ['Distant sensor', 0.385]] as const;

    beforeAll(async () => {
      city = await createOrganisation(t, uniqueSlug('near-city'), 'city');
      for (const [name, east] of placed) {
        await createSource(t, city.adminKey, `urn:plaza:near:${uniqueSlug('s')}`, {
          name: { en: name, fr: `${name} (fr)` }, location: { type: 'Point', coordinates: [at.lon + east, at.lat] },
        });
      }
    });

    const names = (page: string) => [...page.matchAll(/<tr class="source-row"[^>]*data-name="([^"]+)"/g)].map((m) => m[1]);
    const distances = (page: string) => [...page.matchAll(/<td class="distance" data-metres="(\d+)">([^<]+)<\/td>/g)].map((m) => ({ metres: Number(m[1]), text: m[2] }));

    it('lists the sources within the radius, nearest first, each saying how far in the page’s language', async () => {
      const page = await html(`/sources?city=${city.slug}&lat=${at.lat}&lon=${at.lon}&radius=5&lang=en`);
      expect(names(page)).toEqual(['Near sensor', 'Middle sensor', 'Far sensor']);
      const shown = distances(page);
      expect(shown.map((d) => d.metres)).toEqual([...shown.map((d) => d.metres)].sort((a, b) => a - b));
      // 0.002° of longitude at 45.5° N is about 156 m; 0.05° about 3.9 km.
      expect(shown[0]!.metres).toBeGreaterThan(150);
      expect(shown[0]!.metres).toBeLessThan(160);
      expect(shown.map((d) => d.text)).toEqual(['160 m away', '940 m away', '3.9 km away']);
      expect(page).toContain('Within 5 km of 45.5, -73.57, nearest first');
      const fr = await html(`/sources?city=${city.slug}&lat=${at.lat}&lon=${at.lon}&radius=5&lang=fr`);
      expect(distances(fr).map((d) => d.text)).toEqual(['à 160 m', 'à 940 m', 'à 3,9 km']);
      // A wider radius reaches the distant one, last.
      expect(names(await html(`/sources?city=${city.slug}&lat=${at.lat}&lon=${at.lon}&radius=40`))).toEqual(['Near sensor', 'Middle sensor', 'Far sensor', 'Distant sensor']);
      // The form works without JavaScript: plain fields, and the location button hidden until the script offers it.
      expect(page).toMatch(/<form class="filters near" id="near-form" method="get" action="\/sources"/);
      expect(page).toContain('<button type="button" id="near-locate" hidden');
      expect(page).toContain('<script type="module" src="/assets/near-me.js"></script>');
    });

    it('says when the radius holds more than the 50 nearest it lists', async () => {
      const crowded = await createOrganisation(t, uniqueSlug('crowded-city'), 'city');
      const spot = { lat: 46.8, lon: -71.2 };
      for (let i = 0; i < 51; i++) {
        await createSource(t, crowded.adminKey, `urn:plaza:crowded:${uniqueSlug('s')}`, { location: { type: 'Point', coordinates: [spot.lon + i * 0.0001, spot.lat] } });
      }
      const page = await html(`/sources?city=${crowded.slug}&lat=${spot.lat}&lon=${spot.lon}&radius=1&lang=en`);
      expect(names(page)).toHaveLength(50);
      expect(page).toContain('More are within it than the 50 nearest listed here');
      const fewer = await html(`/sources?city=${crowded.slug}&lat=${spot.lat}&lon=${spot.lon}&radius=0.01&lang=en`);
      expect(fewer).not.toContain('More are within it');
    });

    it('answers coordinates that are not valid with a 400 page, never a 500', async () => {
      for (const query of ['lat=91&lon=0', 'lat=0&lon=-181', 'lat=north&lon=0', 'lat=45,5&lon=-73', 'lat=45.5', 'lon=-73.5', 'radius=2', 'lat=45&lon=-73&radius=0', 'lat=45&lon=-73&radius=500']) {
        const res = await t.http.get(`/sources?${query}`);
        expect([query, res.status]).toEqual([query, 400]);
        expect(res.headers['content-type']).toMatch(/text\/html/);
      }
    });
  });
});

/** An SVG answer's text: supertest hands an image's body over as bytes. */
function bodyText(body: unknown): string {
  return (Buffer.isBuffer(body) ? body.toString('utf8') : String(body)).replace(/[\u00a0\u202f]/g, ' ');
}
