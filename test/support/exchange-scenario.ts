/**
 * The exchange's cast, registered through a running registry's public HTTP API exactly as people would: a city and
 * a vendor (each with an admin's API key and a signing key registered with proof of possession), an active
 * air-quality sensor of the city operated by the vendor, and a data-sharing agreement between them, signed by
 * both, in force. Used by `npm run bench:exchange` and by the suites that drive a registry over real HTTP.
 */
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import type { SigningKey } from '#plaza/dsse';
import { signDocument } from '../../apps/cli/src/agreements.js';
import { signingKeyFromJwk } from '../../apps/cli/src/events.js';
import { generateSigningKey, proveChallenge, publicPart } from '../../apps/cli/src/keys.js';

export const EVENT_TYPE = 'org.plaza.air-quality-observation';
export const DATA_SCHEMA = 'https://schemas.plaza.example/standards/air-quality-observation/1.1.0/schema.json';

export interface Party {
  slug: string;
  apiKey: string;
  /** The private JWK of its registered signing key (kid = RFC 7638 thumbprint). */
  jwk: JWK;
  /** The same key as libs/dsse signs with. */
  signingKey: SigningKey;
}

export interface ExchangeScenario {
  registry: string;
  city: Party;
  vendor: Party;
  source: string;
  sourceId: string;
  agreementId: string;
}

export class RegistryCallError extends Error {}

