import { calculateJwkThumbprint, CompactSign, type CryptoKey, exportJWK, FlattenedSign, generateKeyPair } from 'jose';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestApp } from './test-app.js';
import type { Role } from '../../apps/registry/src/kernel/auth/vocabulary.js';

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export interface TestOrganisation {
  id: string;
  slug: string;
  kind: 'city' | 'vendor';
  adminKey: string;
  adminId: string;
}

export function organisationBody(slug: string, kind: 'city' | 'vendor', extra: Record<string, unknown> = {}) {
  return {
    slug,
    kind,
    name: { en: `Test ${kind} ${slug}`, fr: `${kind === 'city' ? 'Ville' : 'Fournisseur'} test ${slug}` },
    jurisdiction: 'CA-QC',
    privacyContact: { name: { en: 'Privacy office', fr: 'Bureau de la vie privée' }, email: `privacy@${slug}.example` },
    ...extra,
  };
}

/** Registers an organisation through the operator (with `extra` fields, such as coalitionMember), with one admin member and their API key. */
export async function createOrganisation(t: TestApp, slug: string, kind: 'city' | 'vendor', extra: Record<string, unknown> = {}): Promise<TestOrganisation> {
  const org = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(slug, kind, extra)).expect(201);
  const admin = await addMember(t, slug, t.operatorKey, ['admin']);
  return { id: org.body.id, slug, kind, adminKey: admin.key, adminId: admin.id };
}

/** Adds a member with these roles and issues them a key, acting with `actingKey`. */
export async function addMember(t: TestApp, slug: string, actingKey: string, roles: Role[]): Promise<{ id: string; key: string }> {
  const email = `${roles.join('-')}-${Math.random().toString(36).slice(2)}@${slug}.example`;
  const member = await t.http.post(`/api/v1/organisations/${slug}/members`).set(bearer(actingKey)).send({ name: `Member ${roles.join(' ')}`, email, roles }).expect(201);
  const key = await t.http.post(`/api/v1/organisations/${slug}/api-keys`).set(bearer(actingKey)).send({ memberId: member.body.id, label: 'test' }).expect(201);
  return { id: member.body.id, key: key.body.key };
}

export function sourceBody(ceSource: string, extra: Record<string, unknown> = {}) {
  return {
    kind: 'sensor',
    name: { en: 'Air station', fr: 'Station de qualité de l’air' },
    description: { en: 'Measures fine particles', fr: 'Mesure les particules fines' },
    purpose: { en: 'Public health reporting', fr: 'Rapports de santé publique' },
    measures: [{ en: 'PM2.5', fr: 'PM2,5' }],
    personalInformation: false,
    legalAuthority: { en: 'Municipal bylaw 21-042', fr: 'Règlement municipal 21-042' },
    location: { type: 'Point', coordinates: [-73.5673, 45.5017] },
    technology: 'air-quality-sensor',
    standards: [{ standard: 'air-quality-observation', major: 1 }],
    ceSource,
    ...extra,
  };
}

/** Registers a data source as `key`'s city and returns the created record. */
export async function createSource(t: TestApp, key: string, ceSource: string, extra: Record<string, unknown> = {}) {
  const res = await t.http.post('/api/v1/sources').set(bearer(key)).send(sourceBody(ceSource, extra)).expect(201);
  return res.body as { id: string; ceSource: string; status: string; [field: string]: unknown };
}

/** A cursor shaped like the registry's own (base64url JSON), with whatever content a tampering client chooses. */
export function forgedCursor(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export interface WalkOptions {
  headers?: Record<string, string>;
  /** Stop early once this holds for the items seen so far (for lists other suites keep adding to). */
  until?: (items: Record<string, unknown>[]) => boolean;
  maxPages?: number;
}

/** Follows nextCursor from the first page, checking each page is within the limit; returns every item and the page count. */
export async function walkPages(t: TestApp, path: string, query: Record<string, string | number>, options: WalkOptions = {}) {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await t.http.get(path).set(options.headers ?? {}).query(cursor === null ? query : { ...query, cursor }).expect(200);
    const page = res.body as { items: Record<string, unknown>[]; nextCursor: string | null };
    if (typeof query.limit === 'number') expect(page.items.length).toBeLessThanOrEqual(query.limit);
    items.push(...page.items);
    pages += 1;
    cursor = page.nextCursor;
    if (pages > (options.maxPages ?? 500)) throw new Error(`walked more than ${options.maxPages ?? 500} pages of ${path}`);
  } while (cursor !== null && !(options.until?.(items) ?? false));
  return { items, pages };
}

/** The repository's `standards/` folder, which the registry imports at start. */
export const standardsDir = resolve(import.meta.dirname, '../../standards');
const readStandardsJson = (...path: string[]) => JSON.parse(readFileSync(join(standardsDir, ...path), 'utf8'));

