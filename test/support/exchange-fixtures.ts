import type { JsonWebKey } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, importJWK, type JWK } from 'jose';
import { type Algorithm, generateSigningKey, type SigningKey, signBatch, signBinary, signStructured } from '#plaza/dsse';
import { bearer, createOrganisation, createSource, privacyRecordBody, addMember, type SigningKeyPair, signDetached, type TestOrganisation } from './fixtures.js';
import { type TestApp, uniqueSlug } from './test-app.js';

export const AIR_TYPE = 'org.plaza.air-quality-observation';
export const airSchema = (version = '1.1.0') => `https://schemas.plaza.example/standards/air-quality-observation/${version}/schema.json`;
export const STRUCTURED = 'application/cloudevents+json';
export const BATCH = 'application/cloudevents-batch+json';

/** A signing key registered with the registry (proof of possession), as libs/dsse signs with it. */
export interface DsseKey extends SigningKey {
  privateKey: JsonWebKey;
  publicKey: JsonWebKey;
  algorithm: Algorithm;
}

const joseAlg = (algorithm: Algorithm) => (algorithm === 'Ed25519' ? 'EdDSA' : 'ES256');

/** Registers a new signing key for the organisation (optionally valid from a later instant). */
export async function registerDsseKey(t: TestApp, org: TestOrganisation, algorithm: Algorithm = 'Ed25519', extra: { validFrom?: string } = {}): Promise<DsseKey> {
  const pair = generateSigningKey(algorithm, 'unregistered');
  const { challenge } = (await t.http.post(`/api/v1/organisations/${org.slug}/signing-keys/challenges`).set(bearer(org.adminKey)).expect(201)).body as { challenge: string };
  const privateKey = await importJWK(pair.privateKey as JWK, joseAlg(algorithm));
  const proof = await new CompactSign(new TextEncoder().encode(challenge)).setProtectedHeader({ alg: joseAlg(algorithm) }).sign(privateKey);
  await t.http.post(`/api/v1/organisations/${org.slug}/signing-keys`).set(bearer(org.adminKey)).send({ jwk: pair.publicKey, proof, label: 'exchange', ...extra }).expect(201);
  return { keyid: await calculateJwkThumbprint(pair.publicKey as JWK, 'sha256'), privateKey: pair.privateKey, publicKey: pair.publicKey, algorithm };
}

async function agreementSigner(key: DsseKey): Promise<SigningKeyPair> {
  return { kid: key.keyid, alg: 'EdDSA', privateKey: (await importJWK(key.privateKey as JWK, 'EdDSA')) as SigningKeyPair['privateKey'] };
}

export interface ExchangeScenario {
  city: TestOrganisation;
  vendor: TestOrganisation;
  cityKey: DsseKey;
  vendorKey: DsseKey;
  /** A member (not admin) of the vendor: members may submit too. */
  vendorMemberKey: string;
  sourceId: string;
  source: string;
  agreementId: string;
}

export interface ScenarioOptions {
  personalInformation?: boolean;
  /** The vendor's allowed fields for air-quality-observation 1 (default: what `reading` sends). */
  allowedFields?: string[];
  validFrom?: Date;
  /** What the source declares it emits (default: air-quality-observation 1). */
  sourceStandards?: { standard: string; major: number }[];
}

export const READING_FIELDS = ['/stationId', '/observedAt', '/location', '/pollutants'];

/**
 * A city, a vendor with signing keys, the city's active air-quality sensor operated by the vendor, and an agreement
 * between them for air-quality-observation 1, signed by both and in force (from an hour ago unless told).
 */
export async function exchangeScenario(t: TestApp, options: ScenarioOptions = {}): Promise<ExchangeScenario> {
  const city = await createOrganisation(t, uniqueSlug('ex-city'), 'city');
  const vendor = await createOrganisation(t, uniqueSlug('ex-vendor'), 'vendor');
  const [cityKey, vendorKey] = [await registerDsseKey(t, city), await registerDsseKey(t, vendor)];
  const vendorMember = await addMember(t, vendor.slug, vendor.adminKey, ['member']);
  const source = `urn:plaza:${city.slug}:air:1`;
  const created = await createSource(t, city.adminKey, source, {
    operator: vendor.slug, personalInformation: options.personalInformation ?? false, ...(options.sourceStandards ? { standards: options.sourceStandards } : {}),
  });
  const privacyRecords: string[] = [];
  if (options.personalInformation) {
    // Four eyes: a member writes the record; an approver the admin made before it was submitted approves it.
    const [approver, author] = [await addMember(t, city.slug, city.adminKey, ['privacy-approver']), await addMember(t, city.slug, city.adminKey, ['member'])];
    const record = (await t.http.post('/api/v1/privacy-records').set(bearer(author.key)).send(privacyRecordBody([created.id])).expect(201)).body as { id: string };
    await t.http.post(`/api/v1/privacy-records/${record.id}/submit`).set(bearer(author.key)).expect(200);
    await t.http.post(`/api/v1/privacy-records/${record.id}/approve`).set(bearer(approver.key)).expect(200);
    privacyRecords.push(record.id);
  }
  await t.http.post(`/api/v1/sources/${created.id}/status`).set(bearer(city.adminKey)).send({ status: 'active' }).expect(200);
  const agreementId = await signedAgreement(t, { org: city, key: cityKey }, { org: vendor, key: vendorKey }, created.id, {
    privacyRecords, validFrom: options.validFrom, allowedFields: options.allowedFields,
  });
  return { city, vendor, cityKey, vendorKey, vendorMemberKey: vendorMember.key, sourceId: created.id, source, agreementId };
}