/** A JSON call to the registry; anything but the expected status is an error naming the call and the answer. */
async function call<T>(registry: string, method: string, path: string, key: string | undefined, body?: unknown, expected = [200, 201]): Promise<T> {
  const response = await fetch(new URL(path, registry), {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!expected.includes(response.status)) throw new RegistryCallError(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function party(registry: string, operatorKey: string, slug: string, kind: 'city' | 'vendor'): Promise<Party> {
  await call(registry, 'POST', '/api/v1/organisations', operatorKey, {
    slug,
    kind,
    name: { en: `Bench ${kind} ${slug}`, fr: `${kind === 'city' ? 'Ville' : 'Fournisseur'} ${slug}` },
    jurisdiction: 'CA-QC',
    privacyContact: { name: { en: 'Privacy office', fr: 'Bureau de la vie privée' }, email: `privacy@${slug}.example` },
  });
  const member = await call<{ id: string }>(registry, 'POST', `/api/v1/organisations/${slug}/members`, operatorKey, { name: 'Admin', email: `admin@${slug}.example`, roles: ['admin'] });
  const { key: apiKey } = await call<{ key: string }>(registry, 'POST', `/api/v1/organisations/${slug}/api-keys`, operatorKey, { memberId: member.id, label: 'exchange' });
  const jwk = await generateSigningKey('EdDSA');
  const { challenge } = await call<{ challenge: string }>(registry, 'POST', `/api/v1/organisations/${slug}/signing-keys/challenges`, apiKey);
  await call(registry, 'POST', `/api/v1/organisations/${slug}/signing-keys`, apiKey, { jwk: publicPart(jwk), proof: await proveChallenge(jwk, challenge), label: 'exchange' });
  return { slug, apiKey, jwk, signingKey: signingKeyFromJwk(jwk) };
}

export interface ScenarioOptions {
  /** How long the agreement lets the data be kept, an ISO 8601 duration (P1Y unless given): short to see retention work. */
  retention?: string;
}

/** Registers the whole cast under fresh slugs (`<prefix>-city-…`, `<prefix>-vendor-…`) and returns it. */
export async function registerScenario(registry: string, operatorKey: string, prefix = 'bench', options: ScenarioOptions = {}): Promise<ExchangeScenario> {
  const suffix = randomBytes(4).toString('hex');
  const city = await party(registry, operatorKey, `${prefix}-city-${suffix}`, 'city');
  const vendor = await party(registry, operatorKey, `${prefix}-vendor-${suffix}`, 'vendor');
  const source = `urn:plaza:${city.slug}:air:1`;
  const created = await call<{ id: string }>(registry, 'POST', '/api/v1/sources', city.apiKey, {
    kind: 'sensor',
    operator: vendor.slug,
    technology: 'air-quality-sensor',
    name: { en: 'Air station 1', fr: 'Station d’air 1' },
    description: { en: 'Fine particles', fr: 'Particules fines' },
    purpose: { en: 'Public air-quality index', fr: 'Indice public de la qualité de l’air' },
    measures: [{ en: 'PM2.5', fr: 'PM2,5' }],
    personalInformation: false,
    legalAuthority: { en: 'Bylaw 21-042', fr: 'Règlement 21-042' },
    location: { type: 'Point', coordinates: [-73.559, 45.5048] },
    standards: [{ standard: 'air-quality-observation', major: 1 }],
    ceSource: source,
  });
  await call(registry, 'POST', `/api/v1/sources/${created.id}/status`, city.apiKey, { status: 'active' });

  const now = Date.now();
  const agreement = await call<{ id: string }>(registry, 'POST', '/api/v1/agreements', city.apiKey, {
    vendors: [vendor.slug],
    sources: [created.id],
    eventTypes: [{ standard: 'air-quality-observation', major: 1 }],
    purposes: [{ en: 'Publish the air-quality index', fr: 'Publier l’indice de la qualité de l’air' }],
    allowedFields: [{ party: vendor.slug, standard: 'air-quality-observation', major: 1, fields: ['/stationId', '/observedAt', '/location', '/pollutants'] }],
    retention: options.retention ?? 'P1Y',
    onwardSharing: false,
    dataResidency: ['CA'],
    validFrom: new Date(now - 3_600_000).toISOString(),
    validUntil: new Date(now + 365 * 86_400_000).toISOString(),
    summary: { en: 'The vendor runs the station and sends its readings.', fr: 'Le fournisseur exploite la station et transmet ses mesures.' },
  });
  await call(registry, 'POST', `/api/v1/agreements/${agreement.id}/versions/1/open-signatures`, city.apiKey);
  for (const signer of [city, vendor]) {
    const response = await fetch(new URL(`/api/v1/organisations/${signer.slug}/agreements/${agreement.id}/versions/1/document`, registry), { headers: { authorization: `Bearer ${signer.apiKey}` } });
    if (response.status !== 200) throw new RegistryCallError(`the agreement document answered ${response.status}`);
    const jws = await signDocument(signer.jwk, new Uint8Array(await response.arrayBuffer()));
    await call(registry, 'POST', `/api/v1/agreements/${agreement.id}/versions/1/signatures`, signer.apiKey, { jws });
  }
  const state = await call<{ versions: { status: string }[] }>(registry, 'GET', `/api/v1/agreements/${agreement.id}`, undefined);
  if (state.versions[0]?.status !== 'active') throw new RegistryCallError(`the agreement is ${state.versions[0]?.status}, not active`);
  return { registry, city, vendor, source, sourceId: created.id, agreementId: agreement.id };
}

/**
 * The exact text of one unsigned reading of the scenario's source, valid under the standard and within the
 * agreement's allowed fields. `time` is now (whole seconds) unless given.
 */
export function readingText(source: string, id: string, time = new Date()): string {
  const at = new Date(Math.floor(time.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const pm25 = (5 + (id.length * 7919 + id.charCodeAt(id.length - 1)) % 300 / 10).toFixed(1);
  return (
    `{"specversion":"1.0","id":"${id}","source":"${source}","type":"${EVENT_TYPE}","time":"${at}",` +
    `"datacontenttype":"application/json","dataschema":"${DATA_SCHEMA}",` +
    `"data":{"stationId":"station-1","observedAt":"${at}","location":{"type":"Point","coordinates":[-73.559,45.5048]},"pollutants":{"pm2_5":${pm25}}}}`
  );
}