export interface VersionContent {
  schema: Record<string, any>;
  examples: { valid: Record<string, unknown>; invalid: Record<string, unknown> };
}

/** A new version of a shipped standard: its `from` schema under the new $id, changed by `change`, with `from`'s examples. */
export function newVersion(standard: string, from: string, version: string, change: (schema: Record<string, any>) => void): VersionContent {
  const schema = readStandardsJson(standard, from, 'schema.json');
  schema.$id = schema.$id.replace(`/${from}/`, `/${version}/`);
  change(schema);
  const examples: VersionContent['examples'] = { valid: {}, invalid: {} };
  for (const file of readdirSync(join(standardsDir, standard, from, 'examples'))) {
    const [, kind, name] = /^(valid|invalid)-(.+)\.json$/.exec(file)!;
    examples[kind as 'valid' | 'invalid'][name!] = readStandardsJson(standard, from, 'examples', file);
  }
  return { schema, examples };
}

/** The body of POST /api/v1/proposals for a new-version proposal carrying `content`. */
export function proposalBody(standard: string, version: string, content: VersionContent) {
  return {
    kind: 'new-version', standard, version, ...content,
    title: { en: `${standard} ${version}`, fr: `${standard} ${version}` },
    body: '## Motivation\n\nTest.\n\n## Change\n\nTest.\n\n## Compatibility\n\nTest.\n',
  };
}

/** The body of POST /api/v1/privacy-records: a complete assessment covering `sourceIds`, reviewed in a year. */
export function privacyRecordBody(sourceIds: string[], extra: Record<string, unknown> = {}) {
  return {
    sourceIds,
    title: { en: 'Pedestrian counting by camera', fr: 'Comptage des piétons par caméra' },
    personalInformationElements: [{ en: 'Images of people', fr: 'Images de personnes' }],
    purpose: { en: 'Count pedestrians to plan sidewalks', fr: 'Compter les piétons pour planifier les trottoirs' },
    legalAuthority: { en: 'Charter of the city, s. 85', fr: 'Charte de la ville, art. 85' },
    riskLevel: 'medium',
    risks: [
      {
        risk: { en: 'People could be identified in images', fr: 'Des personnes pourraient être identifiées sur les images' },
        mitigation: { en: 'Counting on the device; no image leaves it', fr: 'Comptage sur l’appareil ; aucune image n’en sort' },
      },
    ],
    deIdentification: { en: 'Only counts per minute are kept', fr: 'Seuls les comptes par minute sont conservés' },
    retention: 'P90D',
    nextReviewDate: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10),
    summary: { en: 'The camera counts people; it keeps no image.', fr: 'La caméra compte les personnes ; elle ne garde aucune image.' },
    internalDetail: 'Internal notes of the assessment.',
    ...extra,
  };
}

export interface SigningKeyPair {
  kid: string;
  alg: 'EdDSA';
  privateKey: CryptoKey;
}

/** Registers a new Ed25519 signing key for the organisation, with proof of possession, and returns its private half. */
export async function registerSigningKey(t: TestApp, org: TestOrganisation): Promise<SigningKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(publicKey);
  const challenge = (await t.http.post(`/api/v1/organisations/${org.slug}/signing-keys/challenges`).set(bearer(org.adminKey)).expect(201)).body.challenge as string;
  const proof = await new CompactSign(new TextEncoder().encode(challenge)).setProtectedHeader({ alg: 'EdDSA' }).sign(privateKey);
  await t.http.post(`/api/v1/organisations/${org.slug}/signing-keys`).set(bearer(org.adminKey)).send({ jwk, proof, label: 'agreements' }).expect(201);
  return { kid: await calculateJwkThumbprint(jwk, 'sha256'), alg: 'EdDSA', privateKey };
}

/** A detached compact JWS over exactly these bytes: `<protected>..<signature>`, the payload left out. */
export async function signDetached(bytes: Uint8Array, key: SigningKeyPair, header: Record<string, unknown> = { alg: key.alg, kid: key.kid }): Promise<string> {
  const jws = await new FlattenedSign(bytes).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
  return `${jws.protected}..${jws.signature}`;
}

/** A supertest parser keeping the body as the exact bytes received. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const rawBody = (res: any, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
};

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The same 32-byte coordinate spelled another way: its last base64url character also carries two padding bits, which
 * decoders ignore, so flipping one gives different text (and a different RFC 7638 thumbprint) for the same key.
 */
export function paddingTwin(coordinate: string): string {
  const last = BASE64URL_ALPHABET.indexOf(coordinate.at(-1)!);
  return coordinate.slice(0, -1) + BASE64URL_ALPHABET[last ^ 0b01]!;
}