/** An agreement between a city and a vendor over one of the city's sources (air-quality-observation 1), signed by both and in force. */
export async function signedAgreement(
  t: TestApp,
  city: { org: TestOrganisation; key: DsseKey },
  vendor: { org: TestOrganisation; key: DsseKey },
  sourceId: string,
  options: { privacyRecords?: string[]; validFrom?: Date; allowedFields?: string[] } = {},
): Promise<string> {
  const validFrom = options.validFrom ?? new Date(Date.now() - 3_600_000);
  const { id: agreementId } = (
    await t.http.post('/api/v1/agreements').set(bearer(city.org.adminKey)).send(airAgreementBody(vendor.org.slug, sourceId, { ...options, validFrom })).expect(201)
  ).body as { id: string };
  await t.http.post(`/api/v1/agreements/${agreementId}/versions/1/open-signatures`).set(bearer(city.org.adminKey)).expect(200);
  for (const { org, key } of [city, vendor]) {
    const view = (await t.http.get(`/api/v1/organisations/${org.slug}/agreements/${agreementId}`).set(bearer(org.adminKey)).expect(200)).body as { versions: { documentBase64: string }[] };
    const jws = await signDetached(new Uint8Array(Buffer.from(view.versions[0]!.documentBase64, 'base64')), await agreementSigner(key));
    await t.http.post(`/api/v1/agreements/${agreementId}/versions/1/signatures`).set(bearer(org.adminKey)).send({ jws }).expect(201);
  }
  return agreementId;
}

/** A draft agreement letting one vendor send air-quality-observation 1 readings of one source, for a year. */
export function airAgreementBody(vendor: string, sourceId: string, options: { privacyRecords?: string[]; validFrom?: Date; allowedFields?: string[]; summary?: string } = {}) {
  return {
    vendors: [vendor], sources: [sourceId], eventTypes: [{ standard: 'air-quality-observation', major: 1 }], privacyRecords: options.privacyRecords ?? [],
    purposes: [{ en: 'Air-quality index', fr: 'Indice de la qualité de l’air' }],
    allowedFields: [{ party: vendor, standard: 'air-quality-observation', major: 1, fields: options.allowedFields ?? READING_FIELDS }],
    retention: 'P1Y', onwardSharing: false, dataResidency: ['CA'],
    validFrom: (options.validFrom ?? new Date(Date.now() - 3_600_000)).toISOString(), validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString(),
    summary: options.summary ? { en: options.summary, fr: options.summary } : { en: 'The vendor sends the station readings.', fr: 'Le fournisseur transmet les mesures de la station.' },
  };
}

/** Now, in whole seconds, as RFC 3339. */
export const nowSeconds = (offsetMs = 0) => new Date(Math.floor((Date.now() + offsetMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export interface ReadingOptions {
  time?: string;
  /** Raw JSON text of `data`. */
  data?: string;
  /** Attributes as raw JSON values (a string value must be given quoted); `undefined` leaves one out. */
  attributes?: Record<string, string | undefined>;
}

export const readingData = (time: string, extra = '') =>
  `{"stationId":"station-1","observedAt":"${time}","location":{"type":"Point","coordinates":[-73.56,45.5]},"pollutants":{"pm2_5":9.7}${extra}}`;

/** The exact text of one unsigned structured-mode reading of `source`, valid under air-quality-observation 1.1.0. */
export function reading(source: string, id: string, options: ReadingOptions = {}): string {
  const time = options.time ?? nowSeconds();
  const attributes: Record<string, string | undefined> = {
    specversion: '"1.0"', id: JSON.stringify(id), source: JSON.stringify(source), type: JSON.stringify(AIR_TYPE), time: JSON.stringify(time),
    datacontenttype: '"application/json"', dataschema: JSON.stringify(airSchema()), ...options.attributes,
  };
  const members = Object.entries(attributes).filter(([, value]) => value !== undefined).map(([name, value]) => `${JSON.stringify(name)}:${value}`);
  return `{${members.join(',')},"data":${options.data ?? readingData(time)}}`;
}

export const signed = (text: string, key: SigningKey, signedExtensions?: string[]) => signStructured(text, key, signedExtensions ? { signedExtensions } : {});
export const signedBatch = (texts: string[], key: SigningKey) => signBatch(`[${texts.join(',')}]`, key);

/** A binary-mode message: headers (with ce-dssematerial) and the body, for one reading. */
export function binaryReading(source: string, id: string, key: SigningKey, time = nowSeconds(), data = readingData(time)): { headers: Record<string, string>; body: Buffer } {
  const body = Buffer.from(data);
  const headers = signBinary(
    [['ce-specversion', '1.0'], ['ce-id', id], ['ce-source', source], ['ce-type', AIR_TYPE], ['ce-time', time], ['ce-dataschema', airSchema()], ['content-type', 'application/json']],
    body,
    key,
  );
  return { headers, body };
}

/** POSTs exactly these bytes with a content type (and more headers) to the exchange (superagent would re-serialise a Buffer under a JSON type). */
export function post(t: TestApp, apiKey: string, contentType: string, body: Buffer | string, headers: Record<string, string> = {}, path = '/api/v1/exchange/events') {
  return t.http.post(path).set(bearer(apiKey)).set('content-type', contentType).set(headers).serialize((bytes: unknown) => bytes as string).send(Buffer.isBuffer(body) ? body : Buffer.from(body));
}
