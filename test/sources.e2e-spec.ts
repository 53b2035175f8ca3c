import { randomUUID } from 'node:crypto';
import { addMember, bearer, createOrganisation, createSource, forgedCursor, sourceBody, type TestOrganisation, walkPages } from './support/fixtures.js';
import { describeOnServer, startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

// "My street": a point in Montréal, and places at known distances from it.
const STREET = { lon: -73.5673, lat: 45.5017 };
const METRES_PER_DEGREE_LAT = 111_195;
const metresPerDegreeLon = METRES_PER_DEGREE_LAT * Math.cos((STREET.lat * Math.PI) / 180);
const north = (metres: number): [number, number] => [STREET.lon, STREET.lat + metres / METRES_PER_DEGREE_LAT];
const east = (metres: number): [number, number] => [STREET.lon + metres / metresPerDegreeLon, STREET.lat];
const point = (coordinates: [number, number]) => ({ type: 'Point', coordinates });

const pointers = (body: { errors?: { pointer: string }[] }) => (body.errors ?? []).map((e) => e.pointer).sort();

describe('data sources', () => {
  let t: TestApp;
  let city: TestOrganisation;
  let otherCity: TestOrganisation;
  let vendor: TestOrganisation;
  let member: { id: string; key: string };
  let counter = 0;
  /** A CloudEvents source value no other suite (or run) uses. */
  const ceSource = (what = 'source') => `urn:plaza:test:${uniqueSlug(what)}:${(counter += 1)}`;

  beforeAll(async () => {
    t = await startTestApp();
    city = await createOrganisation(t, uniqueSlug('src-city'), 'city');
    otherCity = await createOrganisation(t, uniqueSlug('src-other-city'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('src-vendor'), 'vendor');
    member = await addMember(t, city.slug, city.adminKey, ['member']);
  });
  afterAll(() => t.close());

  const post = (key: string, body: Record<string, unknown>) => t.http.post('/api/v1/sources').set(bearer(key)).send(body);
  /** The ceSource values a public list returns for this query, across every page. */
  const listed = async (query: Record<string, string | number>) =>
    (await walkPages(t, '/api/v1/sources', { limit: 100, ...query })).items.map((s) => s.ceSource as string).sort();
  const read = async (id: string) => (await t.http.get(`/api/v1/sources/${id}`).expect(200)).body;
  const setStatus = (key: string, id: string, status: string, reason?: string) =>
    t.http.post(`/api/v1/sources/${id}/status`).set(bearer(key)).send(reason === undefined ? { status } : { status, reason });

  describe('registration', () => {
    it("lets a city's admin register a source, which starts planned, owned and operated by the city, and is public", async () => {
      const value = ceSource();
      const body = sourceBody(value);
      const res = await post(city.adminKey, body).expect(201);
      expect(res.body).toMatchObject({
        ...body,
        status: 'planned',
        statusReason: null,
        owner: { slug: city.slug, name: { en: `Test city ${city.slug}`, fr: `Ville test ${city.slug}` } },
        operator: { slug: city.slug },
      });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof res.body.journalIndex).toBe('number');
      expect(await read(res.body.id)).toEqual(res.body);
    });

    it("lets a city's member (role member) register a source", async () => {
      const res = await post(member.key, sourceBody(ceSource())).expect(201);
      expect(res.body.owner.slug).toBe(city.slug);
    });

    it('refuses vendors, the operator, other roles and anonymous callers, storing nothing', async () => {
      const approver = await addMember(t, city.slug, city.adminKey, ['privacy-approver', 'standards-editor']);
      const value = ceSource();
      expect((await post(vendor.adminKey, sourceBody(value)).expect(403)).body.code).toBe('auth.forbidden');
      expect((await post(t.operatorKey, sourceBody(value)).expect(403)).body.code).toBe('auth.forbidden');
      expect((await post(approver.key, sourceBody(value)).expect(403)).body.code).toBe('auth.forbidden');
      expect((await t.http.post('/api/v1/sources').send(sourceBody(value)).expect(401)).body.code).toBe('auth.unauthenticated');
      expect(await listed({ q: value })).toEqual([]);
    });

    it('names a vendor as operator by its slug, or the city itself', async () => {
      const operated = await post(city.adminKey, sourceBody(ceSource(), { operator: vendor.slug })).expect(201);
      expect(operated.body).toMatchObject({ owner: { slug: city.slug }, operator: { slug: vendor.slug, name: { en: `Test vendor ${vendor.slug}` } } });
      const own = await post(city.adminKey, sourceBody(ceSource(), { operator: city.slug })).expect(201);
      expect(own.body.operator.slug).toBe(city.slug);
    });

    it.each([
      ['another city', () => otherCity.slug],
      ['an organisation that does not exist', () => uniqueSlug('ghost-vendor')],
      ['the registry operator', () => 'operator'],
    ])('refuses %s as operator with 400 source.invalid_operator, storing nothing', async (_what, slug) => {
      const value = ceSource();
      const res = await post(city.adminKey, sourceBody(value, { operator: slug() })).expect(400);
      expect(res.body.code).toBe('source.invalid_operator');
      expect(await listed({ q: value })).toEqual([]);
    });

    it.each(['name', 'description', 'purpose', 'legalAuthority', 'measures', 'location', 'standards'])('refuses a source without %s with 400, never 500', async (field) => {
      const body: Record<string, unknown> = sourceBody(ceSource());
      delete body[field];
      const res = await post(city.adminKey, body).expect(400);
      expect(res.body.code).toBe('request.invalid');
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(`#/${field}`);
    });

    it.each([
      [{ id: randomUUID() }, ['#/id']],
      [{ ownerId: randomUUID() }, ['#/ownerId']],
      [{ status: 'active' }, ['#/status']],
      [{ journalIndex: 0 }, ['#/journalIndex']],
      [{ id: randomUUID(), ownerId: randomUUID(), status: 'active', journalIndex: 0, operatorId: randomUUID() }, ['#/id', '#/journalIndex', '#/operatorId', '#/ownerId', '#/status']],
      [{ name: { en: 'Air', fr: 'Air', de: 'Luft' } }, ['#/name/de']],
      [{ standards: [{ standard: 'air-quality-observation', major: 1, published: true }] }, ['#/standards/0/published']],
    ])('refuses mass assignment of %j with 400 request.unknown_field, storing nothing', async (extra, expected) => {
      const value = ceSource();
      const res = await post(city.adminKey, sourceBody(value, extra)).expect(400);
      expect(res.body.code).toBe('request.unknown_field');
      expect(pointers(res.body)).toEqual(expected);
      expect(await listed({ q: value })).toEqual([]);
    });

    it.each([
      ['a longitude of 200', { type: 'Point', coordinates: [200, 45.5] }, /longitude 200/],
      ['a latitude of -91', { type: 'Point', coordinates: [-73.5, -91] }, /latitude -91/],
      ['an open polygon ring', { type: 'Polygon', coordinates: [[[-73.6, 45.5], [-73.5, 45.5], [-73.5, 45.6], [-73.6, 45.6]]] }, /closed ring/],
      ['an unknown geometry type', { type: 'Circle', coordinates: [-73.5, 45.5], radius: 10 }, /Point, LineString or Polygon/],
      ['a Feature instead of a geometry', { type: 'Feature', geometry: { type: 'Point', coordinates: [-73.5, 45.5] }, properties: {} }, /Point, LineString or Polygon/],
      ['coordinates given as text', { type: 'Point', coordinates: ['-73.5', '45.5'] }, /\[longitude, latitude\]/],
      ['a line of one position', { type: 'LineString', coordinates: [[-73.5, 45.5]] }, /at least 2/],
      ['a foreign coordinate reference system', { type: 'Point', coordinates: [-73.5, 45.5], crs: { type: 'name' } }, /crs/],
    ])('refuses a location with %s with 400 source.invalid_location, storing nothing', async (_what, location, reason) => {
      const value = ceSource();
      const res = await post(city.adminKey, sourceBody(value, { location })).expect(400);
      expect(res.body.code).toBe('source.invalid_location');
      expect(res.body.detail).toMatch(reason);
      expect(pointers(res.body)[0]).toBe('#/location');
      expect(await listed({ q: value })).toEqual([]);
    });

    it('refuses a ceSource already registered, by this or another city, with 409 source.ce_source_taken', async () => {
      const value = ceSource();
      const first = await createSource(t, city.adminKey, value);
      expect((await post(city.adminKey, sourceBody(value, { name: { en: 'Copy', fr: 'Copie' } })).expect(409)).body.code).toBe('source.ce_source_taken');
      expect((await post(otherCity.adminKey, sourceBody(value)).expect(409)).body.code).toBe('source.ce_source_taken');
      expect(await listed({ q: value })).toEqual([value]);
      expect((await read(first.id)).owner.slug).toBe(city.slug);
    });

    it('refuses text holding a NUL character (which PostgreSQL cannot store) with 400 request.invalid, never a 500', async () => {
      const value = ceSource();
      const res = await post(city.adminKey, sourceBody(value, { measures: [{ en: 'PM2.5', fr: 'PM2,5' }, { en: 'NO\u00002', fr: 'NO2' }] })).expect(400);
      expect(res.body.code).toBe('request.invalid');
      expect(pointers(res.body)).toEqual(['#/measures/1/en']);
      expect(await listed({ q: value })).toEqual([]);
      const id = await t.http.get('/api/v1/sources/a%00b').expect(400);
      expect(id.body.code).toBe('request.invalid');
    });

    it('answers an unknown source with 404 source.not_found, and a malformed id with 400', async () => {
      expect((await t.http.get(`/api/v1/sources/${randomUUID()}`).expect(404)).body.code).toBe('source.not_found');
      expect((await t.http.get('/api/v1/sources/not-a-uuid').expect(400)).body.code).toBe('request.invalid');
    });
  });

  describe('changes by the owning city only', () => {
    it('lets the owner change the description, and free text finds the new name', async () => {
      const source = await createSource(t, member.key, ceSource());
      const res = await t.http
        .patch(`/api/v1/sources/${source.id}`)
        .set(bearer(city.adminKey))
        .send({ name: { en: 'Renamed Verdun station', fr: 'Station Verdun renommée' }, operator: vendor.slug })
        .expect(200);
      expect(res.body).toMatchObject({ name: { en: 'Renamed Verdun station' }, operator: { slug: vendor.slug }, status: 'planned' });
      expect(await listed({ city: city.slug, q: 'verdun station' })).toEqual([source.ceSource]);
    });

    it("answers another city's PATCH and status change with 404 source.not_found, changing nothing", async () => {
      const source = await createSource(t, city.adminKey, ceSource());
      const before = await read(source.id);
      const patch = await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(otherCity.adminKey)).send({ name: { en: 'Hijacked', fr: 'Détourné' } }).expect(404);
      expect(patch.body.code).toBe('source.not_found');
      const status = await setStatus(otherCity.adminKey, source.id, 'retired').expect(404);
      expect(status.body.code).toBe('source.not_found');
      expect(await read(source.id)).toEqual(before);
    });

    it('does not let the operating vendor change the source (403)', async () => {
      const source = await createSource(t, city.adminKey, ceSource(), { operator: vendor.slug });
      const before = await read(source.id);
      expect((await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(vendor.adminKey)).send({ technology: 'camera' }).expect(403)).body.code).toBe('auth.forbidden');
      expect((await setStatus(vendor.adminKey, source.id, 'active').expect(403)).body.code).toBe('auth.forbidden');
      expect(await read(source.id)).toEqual(before);
    });

    it('refuses status, owner or id smuggled into a PATCH with 400 request.unknown_field, changing nothing', async () => {
      const source = await createSource(t, city.adminKey, ceSource());
      const before = await read(source.id);
      const res = await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(city.adminKey)).send({ status: 'active', ownerId: otherCity.id, id: randomUUID(), ceSource: 'urn:x' }).expect(400);
      expect(res.body.code).toBe('request.unknown_field');
      expect(pointers(res.body)).toEqual(['#/ceSource', '#/id', '#/ownerId', '#/status']);
      expect(await read(source.id)).toEqual(before);
    });

    it('refuses an invalid location or operator in a PATCH, changing nothing', async () => {
      const source = await createSource(t, city.adminKey, ceSource());
      const before = await read(source.id);
      const location = await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(city.adminKey)).send({ location: { type: 'Point', coordinates: [0, 100] } }).expect(400);
      expect(location.body.code).toBe('source.invalid_location');
      const operator = await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(city.adminKey)).send({ operator: otherCity.slug }).expect(400);
      expect(operator.body.code).toBe('source.invalid_operator');
      expect(await read(source.id)).toEqual(before);
    });
  });

  describe('status transitions', () => {
    it('moves a source without personal information from planned to active, suspended, active and retired, with reasons', async () => {
      const source = await createSource(t, city.adminKey, ceSource());
      const active = await setStatus(member.key, source.id, 'active', 'installed on the pole').expect(200);
      expect(active.body).toMatchObject({ status: 'active', statusReason: 'installed on the pole' });
      expect(Date.parse(active.body.statusChangedAt)).toBeGreaterThanOrEqual(Date.parse(source.statusChangedAt as string));
      await setStatus(city.adminKey, source.id, 'suspended', 'maintenance').expect(200);
      await setStatus(city.adminKey, source.id, 'active').expect(200);
      const retired = await setStatus(city.adminKey, source.id, 'retired', 'replaced').expect(200);
      expect(retired.body).toMatchObject({ status: 'retired', statusReason: 'replaced' });
    });

    it('refuses active -> planned with 409 source.invalid_transition', async () => {
      const source = await createSource(t, city.adminKey, ceSource());
      await setStatus(city.adminKey, source.id, 'active').expect(200);
      const res = await setStatus(city.adminKey, source.id, 'planned').expect(409);
      expect(res.body.code).toBe('source.invalid_transition');
      expect((await read(source.id)).status).toBe('active');
    });

    it('keeps a retired source final: no status change (409 source.invalid_transition) and no edit (409 source.retired_is_final)', async () => {
      const source = await createSource(t, city.adminKey, ceSource());
      await setStatus(city.adminKey, source.id, 'retired').expect(200);
      for (const status of ['planned', 'active', 'suspended', 'retired']) {
        expect((await setStatus(city.adminKey, source.id, status).expect(409)).body.code).toBe('source.invalid_transition');
      }
      const edit = await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(city.adminKey)).send({ name: { en: 'Back', fr: 'Retour' } }).expect(409);
      expect(edit.body.code).toBe('source.retired_is_final');
      expect(await read(source.id)).toMatchObject({ status: 'retired', name: source.name });
    });

    it('refuses to activate a source that collects personal information without a privacy record (409 source.privacy_record_required)', async () => {
      const source = await createSource(t, city.adminKey, ceSource(), { personalInformation: true, technology: 'camera' });
      const res = await setStatus(city.adminKey, source.id, 'active').expect(409);
      expect(res.body.code).toBe('source.privacy_record_required');
      expect((await read(source.id)).status).toBe('planned');
      // It may still be retired.
      await setStatus(city.adminKey, source.id, 'retired').expect(200);
    });

    it('refuses to mark an active source as collecting personal information (409 source.privacy_record_required)', async () => {
      const source = await createSource(t, city.adminKey, ceSource());
      await setStatus(city.adminKey, source.id, 'active').expect(200);
      const res = await t.http.patch(`/api/v1/sources/${source.id}`).set(bearer(city.adminKey)).send({ personalInformation: true }).expect(409);
      expect(res.body.code).toBe('source.privacy_record_required');
      expect(await read(source.id)).toMatchObject({ status: 'active', personalInformation: false });
    });

    it('refuses an unknown status with 400 request.invalid', async () => {
      const source = await createSource(t, city.adminKey, ceSource());
      expect((await setStatus(city.adminKey, source.id, 'deleted').expect(400)).body.code).toBe('request.invalid');
    });
  });

  describe('filters', () => {
    let filters: TestOrganisation;
    const values: Record<string, string> = {};
    beforeAll(async () => {
      filters = await createOrganisation(t, uniqueSlug('filters'), 'city');
      const make = async (label: string, extra: Record<string, unknown>) => {
        values[label] = ceSource(`filter-${label}`);
        return createSource(t, filters.adminKey, values[label]!, extra);
      };
      await make('air', { name: { en: 'Rosemont air station', fr: 'Station de l’air Rosemont' }, standards: [{ standard: 'air-quality-observation', major: 1 }] });
      await make('camera', {
        kind: 'stream', personalInformation: true, technology: 'camera',
        name: { en: 'Traffic camera stream', fr: 'Flux de la caméra de circulation' }, standards: [{ standard: 'traffic-count', major: 1 }],
      });
      const open = await make('open', { kind: 'dataset', technology: 'open-dataset', name: { en: '100% open data', fr: 'Données 100 % ouvertes' }, standards: [{ standard: 'air-quality-observation', major: 2 }] });
      await setStatus(filters.adminKey, open.id, 'active').expect(200);
      const noise = await make('noise', {
        technology: 'noise-sensor', name: { en: 'noise_meter 7', fr: 'sonomètre_7' },
        standards: [{ standard: 'noise-level', major: 1 }, { standard: 'air-quality-observation', major: 1 }],
      });
      await setStatus(filters.adminKey, noise.id, 'retired').expect(200);
    });
    const expectFound = async (query: Record<string, string | number>, labels: string[]) => {
      expect(await listed({ city: filters.slug, ...query })).toEqual(labels.map((l) => values[l]).sort());
    };

    it('filters by city', async () => {
      await expectFound({}, ['air', 'camera', 'open', 'noise']);
      const elsewhere = await listed({ city: otherCity.slug });
      expect(elsewhere.some((v) => Object.values(values).includes(v))).toBe(false);
      expect(await listed({ city: uniqueSlug('no-such-city') })).toEqual([]);
    });

    it('filters by kind', async () => {
      await expectFound({ kind: 'sensor' }, ['air', 'noise']);
      await expectFound({ kind: 'stream' }, ['camera']);
      await expectFound({ kind: 'dataset' }, ['open']);
    });

    it('filters by status', async () => {
      await expectFound({ status: 'planned' }, ['air', 'camera']);
      await expectFound({ status: 'active' }, ['open']);
      await expectFound({ status: 'retired' }, ['noise']);
      await expectFound({ status: 'suspended' }, []);
    });

    it('filters by standard, with or without a major version', async () => {
      await expectFound({ standard: 'air-quality-observation' }, ['air', 'open', 'noise']);
      await expectFound({ standard: 'air-quality-observation@1' }, ['air', 'noise']);
      await expectFound({ standard: 'air-quality-observation@2' }, ['open']);
      await expectFound({ standard: 'noise-level@1' }, ['noise']);
      await expectFound({ standard: 'noise-level@2' }, []);
      await expectFound({ standard: 'air-quality' }, []);
    });

    it('filters by personal information', async () => {
      await expectFound({ personalInformation: 'true' }, ['camera']);
      await expectFound({ personalInformation: 'false' }, ['air', 'open', 'noise']);
      expect((await t.http.get('/api/v1/sources').query({ personalInformation: 'yes' }).expect(400)).body.code).toBe('request.invalid');
    });

    it('combines filters', async () => {
      await expectFound({ kind: 'sensor', status: 'planned', standard: 'air-quality-observation@1', personalInformation: 'false' }, ['air']);
      await expectFound({ kind: 'stream', status: 'active' }, []);
    });

    it('finds free text in either language, whatever its case, and in the source value', async () => {
      await expectFound({ q: 'ROSEMONT' }, ['air']);
      await expectFound({ q: 'caméra de circulation' }, ['camera']);
      await expectFound({ q: values.open!.slice(-20) }, ['open']);
      await expectFound({ q: 'nothing like this anywhere' }, []);
    });

    it("treats '%', '_' and '\\' in free text literally", async () => {
      await expectFound({ q: '%' }, ['open']);
      await expectFound({ q: '100%' }, ['open']);
      await expectFound({ q: '_' }, ['noise']);
      await expectFound({ q: 'noise_meter' }, ['noise']);
      await expectFound({ q: 'noise%meter' }, []);
      await expectFound({ q: 'r_semont' }, []);
      await expectFound({ q: '\\' }, []);
      await expectFound({ q: '\\%' }, []);
    });

    it('refuses free text that is empty or too long with 400', async () => {
      expect((await t.http.get('/api/v1/sources').query({ q: '' }).expect(400)).body.code).toBe('request.invalid');
      expect((await t.http.get('/api/v1/sources').query({ q: 'x'.repeat(101) }).expect(400)).body.code).toBe('request.invalid');
    });
  });

  describe('what is on my street', () => {
    let area: TestOrganisation;
    const at: Record<string, string> = {};
    beforeAll(async () => {
      area = await createOrganisation(t, uniqueSlug('area'), 'city');
      const make = async (label: string, location: Record<string, unknown>) => {
        at[label] = ceSource(`area-${label}`);
        await createSource(t, area.adminKey, at[label]!, { location });
      };
      await make('100m', point(north(100)));
      await make('350m', point(north(350)));
      await make('5km', point(east(5_000)));
      // A park: a polygon whose corners are all far from the middle of it.
      await make('park', { type: 'Polygon', coordinates: [[[-73.7, 45.4], [-73.68, 45.4], [-73.68, 45.42], [-73.7, 45.42], [-73.7, 45.4]]] });
      // A bike lane crossing the park from west to east.
      await make('lane', { type: 'LineString', coordinates: [[-73.75, 45.41], [-73.63, 45.41]] });
    });
    const found = async (query: Record<string, string | number>) => {
      const all = await listed({ city: area.slug, ...query });
      return Object.entries(at).filter(([, v]) => all.includes(v)).map(([label]) => label).sort();
    };

    it('finds a source 100 m away within a 300 m radius, and not one 5 km away', async () => {
      expect(await found({ near: `${STREET.lon},${STREET.lat}`, radius: 300 })).toEqual(['100m']);
    });

    it('uses a 500 m radius by default and widens with the radius', async () => {
      expect(await found({ near: `${STREET.lon},${STREET.lat}` })).toEqual(['100m', '350m']);
      expect(await found({ near: `${STREET.lon},${STREET.lat}`, radius: 6_000 })).toEqual(['100m', '350m', '5km']);
      expect(await found({ near: `${STREET.lon},${STREET.lat}`, radius: 50 })).toEqual([]);
    });

    it('finds by bounding box, including a polygon or a line that crosses the box with no corner inside it', async () => {
      const [lon, lat] = north(100);
      expect(await found({ bbox: `${lon - 0.001},${lat - 0.0005},${lon + 0.001},${lat + 0.0005}` })).toEqual(['100m']);
      expect(await found({ bbox: '-73.695,45.405,-73.685,45.415' })).toEqual(['lane', 'park']);
      expect(await found({ bbox: '-73.695,45.415,-73.685,45.418' })).toEqual(['park']);
      expect(await found({ bbox: '10,10,11,11' })).toEqual([]);
      expect(await found({ bbox: '-180,-90,180,90' })).toEqual(['100m', '350m', '5km', 'lane', 'park']);
    });

    it.each([
      ['bbox with three numbers', { bbox: '1,2,3' }],
      ['bbox with five numbers', { bbox: '1,2,3,4,5' }],
      ['bbox with words', { bbox: 'a,b,c,d' }],
      ['bbox with an empty member', { bbox: '1,,3,4' }],
      ['an empty bbox', { bbox: '' }],
      ['bbox beyond the world', { bbox: '-200,0,0,10' }],
      ['bbox with its minimum longitude after its maximum', { bbox: '10,0,0,10' }],
      ['bbox with its minimum latitude after its maximum', { bbox: '0,10,10,0' }],
      ['bbox with infinity', { bbox: '0,0,Infinity,10' }],
      ['near with one number', { near: '-73.5' }],
      ['near off the globe', { near: '-73.5,95' }],
      ['near with words', { near: 'here,there' }],
      ['both bbox and near', { bbox: '-74,45,-73,46', near: '-73.5,45.5' }],
      ['a radius without near', { radius: '300' }],
      ['a zero radius', { near: '-73.5,45.5', radius: '0' }],
      ['a radius over 50 km', { near: '-73.5,45.5', radius: '50001' }],
      ['a radius that is not a number', { near: '-73.5,45.5', radius: 'far' }],
      ['bbox given twice', 'bbox=1,2,3,4&bbox=1,2,3,4'],
    ])('refuses %s with 400 request.invalid', async (_what, query) => {
      const req = typeof query === 'string' ? t.http.get(`/api/v1/sources?${query}`) : t.http.get('/api/v1/sources').query(query);
      const res = await req.expect(400);
      expect(res.body.code).toBe('request.invalid');
    });
  });

  describe('sorting and paging', () => {
    let paged: TestOrganisation;
    const names = ['Echo pole', 'Alpha kiosk', 'Delta kiosk', 'Bravo kiosk', 'Charlie pole'];
    beforeAll(async () => {
      paged = await createOrganisation(t, uniqueSlug('paged'), 'city');
      for (const name of names) await createSource(t, paged.adminKey, ceSource('paged'), { name: { en: name, fr: name } });
    });
    const walk = (query: Record<string, string | number>) => walkPages(t, '/api/v1/sources', { city: paged.slug, ...query });
    const namesOf = (items: Record<string, unknown>[]) => items.map((s) => (s.name as { en: string }).en);

    it('sorts by name across pages of two, with no duplicate and nothing missing', async () => {
      const { items, pages } = await walk({ sort: 'name', limit: 2 });
      expect(pages).toBe(3);
      expect(namesOf(items)).toEqual([...names].sort());
      const desc = await walk({ sort: '-name', limit: 2 });
      expect(namesOf(desc.items)).toEqual([...names].sort().reverse());
    });

    it('sorts newest first, and oldest first by default, across pages', async () => {
      const newest = await walk({ sort: '-createdAt', limit: 2 });
      expect(newest.pages).toBe(3);
      expect(namesOf(newest.items)).toEqual([...names].reverse());
      const byDefault = await walk({ limit: 3 });
      expect(namesOf(byDefault.items)).toEqual(names);
    });

    it('keeps filters on every page', async () => {
      // A space never occurs in a source value, so this matches names only.
      const { items, pages } = await walk({ sort: 'name', limit: 1, q: ' kiosk' });
      expect(pages).toBe(3);
      expect(namesOf(items)).toEqual(['Alpha kiosk', 'Bravo kiosk', 'Delta kiosk']);
    });

    it('refuses a cursor from another sort, or a forged one, with 400 request.invalid_cursor', async () => {
      const first = await t.http.get('/api/v1/sources').query({ city: paged.slug, sort: 'name', limit: 2 }).expect(200);
      for (const sort of ['-name', 'createdAt', '-updatedAt']) {
        const res = await t.http.get('/api/v1/sources').query({ city: paged.slug, sort, limit: 2, cursor: first.body.nextCursor }).expect(400);
        expect(res.body.code).toBe('request.invalid_cursor');
      }
      const forged = await t.http.get('/api/v1/sources').query({ sort: 'name', cursor: forgedCursor({ s: 'name', v: 'x', k: 'DROP TABLE sources' }) }).expect(400);
      expect(forged.body.code).toBe('request.invalid_cursor');
    });

    it.each(['unknownField', 'ownerId', '-search_text', 'name desc', 'createdAt,id'])('refuses sort=%s with 400 request.invalid', async (sort) => {
      const res = await t.http.get('/api/v1/sources').query({ sort }).expect(400);
      expect(res.body.code).toBe('request.invalid');
      expect(pointers(res.body)).toEqual(['#/sort']);
    });

    it.each(['1e9', '-1', 'abc', '101'])('refuses limit=%s with 400 request.invalid', async (limit) => {
      expect((await t.http.get('/api/v1/sources').query({ limit }).expect(400)).body.code).toBe('request.invalid');
    });
  });

  describe('SQL injection attempts', () => {
    let target: TestOrganisation;
    let value: string;
    beforeAll(async () => {
      target = await createOrganisation(t, uniqueSlug('inject'), 'city');
      value = ceSource('inject');
      await createSource(t, target.adminKey, value);
    });

    it.each([
      "' OR 1=1 --",
      "%' OR '1'='1",
      "'; DROP TABLE sources; --",
      "') OR ('a'='a",
      '" OR ""="',
      "\\'; SELECT pg_sleep(5); --",
      'a\u0000b',
    ])('answers q=%j normally (nothing found) or with 400, never 500', async (q) => {
      const res = await t.http.get('/api/v1/sources').query({ city: target.slug, q });
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) expect(res.body.items).toEqual([]);
      else expect(res.body.code).toBe('request.invalid');
    });

    it.each([
      ['sort', 'name; DROP TABLE sources'],
      ['sort', "name' --"],
      ['city', "x' OR '1'='1"],
      ['city', `${'a'.repeat(10)}; DROP TABLE sources`],
      ['kind', "sensor' OR 1=1 --"],
      ['status', "planned'--"],
      ['standard', "x') OR 1=1 --"],
      ['bbox', '0,0,0,0); DROP TABLE sources; --'],
      ['near', "0,0' OR '1'='1"],
      ['limit', '1; DROP TABLE sources'],
    ])('refuses %s=%j with 400 request.invalid', async (param, value) => {
      const res = await t.http.get('/api/v1/sources').query({ [param]: value }).expect(400);
      expect(res.body.code).toBe('request.invalid');
    });

    it('still holds every source afterwards', async () => {
      expect(await listed({ city: target.slug })).toEqual([value]);
    });
  });

  describeOnServer('under concurrency', () => {
    it('registers only one of two concurrent sources with the same ceSource', async () => {
      const value = ceSource('race');
      const results = await Promise.all([post(city.adminKey, sourceBody(value)), post(otherCity.adminKey, sourceBody(value))]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)!.body.code).toBe('source.ce_source_taken');
      expect(await listed({ q: value })).toEqual([value]);
    });

    it('applies concurrent status changes one at a time: of two suspensions of an active source, one is refused (409)', async () => {
      const source = await createSource(t, city.adminKey, ceSource('race-status'));
      await setStatus(city.adminKey, source.id, 'active').expect(200);
      const results = await Promise.all([setStatus(city.adminKey, source.id, 'suspended'), setStatus(city.adminKey, source.id, 'suspended')]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    });
  });
});
