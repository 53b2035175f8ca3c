/**
 * Seeds the demo data set through the registry's own HTTP API, as any client would: the same checks,
 * journal entries and signatures as any client's. Idempotent: each record is looked up first by what identifies it
 * (slug, kid, CloudEvents source, title, summary) and only what is missing is written, so a second start writes nothing.
 * API keys are issued only when something is to be written.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, FlattenedSign, importJWK, type JWK } from 'jose';
import { signBatch } from '#plaza/dsse';
import { AGREEMENTS, type DemoAgreement, type DemoOrganisation, type DemoProposal, type DemoSource, ORGANISATIONS, PRIVACY_RECORDS, PROPOSALS, SOURCES } from './definition.js';
import { DEMO_KEYS } from './keys.js';

export interface HttpAnswer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One request to the registry: method, path, the API key to send (if any), and a JSON body or exact bytes with their media type. */
export type Http = (method: string, path: string, key?: string, body?: unknown, contentType?: string) => Promise<HttpAnswer>;

/** An Http over the registry's listening address (fetch): what any client of the API does. */
export function fetchHttp(base: string): Http {
  return async (method, path, key, body, contentType = 'application/json') => {
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = contentType;
    const payload = body === undefined ? undefined : body instanceof Uint8Array ? new Uint8Array(body).buffer : JSON.stringify(body);
    const res = await fetch(`${base}${path}`, { method, headers, body: payload });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : safeJson(text) };
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface SeedOptions {
  operatorKey: string;
  /**
   * For tests on a shared database: appended to every slug, CloudEvents source and proposed standard id, and the
   * signing keys are derived from it instead of the demo's published keys (those are unique in a registry).
   */
  suffix?: string;
}

export interface SeedReport {
  /** Requests that wrote something (0 on a second run). */
  writes: number;
}

interface Member {
  admin: string;
  approver: string;
}

export async function seedDemo(http: Http, options: SeedOptions): Promise<SeedReport> {
  return new Seeder(http, options).run();
}

/** A field each standard defines that the demo's agreements leave out: the exchange refuses a reading that carries it. */
const NOT_ALLOWED: Record<string, string> = {
  'air-quality-observation': 'temperature', 'traffic-flow-observation': 'averageSpeed', 'parking-occupancy': 'spaceCategories', 'noise-level-observation': 'la90',
};

/** A plausible reading of a demo source at `at` (the i-th of the day), valid against the standard's 1.1.0 schema. */
function reading(standard: string, source: DemoSource, at: Date, i: number): Record<string, unknown> {
  const [lon, lat] = source.location.coordinates;
  const point = { type: 'Point', coordinates: [lon, lat] };
  const end = new Date(at.getTime() + 3_600_000).toISOString();
  const wave = Math.sin((i / 24) * 2 * Math.PI);
  switch (standard) {
    case 'air-quality-observation':
      return { stationId: source.key, observedAt: at.toISOString(), location: point, pollutants: { pm2_5: round(9 + 4 * wave), no2: round(22 + 9 * wave) } };
    case 'traffic-flow-observation':
      return { roadSegmentId: source.key, periodStart: at.toISOString(), periodEnd: end, location: { type: 'LineString', coordinates: [[lon, lat], [lon + 0.0008, lat + 0.0004]] }, vehicleClass: 'bicycle', vehicleCount: Math.round(60 + 50 * wave) };
    case 'parking-occupancy':
      return { facilityId: source.key, observedAt: at.toISOString(), location: point, facilityType: 'offStreet', status: 'open', totalSpaces: 400, occupiedSpaces: Math.round(220 + 150 * wave) };
    default:
      return { sensorId: source.key, periodStart: at.toISOString(), periodEnd: end, location: point, laeq: round(58 + 7 * wave), lamax: round(74 + 9 * wave) };
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

class Seeder {
  private writes = 0;
  private readonly keys = new Map<string, Member>();
  private readonly sourceIds = new Map<string, string>();
  private readonly privacyRecordIds = new Map<string, string>();

  constructor(
    private readonly http: Http,
    private readonly options: SeedOptions,
  ) {}

  private slug(slug: string): string {
    return this.options.suffix ? `${slug}-${this.options.suffix}`.slice(0, 63) : slug;
  }

  private ceSource(city: string, key: string): string {
    return `urn:plaza:demo:${this.slug(city)}:${key}`;
  }

  private async call(method: string, path: string, key: string | undefined, body: unknown, expected: number[], contentType?: string): Promise<HttpAnswer> {
    const res = await this.http(method, path, key, body, contentType);
    if (!expected.includes(res.status)) {
      throw new Error(`demo seed: ${method} ${path} answered ${res.status}: ${typeof res.body === 'object' ? JSON.stringify(res.body) : String(res.body)}`);
    }
    if (method !== 'GET' && res.status < 300) this.writes += 1;
    return res;
  }

  private get = (path: string, key?: string) => this.call('GET', path, key, undefined, [200]);
  private write = (method: string, path: string, key: string, body?: unknown) => this.call(method, path, key, body, [200, 201]);

  async run(): Promise<SeedReport> {
    for (const org of ORGANISATIONS) await this.organisation(org);
    for (const org of ORGANISATIONS) await this.signingKey(org.slug);
    for (const source of SOURCES) await this.source(source);
    for (const record of PRIVACY_RECORDS) await this.privacyRecord(record);
    for (const source of SOURCES) await this.sourceStatus(source);
    for (const agreement of AGREEMENTS) await this.agreement(agreement);
    for (const agreement of AGREEMENTS) for (const source of agreement.sources) await this.events(agreement, source);
    for (const proposal of PROPOSALS) await this.proposal(proposal);
    return { writes: this.writes };
  }

  private async organisation(org: DemoOrganisation): Promise<void> {
    const slug = this.slug(org.slug);
    if ((await this.call('GET', `/api/v1/organisations/${slug}`, undefined, undefined, [200, 404])).status === 200) return;
    await this.write('POST', '/api/v1/organisations', this.options.operatorKey, { ...org, slug });
  }

  /**
   * The API keys of an organisation's two demo members (created on first need). As the README advises, the admin
   * replaces the key the operator hands it with one it issues itself, so what the admin does is not marked as the
   * operator's. The approver's key comes from the operator: a key the admin issued could not decide on the admin's records.
   */
  private async member(orgSlug: string): Promise<Member> {
    const cached = this.keys.get(orgSlug);
    if (cached) return cached;
    const slug = this.slug(orgSlug);
    const operator = this.options.operatorKey;
    const existing = (await this.get(`/api/v1/organisations/${slug}/members?limit=100`, operator)).body.items as { id: string; email: string }[];
    const memberId = async (email: string, name: string, roles: string[]) =>
      existing.find((m) => m.email === email)?.id ?? ((await this.write('POST', `/api/v1/organisations/${slug}/members`, operator, { name, email, roles })).body.id as string);
    const issue = async (memberId: string, issuer: string) =>
      (await this.write('POST', `/api/v1/organisations/${slug}/api-keys`, issuer, { memberId, label: 'demo seed' })).body as { id: string; key: string };
    const adminId = await memberId(`admin@${orgSlug}.example`, 'Demo administrator', ['admin', 'standards-editor']);
    const handedOver = await issue(adminId, operator);
    const admin = (await issue(adminId, handedOver.key)).key;
    await this.write('POST', `/api/v1/organisations/${slug}/api-keys/${handedOver.id}/revoke`, admin);
    const approverId = await memberId(`privacy-approver@${orgSlug}.example`, 'Demo privacy approver', ['privacy-approver']);
    const member = { admin, approver: (await issue(approverId, operator)).key };
    this.keys.set(orgSlug, member);
    return member;
  }

  /** The organisation's private signing key: the demo's published one, or one derived from the test's suffix. */
  private async privateJwk(orgSlug: string): Promise<JWK & { kid: string }> {
    if (!this.options.suffix) {
      const { kid, ...jwk } = DEMO_KEYS[orgSlug]!;
      return { ...jwk, kid };
    }
    const seed = createHash('sha256').update(`${this.options.suffix}:${orgSlug}`).digest();
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
    const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }) as JWK;
    return { ...jwk, kid: await calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x! }, 'sha256') };
  }

  private async signingKey(orgSlug: string): Promise<void> {
    const { kid, d: _private, ...publicJwk } = await this.privateJwk(orgSlug);
    if ((await this.call('GET', `/api/v1/signing-keys/${kid}`, undefined, undefined, [200, 404])).status === 200) return;
    const slug = this.slug(orgSlug);
    const { admin } = await this.member(orgSlug);
    const { challenge } = (await this.write('POST', `/api/v1/organisations/${slug}/signing-keys/challenges`, admin)).body as { challenge: string };
    const proof = await new CompactSign(new TextEncoder().encode(challenge)).setProtectedHeader({ alg: 'EdDSA' }).sign(await this.signer(orgSlug));
    await this.write('POST', `/api/v1/organisations/${slug}/signing-keys`, admin, { jwk: publicJwk, proof, label: 'demo key' });
  }

  private async signer(orgSlug: string) {
    const { kid: _kid, ...jwk } = await this.privateJwk(orgSlug);
    return importJWK(jwk, 'EdDSA');
  }

  private async source(def: (typeof SOURCES)[number]): Promise<void> {
    const ceSource = this.ceSource(def.city, def.key);
    const listed = (await this.get(`/api/v1/sources?city=${this.slug(def.city)}&limit=100`)).body.items as { id: string; ceSource: string }[];
    let id = listed.find((s) => s.ceSource === ceSource)?.id;
    if (!id) {
      const { key: _key, city: _city, status: _status, statusReason: _reason, operator, ...fields } = def;
      const { admin } = await this.member(def.city);
      id = (await this.write('POST', '/api/v1/sources', admin, { ...fields, operator: this.slug(operator), ceSource })).body.id as string;
    }
    this.sourceIds.set(def.key, id!);
  }

  private async sourceStatus(def: (typeof SOURCES)[number]): Promise<void> {
    const id = this.sourceIds.get(def.key)!;
    let status = (await this.get(`/api/v1/sources/${id}`)).body.status as string;
    const steps = def.status === 'suspended' ? ['active', 'suspended'] : def.status === 'active' ? ['active'] : [];
    for (const step of steps.slice(steps.indexOf(status) + 1)) {
      const { admin } = await this.member(def.city);
      status = (await this.write('POST', `/api/v1/sources/${id}/status`, admin, { status: step, reason: step === def.status ? def.statusReason : undefined })).body.status;
    }
  }

  private async privacyRecord(def: (typeof PRIVACY_RECORDS)[number]): Promise<void> {
    const sourceId = this.sourceIds.get(def.sources[0]!)!;
    const listed = (await this.get(`/api/v1/privacy-records?source=${sourceId}&limit=100`)).body.items as { id: string; title: { en: string } }[];
    let id = listed.find((r) => r.title.en === def.title.en)?.id;
    if (!id) {
      const { key: _key, city: _city, sources, ...fields } = def;
      const { admin, approver } = await this.member(def.city);
      const nextReviewDate = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
      const body = { ...fields, sourceIds: sources.map((s) => this.sourceIds.get(s)!), nextReviewDate, internalDetail: 'Demo assessment: no internal notes.' };
      id = (await this.write('POST', '/api/v1/privacy-records', admin, body)).body.id as string;
      await this.write('POST', `/api/v1/privacy-records/${id}/submit`, admin);
      await this.write('POST', `/api/v1/privacy-records/${id}/approve`, approver);
    }
    this.privacyRecordIds.set(def.key, id!);
  }

  private async agreement(def: (typeof AGREEMENTS)[number]): Promise<void> {
    const vendor = this.slug(def.vendor);
    const listed = (await this.get(`/api/v1/agreements?party=${vendor}&limit=100`)).body.items as { summary: { en: string } }[];
    if (listed.some((a) => a.summary.en === def.summary.en)) return;
    const { admin: cityKey } = await this.member(def.city);
    const { admin: vendorKey } = await this.member(def.vendor);
    const now = Date.now();
    const body = {
      vendors: [vendor], sources: def.sources.map((s) => this.sourceIds.get(s)!), eventTypes: [{ standard: def.standard, major: 1 }],
      purposes: def.purposes, allowedFields: [{ party: vendor, standard: def.standard, major: 1, fields: def.fields }], retention: def.retention,
      onwardSharing: false, dataResidency: ['CA'], validFrom: new Date(now - 30 * 86_400_000).toISOString(), validUntil: new Date(now + 2 * 365 * 86_400_000).toISOString(),
      privacyRecords: def.privacyRecords.map((key) => this.privacyRecordIds.get(key)!), summary: def.summary,
    };
    const id = (await this.write('POST', '/api/v1/agreements', cityKey, body)).body.id as string;
    await this.write('POST', `/api/v1/agreements/${id}/versions/1/open-signatures`, cityKey);
    for (const [party, key] of [[def.city, cityKey], [def.vendor, vendorKey]] as const) {
      const view = (await this.get(`/api/v1/organisations/${this.slug(party)}/agreements/${id}`, key)).body as { versions: { number: number; documentBase64: string }[] };
      const document = Buffer.from(view.versions.find((v) => v.number === 1)!.documentBase64, 'base64');
      const { kid } = await this.privateJwk(party);
      const jws = await new FlattenedSign(new Uint8Array(document)).setProtectedHeader({ alg: 'EdDSA', kid }).sign(await this.signer(party));
      await this.write('POST', `/api/v1/agreements/${id}/versions/1/signatures`, key, { jws: `${jws.protected}..${jws.signature}` });
    }
  }

  /**
   * A day of readings from a source, signed by its operator (CloudEvents Verifiability) and sent as one batch to the
   * exchange, plus, for the first source of an agreement, one reading carrying a field the agreement does not allow,
   * which the exchange refuses: the source's conformance record then shows both. Skipped once the source has any.
   */
  private async events(def: DemoAgreement, sourceKey: string): Promise<void> {
    const sourceId = this.sourceIds.get(sourceKey)!;
    const record = (await this.get(`/api/v1/sources/${sourceId}/conformance`)).body as { accepted: number; rejected: number };
    if (record.accepted + record.rejected > 0) return;
    const source = SOURCES.find((s) => s.key === sourceKey)!;
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const readings = Array.from({ length: 24 }, (_, i) => new Date(hour - (24 - i) * 3_600_000));
    // Personal information flows only under an approved assessment, at the event's time too: a source that collects it
    // sends the day's readings once its assessment is approved (the readings' own periods stay as measured).
    const approvedAt = source.personalInformation ? await this.approvedAt(sourceId) : 0;
    const sentAt = (at: Date) => new Date(Math.max(at.getTime(), Math.ceil(approvedAt / 1000) * 1000 + 1000)).toISOString().replace('.000Z', 'Z');
    const events = readings.map((at, i) => ({
      specversion: '1.0', id: `${sourceKey}-${at.toISOString()}`, source: this.ceSource(source.city, sourceKey), type: `org.plaza.${def.standard}`,
      time: sentAt(at), datacontenttype: 'application/json',
      dataschema: `https://schemas.plaza.example/standards/${def.standard}/1.1.0/schema.json`, data: reading(def.standard, source, at, i),
    }));
    if (def.sources[0] === sourceKey) {
      const last = events[events.length - 1]!;
      events.push({ ...last, id: `${last.id}-extra`, data: { ...last.data, [NOT_ALLOWED[def.standard]!]: 1 } });
    }
    const { kid, ...privateKey } = await this.privateJwk(def.vendor);
    const body = signBatch(JSON.stringify(events), { keyid: kid, privateKey });
    const { admin } = await this.member(def.vendor);
    await this.call('POST', '/api/v1/exchange/events', admin, body, [200], 'application/cloudevents-batch+json');
  }

  /** When the latest public assessment covering the source was approved (ms since the epoch). */
  private async approvedAt(sourceId: string): Promise<number> {
    const records = (await this.get(`/api/v1/privacy-records?source=${sourceId}&status=approved&limit=100`)).body.items as { decidedAt: string }[];
    return Math.max(...records.map((r) => Date.parse(r.decidedAt)));
  }

  private async proposal(def: DemoProposal): Promise<void> {
    const standard = this.slug(def.standard);
    if (await this.findProposal(def.title.en, standard)) return;
    const { admin: author } = await this.member(def.author);
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema', $id: `https://schemas.plaza.example/standards/${standard}/1.0.0/schema.json`,
      title: def.standardInfo.title.en, description: def.standardInfo.description.en, type: 'object', additionalProperties: false,
      required: def.required, properties: def.properties,
    };
    const body = {
      kind: 'new-standard', standard, version: '1.0.0', title: def.title, body: def.body, schema, examples: { valid: def.valid, invalid: def.invalid },
      standardInfo: { ...def.standardInfo, type: `org.plaza.${standard}` },
    };
    const number = (await this.write('POST', '/api/v1/proposals', author, body)).body.number as number;
    await this.write('POST', `/api/v1/proposals/${number}/submit`, author);
    for (const review of def.reviews) await this.write('POST', `/api/v1/proposals/${number}/reviews`, (await this.member(review.by)).admin, { verdict: review.verdict, comment: review.comment });
    await this.write('POST', `/api/v1/proposals/${number}/voting`, author);
    for (const vote of def.votes) await this.write('PUT', `/api/v1/proposals/${number}/vote`, (await this.member(vote.by)).admin, { choice: vote.choice });
    if (def.decide) await this.write('POST', `/api/v1/proposals/${number}/decision`, this.options.operatorKey);
  }

  private async findProposal(title: string, standard: string): Promise<boolean> {
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = (await this.get(`/api/v1/proposals?standard=${standard}&limit=100${query}`)).body as { items: { title: { en: string } }[]; nextCursor: string | null };
      if (page.items.some((p) => p.title.en === title)) return true;
      cursor = page.nextCursor;
    } while (cursor);
    return false;
  }
}
