import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { calculateJwkThumbprint, CompactSign, type CryptoKey, exportJWK, FlattenedSign, generateKeyPair } from 'jose';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { partialTiles, tilePath } from '#plaza/merkle';
import { apiKeyPrefix, generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { ExportBuilder } from '../apps/registry/src/exports/index.js';
import { isAllowed } from '../apps/registry/src/kernel/auth/permissions.js';
import {
  addMember, bearer, createOrganisation, newVersion, organisationBody, privacyRecordBody, proposalBody, sourceBody, type TestOrganisation,
} from './support/fixtures.js';
import { type AppRoute, discoverRoutes, fastifyRoutes, routeKey } from './support/routes.js';
import { startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';
import type { OrganisationKind, Role } from '../apps/registry/src/kernel/auth/vocabulary.js';

/**
 * The authorisation matrix. Every route the running app serves (discovered from Nest's metadata, and
 * cross-checked against fastify's routing table) is called by every kind of caller, and the answer is
 * compared with what the route's access rule, the permission table and the organisation scoping rule
 * say it must be. A new route is in the matrix the moment it exists; one the matrix cannot call fails.
 */

interface Identity {
  organisation: string;
  kind: OrganisationKind;
  roles: Role[];
  /** Whether the organisation is a coalition member (city A alone among the callers'), which proposal workflow rules read. */
  coalitionMember: boolean;
}

interface Caller {
  name: string;
  /** The Authorization header, or none for an anonymous caller. */
  authorization?: string;
  /** Who the key speaks for; absent for anonymous and invalid keys. */
  identity?: Identity;
}

/**
 * How the matrix fills one path parameter: every value names a resource of city A (or, for the public
 * catalogue of standards, a shipped standard). A parameter is known by the path up to it, since one name
 * can mean different resources: `:id` is a source under /api/v1/sources and a standard under /api/v1/standards.
 */
interface ParamSource {
  /** For reads, and for writes that change nothing another call depends on. */
  shared: string;
  /** A new resource, for a write that would consume or change the shared one (revocations, status changes). */
  fresh?: () => Promise<string>;
  /**
   * For a resource whose writes each need it in a particular state (a proposal: a draft to edit, one in
   * review to review...): a new one in the right state, for each write route. A write not listed cannot be called.
   */
  freshFor?: Record<string, () => Promise<string>>;
  /** The 404 code when the resource is not among those the caller may address. */
  notFound: string;
  /**
   * Set on a parameter whose owner the service checks against the caller: a caller of another
   * organisation, granted the action, gets `notFound` as if the resource did not exist.
   * `operatorActsOnAny` exempts the operator.
   */
  scope?: { operatorActsOnAny: boolean };
}

/**
 * `denied`: by authentication, the permission table or the organisation scoping rule. `refused`: by a proposal
 * workflow rule, for a caller the table grants the action (see `workflow`); never a 401 nor auth.forbidden.
 */
type Expected = { outcome: 'success' } | { outcome: 'denied' | 'refused'; status: number; code: string };

type ProposalState = 'draft' | 'review' | 'voting';
type PrivacyRecordState = 'draft' | 'submitted' | 'approved';
type AgreementState = 'draft' | 'pending' | 'active' | 'suspended';

/** The path up to and including the parameter, which is how `params` knows it. */
function paramKey(route: AppRoute, name: string): string {
  const at = new RegExp(`:${name}(?![A-Za-z0-9_])`).exec(route.path)!;
  return route.path.slice(0, at.index + at[0].length);
}

/**
 * Paths the app serves outside Nest's controllers (so outside AccessGuard), read-only: the OpenAPI viewer, and the
 * public register's built scripts and styles (@fastify/static under /assets/).
 */
const OUTSIDE_NEST = /^\/(?:docs(?:$|[/-])|assets\/)/;

/** Subject types whose records only their own organisation reads: their entries' salts stay private. */
const PRIVATE_SUBJECTS = new Set(['member', 'api-key']);

async function headSize(db: DataSource): Promise<number> {
  const [row] = (await db.query('SELECT size FROM journal_head WHERE id = 1')) as { size: string }[];
  return Number(row!.size);
}

/** Indexes of the entries an actor wrote from `since` on (suites sharing a server database write their own at the same time). */
async function entriesBy(db: DataSource, actor: string, since: number): Promise<number[]> {
  const rows = (await db.query('SELECT index FROM journal_entries WHERE actor_id = $1 AND index >= $2 ORDER BY index', [actor, since])) as { index: string }[];
  return rows.map((row) => Number(row.index));
}

async function memberOf(db: DataSource, caller: Caller): Promise<string> {
  const key = caller.authorization!.replace(/^Bearer /, '');
  const [row] = (await db.query('SELECT member_id FROM api_keys WHERE prefix = $1', [apiKeyPrefix(key)])) as { member_id: string }[];
  return row!.member_id;
}

/** The object in a response that names the entry as its `journalIndex`: the record the write served. */
function findNaming(value: unknown, index: number): Record<string, unknown> | null {
  if (Array.isArray(value)) return value.map((v) => findNaming(v, index)).find((v) => v !== null) ?? null;
  if (value === null || typeof value !== 'object') return null;
  const record = value as Record<string, unknown>;
  if (record.journalIndex === index) return record;
  return Object.values(record).map((v) => findNaming(v, index)).find((v) => v !== null) ?? null;
}

/** Whether what the log recorded is what was served: equal, or for objects, every recorded member served alike. */
function containedIn(recorded: unknown, served: unknown): boolean {
  if (recorded !== null && served !== null && typeof recorded === 'object' && typeof served === 'object' && !Array.isArray(recorded)) {
    return Object.entries(recorded).every(([k, v]) => containedIn(v, (served as Record<string, unknown>)[k]));
  }
  return canonicalize(recorded) === canonicalize(served);
}

/** The two sweeps call every route as every caller, one route at a time: minutes on a busy machine, not the default minute. */
const MATRIX_TIMEOUT_MS = 240_000;

describe('authorisation matrix: every route x every caller', () => {
  let t: TestApp;
  let routes: AppRoute[];
  let cityA: TestOrganisation;
  let cityB: TestOrganisation;
  let vendor: TestOrganisation;
  let callers: Caller[];
  let roleKeys: Record<Role, string>;
  /** Keyed by `paramKey`: the route's path up to the parameter. */
  let params: Record<string, ParamSource>;
  /** Each gets the path being called (with its parameters filled in), for bodies that depend on the resource. */
  let bodies: Record<string, (path: string) => Promise<object | string> | object | string>;
  /** Routes whose body names a resource of city A, and what a caller acting in its own organisation gets for it. */
  let bodiesNamingCityA: Record<string, { status: number; code: string }>;

  const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

  async function issueKey(memberId: string): Promise<{ id: string; key: string }> {
    const res = await t.http.post(`/api/v1/organisations/${cityA.slug}/api-keys`).set(bearer(cityA.adminKey)).send({ memberId, label: 'matrix' }).expect(201);
    return { id: res.body.id, key: res.body.key };
  }

  /** A fresh Ed25519 key with its proof of possession over a challenge city A's admin asked for. */
  async function signingKeyRegistration(): Promise<{ jwk: Record<string, unknown>; proof: string; label: string }> {
    const { challenge } = (await t.http.post(`/api/v1/organisations/${cityA.slug}/signing-keys/challenges`).set(bearer(cityA.adminKey)).expect(201)).body as {
      challenge: string;
    };
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const proof = await new CompactSign(new TextEncoder().encode(challenge)).setProtectedHeader({ alg: 'EdDSA' }).sign(privateKey);
    return { jwk: (await exportJWK(publicKey)) as Record<string, unknown>, proof, label: `matrix ${unique()}` };
  }

  async function registerSigningKey(): Promise<string> {
    const res = await t.http.post(`/api/v1/organisations/${cityA.slug}/signing-keys`).set(bearer(cityA.adminKey)).send(await signingKeyRegistration()).expect(201);
    return res.body.kid as string;
  }

  /** A subscription of city A to a sink the registry may name (its handshake never succeeds: nothing answers there). */
  async function createSubscription(paused: boolean): Promise<string> {
    const { id } = (await t.http.post('/api/v1/subscriptions').set(bearer(cityA.adminKey)).send({ protocol: 'HTTP', sink: `https://sink.example/${unique()}` }).expect(201)).body as { id: string };
    if (paused) await t.http.post(`/api/v1/subscriptions/${id}/pause`).set(bearer(cityA.adminKey)).expect(200);
    return id;
  }

  async function createSource(): Promise<string> {
    const res = await t.http.post('/api/v1/sources').set(bearer(cityA.adminKey)).send(sourceBody(`urn:plaza:matrix:${unique()}`)).expect(201);
    return res.body.id as string;
  }

  /**
   * A privacy impact record of city A covering a new source of its own: opened by its member, approved by its privacy
   * approver (another member, whose role the admin, not an author, granted).
   */
  async function createPrivacyRecord(state: PrivacyRecordState): Promise<string> {
    const { id } = (await t.http.post('/api/v1/privacy-records').set(bearer(roleKeys.member)).send(privacyRecordBody([await createSource()])).expect(201)).body as { id: string };
    if (state !== 'draft') await t.http.post(`/api/v1/privacy-records/${id}/submit`).set(bearer(roleKeys.member)).expect(200);
    if (state === 'approved') await t.http.post(`/api/v1/privacy-records/${id}/approve`).set(bearer(roleKeys['privacy-approver'])).expect(200);
    return id;
  }

  /**
   * A proposal of city A (opened and submitted by its admin, put to the vote by its standards editor). Always
   * air-quality-observation 1.2.0, which no suite publishes: matrix proposals are drafts, withdrawn, or
   * rejected by a decision without votes, so they never publish anything.
   */
  const proposalContent = newVersion('air-quality-observation', '1.1.0', '1.2.0', () => undefined);
  const newProposal = () => proposalBody('air-quality-observation', '1.2.0', proposalContent);
  async function createProposal(state: ProposalState): Promise<string> {
    const { number } = (await t.http.post('/api/v1/proposals').set(bearer(cityA.adminKey)).send(newProposal()).expect(201)).body as { number: number };
    if (state !== 'draft') await t.http.post(`/api/v1/proposals/${number}/submit`).set(bearer(cityA.adminKey)).expect(200);
    if (state === 'voting') await t.http.post(`/api/v1/proposals/${number}/voting`).set(bearer(roleKeys['standards-editor'])).expect(200);
    return String(number);
  }

  /**
   * Beyond the permission table, the proposal services apply workflow rules; for a caller the table grants the
   * action, each write route may refuse with one code, and this says to whom. It holds because every proposal
   * the matrix writes to is a fresh one of city A in the state the route needs (so never proposal.wrong_status),
   * and city A alone among the callers' organisations is a coalition member (so alone in the electorate).
   */
  /**
   * Query strings for the routes whose required parameters are in the query rather than the path: the public
   * transparency log (by the time the matrix calls them, the log holds the entries of its own set-up).
   */
  /** Bodies that are not JSON, by route: the exchange reads CloudEvents (here a batch, answered per event). */
  const contentTypes: Record<string, string> = {
    'POST /api/v1/exchange/events': 'application/cloudevents-batch+json',
    'POST /api/v1/exchange/events/dry-run': 'application/cloudevents-batch+json',
    'POST /log-witness/add-checkpoint': 'text/plain',
  };

  const queries: Record<string, string> = {
    'GET /api/v1/log/entries': 'start=0&end=2',
    'GET /api/v1/log/proof/inclusion': 'index=0&size=2',
    // The first entry: the registry's first standard, imported at start and never changed since.
    'GET /api/v1/log/record': 'index=0',
    'GET /api/v1/log/proof/consistency': 'first=1&second=2',
  };

  /** What a trailing wildcard of a path stands for, by route (set once the log has a signed checkpoint). */
  const wildcards: Record<string, string> = {};

  const notAuthor = { status: 403, code: 'proposal.not_author', refuses: (who: Identity | undefined) => who!.organisation !== cityA.slug };
  const notSteward = { status: 403, code: 'proposal.not_coalition_member', refuses: (who: Identity | undefined) => who!.kind !== 'operator' && !who!.coalitionMember };
  // The handshake's callback is public, but only the live secret of a subscription waiting for consent opens it.
  const consentSecret = { status: 404, code: 'exchange.subscription_not_found', refuses: () => true };
  const workflow: Record<string, { status: number; code: string; refuses: (who: Identity | undefined) => boolean }> = {
    'GET /api/v1/subscriptions/:id/consent': consentSecret,
    'POST /api/v1/subscriptions/:id/consent': consentSecret,
    'PATCH /api/v1/proposals/:number': notAuthor,
    'POST /api/v1/proposals/:number/submit': notAuthor,
    'POST /api/v1/proposals/:number/withdraw': notAuthor,
    'POST /api/v1/proposals/:number/reviews': {
      status: 403, code: 'proposal.not_a_reviewer', refuses: (who) => !who!.coalitionMember && !who!.roles.includes('standards-editor'),
    },
    'POST /api/v1/proposals/:number/voting': notSteward,
    'POST /api/v1/proposals/:number/decision': notSteward,
    'PUT /api/v1/proposals/:number/vote': { status: 403, code: 'proposal.not_in_electorate', refuses: (who) => !who!.coalitionMember },
    // The matrix's agreement body names a source of city A: another city may draft agreements, only over its own sources.
    'POST /api/v1/agreements': { status: 400, code: 'agreement.invalid_source', refuses: (who) => who!.organisation !== cityA.slug },
    // The feed names a source of city A (under an agreement with a vendor none of the callers is): only city A reads it.
    'GET /api/v1/exchange/events': { status: 404, code: 'exchange.source_not_found', refuses: (who) => who!.organisation !== cityA.slug },
    // Anonymous by design (a log proves itself by its signature); this registry witnesses no log, so every origin is unknown.
    'POST /log-witness/add-checkpoint': { status: 404, code: 'witness.unknown_log', refuses: () => true },
  };

  const paramSource = (route: AppRoute, name: string): ParamSource | undefined => params[paramKey(route, name)];

  /** An agreement signer: a registered Ed25519 key of an organisation, with its private half kept for signing. */
  interface AgreementSigner {
    org: TestOrganisation;
    kid: string;
    privateKey: CryptoKey;
  }
  let partner: TestOrganisation;
  let cityASigner: AgreementSigner;
  let partnerSigner: AgreementSigner;
  let agreementSourceId: string;

  async function agreementSigner(org: TestOrganisation): Promise<AgreementSigner> {
    const { challenge } = (await t.http.post(`/api/v1/organisations/${org.slug}/signing-keys/challenges`).set(bearer(org.adminKey)).expect(201)).body as { challenge: string };
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(publicKey);
    const proof = await new CompactSign(new TextEncoder().encode(challenge)).setProtectedHeader({ alg: 'EdDSA' }).sign(privateKey);
    await t.http.post(`/api/v1/organisations/${org.slug}/signing-keys`).set(bearer(org.adminKey)).send({ jwk, proof, label: 'matrix agreements' }).expect(201);
    return { org, kid: await calculateJwkThumbprint(jwk, 'sha256'), privateKey };
  }

  /** The detached JWS (`<protected>..<signature>`) of a party over a version's document bytes, as the party downloads them. */
  async function agreementSignature(signer: AgreementSigner, id: string, n: string): Promise<string> {
    const view = (await t.http.get(`/api/v1/organisations/${signer.org.slug}/agreements/${id}`).set(bearer(signer.org.adminKey)).expect(200)).body as {
      versions: { number: number; documentBase64: string | null }[];
    };
    const bytes = Buffer.from(view.versions.find((v) => v.number === Number(n))?.documentBase64 ?? '', 'base64');
    const jws = await new FlattenedSign(new Uint8Array(bytes)).setProtectedHeader({ alg: 'EdDSA', kid: signer.kid }).sign(signer.privateKey);
    return `${jws.protected}..${jws.signature}`;
  }

  const agreementBody = () => ({
    vendors: [partner.slug], sources: [agreementSourceId], eventTypes: [{ standard: 'air-quality-observation', major: 1 }],
    purposes: [{ en: 'Matrix', fr: 'Matrice' }], retention: 'P1Y', onwardSharing: false, dataResidency: ['CA'],
    validFrom: new Date(Date.now() - 3_600_000).toISOString(), validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString(),
    summary: { en: 'Written by the authorisation matrix.', fr: 'Écrite par la matrice des autorisations.' },
  });

  /**
   * An agreement between city A and a vendor that is none of the callers' organisations (so every caller but
   * city A's is a stranger to it), moved to `state`: signed by both parties from 'active' on.
   */
  async function createAgreement(state: AgreementState): Promise<string> {
    const { id } = (await t.http.post('/api/v1/agreements').set(bearer(cityA.adminKey)).send(agreementBody()).expect(201)).body as { id: string };
    if (state === 'draft') return id;
    await t.http.post(`/api/v1/agreements/${id}/versions/1/open-signatures`).set(bearer(cityA.adminKey)).expect(200);
    if (state === 'pending') return id;
    for (const signer of [cityASigner, partnerSigner]) {
      await t.http.post(`/api/v1/agreements/${id}/versions/1/signatures`).set(bearer(signer.org.adminKey)).send({ jws: await agreementSignature(signer, id, '1') }).expect(201);
    }
    if (state === 'suspended') await t.http.post(`/api/v1/agreements/${id}/suspend`).set(bearer(cityA.adminKey)).send({ reason: 'matrix' }).expect(200);
    return id;
  }

  beforeAll(async () => {
    // The matrix sends a few hundred requests from one address and a few keys; rate limiting is not what it tests.
    // Voting may close at once, so the decision route answers for what the matrix tests: who may call it.
    // A database of its own on the server: the tile route needs a checkpoint this registry signs now.
    t = await startTestApp({ PLAZA_RATE_LIMIT_PER_MINUTE: '1000000', PLAZA_VOTING_PERIOD_HOURS: '0' }, { ownDatabase: true });
    routes = discoverRoutes(t.app);

    // City A is a coalition member, so that proposal reviews, votes and stewardship can get through for its roles.
    cityA = await createOrganisation(t, uniqueSlug('matrix-city-a'), 'city', { coalitionMember: true });
    cityB = await createOrganisation(t, uniqueSlug('matrix-city-b'), 'city');
    vendor = await createOrganisation(t, uniqueSlug('matrix-vendor'), 'vendor');
    roleKeys = { admin: cityA.adminKey } as Record<Role, string>;
    for (const role of ['member', 'privacy-approver', 'standards-editor'] as const) roleKeys[role] = (await addMember(t, cityA.slug, cityA.adminKey, [role])).key;
    const vendorMember = await addMember(t, vendor.slug, vendor.adminKey, ['member']);

    // Resources of city A for the path parameters to name.
    const target = await addMember(t, cityA.slug, cityA.adminKey, ['member']);
    const apiKey = await issueKey(target.id);
    const kid = await registerSigningKey();
    const sourceId = await createSource();
    const proposalNumber = await createProposal('draft');
    // Approved, so that its public part is readable by anyone.
    const privacyRecordId = await createPrivacyRecord('approved');
    // Agreements of city A with a vendor none of the callers belongs to; the shared one is active, so public.
    partner = await createOrganisation(t, uniqueSlug('matrix-partner'), 'vendor');
    cityASigner = await agreementSigner(cityA);
    partnerSigner = await agreementSigner(partner);
    agreementSourceId = await createSource();
    queries['GET /api/v1/exchange/events'] = `source=${encodeURIComponent((await t.http.get(`/api/v1/sources/${agreementSourceId}`).expect(200)).body.ceSource as string)}`;
    const agreementId = await createAgreement('active');
    // The full exports are served from files built in the background (not in suites): this registry's are built now.
    await t.app.get(ExportBuilder).refresh();

    // A key that worked once: revoked keys must be refused like unknown ones, on every route.
    const revoked = await issueKey(cityA.adminId);
    await t.http.post(`/api/v1/organisations/${cityA.slug}/api-keys/${revoked.id}/revoke`).set(bearer(cityA.adminKey)).expect(200);
    // So must the key of a member who has been made inactive (here, an admin).
    const inactive = await addMember(t, cityA.slug, cityA.adminKey, ['admin']);
    await t.http.patch(`/api/v1/organisations/${cityA.slug}/members/${inactive.id}`).set(bearer(cityA.adminKey)).send({ active: false }).expect(200);

    const cityAIdentity = (roles: Role[]): Identity => ({ organisation: cityA.slug, kind: 'city', roles, coalitionMember: true });
    callers = [
      { name: 'anonymous' },
      { name: 'malformed key', authorization: 'Bearer not-a-plaza-key' },
      { name: 'unknown key', authorization: bearer(generateApiKey().key).authorization },
      { name: 'revoked key', authorization: bearer(revoked.key).authorization },
      { name: 'inactive member key', authorization: bearer(inactive.key).authorization },
      ...(['admin', 'member', 'privacy-approver', 'standards-editor'] as const).map((role) => ({
        name: `city A ${role}`,
        authorization: bearer(roleKeys[role]).authorization,
        identity: cityAIdentity([role]),
      })),
      { name: 'city B admin', authorization: bearer(cityB.adminKey).authorization, identity: { organisation: cityB.slug, kind: 'city', roles: ['admin'], coalitionMember: false } },
      { name: 'vendor admin', authorization: bearer(vendor.adminKey).authorization, identity: { organisation: vendor.slug, kind: 'vendor', roles: ['admin'], coalitionMember: false } },
      {
        name: 'vendor member',
        authorization: bearer(vendorMember.key).authorization,
        identity: { organisation: vendor.slug, kind: 'vendor', roles: ['member'], coalitionMember: false },
      },
      {
        name: 'operator',
        authorization: bearer(t.operatorKey).authorization,
        identity: { organisation: '(operator)', kind: 'operator', roles: ['admin'], coalitionMember: false },
      },
    ];

    // The catalogue is public and read-only: a standard and version the registry imports at start from standards/.
    const standard: ParamSource = { shared: 'noise-level-observation', notFound: 'standard.not_found' };
    const standardVersion: ParamSource = { shared: '1.0.0', notFound: 'standard.version_not_found' };
    const organisation = '/api/v1/organisations/:slug';
    const subscription = '/api/v1/subscriptions/:id';
    const signingKey: ParamSource = { shared: kid, fresh: registerSigningKey, notFound: 'signing_key.not_found' };
    const proposal = '/api/v1/proposals/:number';
    const proposalIn = (state: ProposalState) => () => createProposal(state);
    const privacyRecord = '/api/v1/privacy-records/:id';
    const privacyRecordIn = (state: PrivacyRecordState) => () => createPrivacyRecord(state);
    const agreement = '/api/v1/agreements/:id';
    const agreementIn = (state: AgreementState) => () => createAgreement(state);
    // The log's tiles: a partial tile of the size signed now, served for as long as the registry has that checkpoint.
    const signed = (await t.http.get('/api/v1/log/checkpoint').expect(200)).body as { body: string };
    wildcards['GET /log/tile/*'] = tilePath(partialTiles(Number(signed.body.split('\n')[1]))[0]!).slice('tile/'.length);
    const agreementVersion: ParamSource = { shared: '1', notFound: 'agreement.version_not_found' };
    params = {
      // An agreement of city A: public once active; each write needs it in a given state; any other organisation gets a 404.
      [agreement]: {
        shared: agreementId,
        notFound: 'agreement.not_found',
        scope: { operatorActsOnAny: false },
        freshFor: {
          [`PATCH ${agreement}/versions/:n`]: agreementIn('draft'),
          [`POST ${agreement}/versions/:n/open-signatures`]: agreementIn('draft'),
          [`POST ${agreement}/versions/:n/signatures`]: agreementIn('pending'),
          [`POST ${agreement}/amendments`]: agreementIn('active'),
          [`POST ${agreement}/suspend`]: agreementIn('active'),
          [`POST ${agreement}/resume`]: agreementIn('suspended'),
          [`POST ${agreement}/terminate`]: agreementIn('active'),
        },
      },
      [`${agreement}/versions/:n`]: agreementVersion,
      // The parties' view through their own organisation (scoped by :slug).
      [`${organisation}/agreements/:id`]: { shared: agreementId, notFound: 'agreement.not_found' },
      [`${organisation}/agreements/:id/versions/:n`]: agreementVersion,
      [organisation]: { shared: cityA.slug, notFound: 'organisation.not_found', scope: { operatorActsOnAny: true } },
      [`${organisation}/members/:memberId`]: {
        shared: target.id, fresh: async () => (await addMember(t, cityA.slug, cityA.adminKey, ['member'])).id, notFound: 'member.not_found',
      },
      [`${organisation}/api-keys/:keyId`]: { shared: apiKey.id, fresh: async () => (await issueKey(target.id)).id, notFound: 'api_key.not_found' },
      [`${organisation}/signing-keys/:kid`]: signingKey,
      // The public look-up of a key by its thumbprint, whichever organisation holds it.
      '/api/v1/signing-keys/:kid': signingKey,
      '/api/v1/sources/:id': { shared: sourceId, fresh: createSource, notFound: 'source.not_found', scope: { operatorActsOnAny: false } },
      // City A's subscriptions: another organisation's is a 404; each write gets one in the state it needs.
      [subscription]: {
        shared: await createSubscription(false),
        notFound: 'exchange.subscription_not_found',
        scope: { operatorActsOnAny: false },
        freshFor: {
          [`DELETE ${subscription}`]: () => createSubscription(false),
          [`POST ${subscription}/pause`]: () => createSubscription(false),
          [`POST ${subscription}/resume`]: () => createSubscription(true),
          [`POST ${subscription}/rewind`]: () => createSubscription(false),
          [`POST ${subscription}/consent`]: () => createSubscription(false),
        },
      },
      // Proposals belong to no organisation path: no scoping 404, but workflow rules (see `workflow`).
      [proposal]: {
        shared: proposalNumber,
        notFound: 'proposal.not_found',
        freshFor: {
          [`PATCH ${proposal}`]: proposalIn('draft'),
          [`POST ${proposal}/submit`]: proposalIn('draft'),
          [`POST ${proposal}/withdraw`]: proposalIn('draft'),
          [`POST ${proposal}/reviews`]: proposalIn('review'),
          [`POST ${proposal}/voting`]: proposalIn('review'),
          [`PUT ${proposal}/vote`]: proposalIn('voting'),
          // No votes: the decision rejects it (no quorum), so nothing is published.
          [`POST ${proposal}/decision`]: proposalIn('voting'),
        },
      },
      '/api/v1/standards/:id': standard,
      '/api/v1/standards/:id/versions/:version': standardVersion,
      '/standards/:id': standard,
      // The public register's pages (HTML, public, read-only): the same records as the API routes above.
      '/sources/:id': { shared: sourceId, notFound: 'source.not_found' },
      '/agreements/:id': { shared: agreementId, notFound: 'agreement.not_found' },
      '/privacy-records/:id': { shared: privacyRecordId, notFound: 'privacy_record.not_found' },
      '/proposals/:number': { shared: proposalNumber, notFound: 'proposal.not_found' },
      '/standards/:id/:version': standardVersion,
      // A record of city A: public once approved; its writes need it in a given state, and another city gets a 404.
      [privacyRecord]: {
        shared: privacyRecordId,
        notFound: 'privacy_record.not_found',
        scope: { operatorActsOnAny: false },
        freshFor: {
          [`PATCH ${privacyRecord}`]: privacyRecordIn('draft'),
          [`POST ${privacyRecord}/submit`]: privacyRecordIn('draft'),
          [`POST ${privacyRecord}/approve`]: privacyRecordIn('submitted'),
          [`POST ${privacyRecord}/reject`]: privacyRecordIn('submitted'),
        },
      },
    };

    // A minimal valid body for every route that reads one; each call gets its own, so creates never collide.
    bodies = {
      'POST /api/v1/organisations': () => organisationBody(uniqueSlug('matrix-new'), 'city'),
      'PATCH /api/v1/organisations/:slug': () => ({ website: 'https://matrix.example' }),
      'POST /api/v1/organisations/:slug/members': () => ({ name: 'Matrix member', email: `matrix-${unique()}@example.org`, roles: ['member'] }),
      'PATCH /api/v1/organisations/:slug/members/:memberId': () => ({ name: 'Matrix member renamed' }),
      'POST /api/v1/organisations/:slug/api-keys': () => ({ memberId: target.id, label: 'matrix' }),
      'POST /api/v1/organisations/:slug/signing-keys': signingKeyRegistration,
      'POST /api/v1/organisations/:slug/signing-keys/:kid/revoke': () => ({ reason: 'superseded' }),
      'POST /api/v1/sources': () => sourceBody(`urn:plaza:matrix:${unique()}`),
      'PATCH /api/v1/sources/:id': () => ({ name: { en: 'Renamed station', fr: 'Station renommée' } }),
      'POST /api/v1/sources/:id/status': () => ({ status: 'active' }),
      'POST /api/v1/proposals': newProposal,
      'PATCH /api/v1/proposals/:number': () => ({ body: '## Motivation\n\nEdited by the authorisation matrix.\n' }),
      'POST /api/v1/proposals/:number/reviews': () => ({ verdict: 'comment', comment: 'Read by the authorisation matrix.' }),
      'PUT /api/v1/proposals/:number/vote': () => ({ choice: 'abstain' }),
      // A draft covering nothing yet, so that any city's writer can open one.
      'POST /api/v1/privacy-records': () => privacyRecordBody([]),
      'PATCH /api/v1/privacy-records/:id': () => ({ riskLevel: 'low' }),
      'POST /api/v1/privacy-records/:id/reject': () => ({ reason: 'Rejected by the authorisation matrix.' }),
      'POST /api/v1/agreements': agreementBody,
      'PATCH /api/v1/agreements/:id/versions/:n': () => ({ retention: 'P2Y' }),
      // City A's signature over the version being called (its admin is the one signer the table and the parties let through).
      'POST /api/v1/agreements/:id/versions/:n/signatures': async (path) => {
        const [, id, n] = /\/agreements\/([^/]+)\/versions\/([^/]+)\//.exec(path)!;
        return { jws: await agreementSignature(cityASigner, id!, n!) };
      },
      'POST /api/v1/agreements/:id/amendments': () => ({ retention: 'P6M' }),
      'POST /api/v1/agreements/:id/suspend': () => ({ reason: 'Suspended by the authorisation matrix.' }),
      'POST /api/v1/agreements/:id/resume': () => ({}),
      'POST /api/v1/agreements/:id/terminate': () => ({ reason: 'Terminated by the authorisation matrix.' }),
      // An unsigned event: the batch is answered 200 with the event rejected (the route's access is what is tested).
      'POST /api/v1/exchange/events': () => `[{"specversion":"1.0","id":"matrix-${unique()}","source":"urn:plaza:matrix:none","type":"t","time":"${new Date().toISOString()}"}]`,
      'POST /api/v1/subscriptions': () => ({ protocol: 'HTTP', sink: `https://sink.example/${unique()}` }),
      'POST /api/v1/subscriptions/:id/rewind': () => ({ time: new Date().toISOString() }),
      // The Go witness tests' first checkpoint (tlog-witness): a well-formed request for a log this registry does not witness.
      'POST /log-witness/add-checkpoint': () =>
        'old 0\n\nmonkeys\n5\n41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=\n\n— monkeys 202fftzGl3LVoqjXfwCFZZXs8I+5G22+Ek2K0AOyBuSJ/8/CZawNF+6fNlTKOCd622pbzJNkkJFWuw9DbicZCkEx9AY=\n',
      // A fresh entry of city A's to withhold: city A's details changed once more.
      'POST /api/v1/log/withholdings': async () => ({
        index: (await t.http.patch(`/api/v1/organisations/${cityA.slug}`).set(bearer(cityA.adminKey)).send({ website: `https://matrix.example/${unique()}` }).expect(200)).body.journalIndex,
      }),
      'POST /api/v1/exchange/events/dry-run': () => `[{"specversion":"1.0","id":"matrix","source":"urn:plaza:matrix:none","type":"t","time":"${new Date().toISOString()}"}]`,
    };
    bodiesNamingCityA = {
      'POST /api/v1/organisations/:slug/api-keys': { status: 404, code: 'member.not_found' },
      'POST /api/v1/organisations/:slug/signing-keys': { status: 400, code: 'signing_key.challenge_invalid' },
    };
  });

  afterAll(() => t?.close());

  it('discovers the routes of the running app', () => {
    // A sanity floor: if discovery broke and found nothing, every other check would pass vacuously.
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes.map(routeKey)).toEqual(expect.arrayContaining(['GET /health', 'POST /api/v1/sources', 'GET /api/v1/organisations/:slug/members']));
  });

  it("matches fastify's routing table: nothing is served beside the guarded controllers but the read-only docs", () => {
    const nest = new Set(routes.map(routeKey));
    const served = fastifyRoutes(t.app);
    const servedKeys = new Set(served.map(routeKey));
    // fastify adds HEAD to every GET route, answered by the same handler (the matrix calls those too).
    const own = served.filter((r) => !(r.method === 'HEAD' && servedKeys.has(`GET ${r.path}`)));
    const unguarded = own.filter((r) => !nest.has(routeKey(r))).filter((r) => !(OUTSIDE_NEST.test(r.path) && r.method === 'GET'));
    expect(unguarded.map(routeKey)).toEqual([]);
    expect(routes.map(routeKey).filter((key) => !servedKeys.has(key))).toEqual([]);
  });

  it('gives every route an access rule (deny by default would refuse the others to everyone)', () => {
    expect(routes.filter((r) => r.access === undefined).map((r) => `${routeKey(r)} (${r.handler})`)).toEqual([]);
  });

  /** Why the matrix cannot call this route, if it cannot. */
  function uncallable(route: AppRoute): string[] {
    const key = routeKey(route);
    const problems: string[] = [];
    for (const name of route.params) {
      const source = paramSource(route, name);
      if (!source) problems.push(`${key}: no value for path parameter :${name}`);
      else if (route.method !== 'GET' && source.freshFor && !source.freshFor[key]) problems.push(`${key}: no fresh :${name} in the state this write needs`);
    }
    if (route.takesBody && !bodies[key]) problems.push(`${key}: reads a body but the matrix has none for it`);
    if (route.path.endsWith('*') && wildcards[key] === undefined) problems.push(`${key}: no value for the wildcard`);
    return problems;
  }

  it('knows how to call every route: each path parameter and each body', () => {
    const problems = routes.flatMap(uncallable);
    const known = new Set(routes.map(routeKey));
    const freshFor = Object.values(params).flatMap((source) => Object.keys(source.freshFor ?? {}));
    for (const key of [...Object.keys(bodies), ...Object.keys(bodiesNamingCityA), ...freshFor, ...Object.keys(workflow), ...Object.keys(queries), ...Object.keys(contentTypes)]) {
      if (!known.has(key)) problems.push(`${key}: a body, fresh value or workflow rule for a route that does not exist`);
    }
    expect(problems).toEqual([]);
  });

  function expectation(route: AppRoute, caller: Caller): Expected {
    // Deny by default: a handler with no access rule is refused to everyone, before any key is looked at.
    const access = route.access;
    if (!access) return { outcome: 'denied', status: 403, code: 'auth.forbidden' };
    const publicAnswer = (who: Identity | undefined): Expected => {
      const rule = workflow[routeKey(route)];
      return rule?.refuses(who) ? { outcome: 'refused', status: rule.status, code: rule.code } : { outcome: 'success' };
    };
    if (!caller.authorization) return access.public ? publicAnswer(undefined) : { outcome: 'denied', status: 401, code: 'auth.unauthenticated' };
    const who = caller.identity;
    if (!who) return { outcome: 'denied', status: 401, code: 'auth.invalid_key' };
    if (access.public) return publicAnswer(who);
    if (!isAllowed(access.action, who.kind, who.roles)) return { outcome: 'denied', status: 403, code: 'auth.forbidden' };
    // Granted: the resource's owner decides. Every parameter names a resource of city A.
    const scoped = route.params.map((name) => paramSource(route, name)!).find((p) => p.scope !== undefined);
    const own = who.organisation === cityA.slug || (who.kind === 'operator' && scoped?.scope?.operatorActsOnAny === true);
    if (scoped && !own) return { outcome: 'denied', status: 404, code: scoped.notFound };
    // Granted and in scope: a proposal workflow rule may still refuse, with its own code.
    const rule = workflow[routeKey(route)];
    if (rule?.refuses(who)) return { outcome: 'refused', status: rule.status, code: rule.code };
    return { outcome: 'success' };
  }

  /**
   * `fresh`: whether a write gets fresh resources. A call AccessGuard turns away never reaches the handler, so it
   * may name the shared ones: were the guard to let it through, the answer would still differ from the auth.*
   * refusal expected (only the guard gives those), and the failure would be reported.
   */
  async function call(route: AppRoute, caller: Caller, overrides: Record<string, string> = {}, method = route.method, fresh = true): Promise<Response> {
    return (await prepare(route, caller, overrides, method, fresh))();
  }

  /** Makes the call's resources and body first, and returns the call itself, which may then be sent more than once. */
  async function prepare(route: AppRoute, caller: Caller, overrides: Record<string, string> = {}, method = route.method, fresh = true): Promise<() => Promise<Response>> {
    const writes = fresh && method !== 'GET' && method !== 'HEAD';
    let path = route.path;
    for (const name of route.params) {
      const source = paramSource(route, name)!;
      const make = source.freshFor?.[routeKey(route)] ?? source.fresh;
      const value = overrides[name] ?? (writes && make ? await make() : source.shared);
      path = path.replace(`:${name}`, encodeURIComponent(value));
    }
    const rest = wildcards[routeKey(route)];
    if (rest !== undefined) path = path.replace(/\*$/, rest);
    const query = queries[routeKey(route)];
    if (query) path += `?${query}`;
    const agent = t.http as unknown as Record<string, (url: string) => import('supertest').Test>;
    const factory = bodies[routeKey(route)];
    const body = factory ? await factory(path) : undefined;
    return async () => {
      const request = agent[method.toLowerCase()]!(path);
      if (caller.authorization) request.set('authorization', caller.authorization);
      const contentType = contentTypes[routeKey(route)];
      if (contentType) request.set('content-type', contentType);
      return body === undefined ? request : request.send(body);
    };
  }

  /** Null when the answer is the expected one; a HEAD answer has no body, so only its status is compared. */
  function verdict(expected: Expected, res: Response, method = 'GET'): string | null {
    const code = (res.body as { code?: unknown } | undefined)?.code;
    const got = `${res.status}${typeof code === 'string' ? ` ${code}` : ''}`;
    if (expected.outcome === 'success') return res.status >= 200 && res.status < 300 ? null : `expected success (2xx), got ${got}`;
    const matches = res.status === expected.status && (method === 'HEAD' || code === expected.code);
    return matches ? null : `expected ${expected.status} ${method === 'HEAD' ? '' : expected.code}, got ${got}`.replace('  ', ' ');
  }

  it('answers every route, for every caller, exactly as the access rule, permission table and scoping rule say', async () => {
    const failures: string[] = [];
    const tally = { success: 0, denied: 0, refused: 0 };
    /** Routes some caller got through: a route nobody in the matrix may use would only ever be tested on its refusals. */
    const through = new Set<string>();
    for (const route of routes) {
      if (uncallable(route).length > 0) continue; // reported above
      // fastify answers HEAD on every GET route through the same handler and guard: it is checked too.
      for (const method of route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]) {
        // The callers of one route go together: each write that gets past AccessGuard has fresh resources, so they cannot disturb each other.
        const problems = await Promise.all(
          callers.map(async (caller) => {
            const expected = expectation(route, caller);
            tally[expected.outcome] += 1;
            const turnedAwayByGuard = expected.outcome === 'denied' && expected.code.startsWith('auth.');
            const res = await call(route, caller, {}, method, !turnedAwayByGuard);
            const problem = verdict(expected, res, method);
            if (!problem && expected.outcome === 'success') through.add(routeKey(route));
            return problem && `${method} ${route.path} as ${caller.name}: ${problem}`;
          }),
        );
        failures.push(...problems.filter((p): p is string => p !== null));
      }
    }
    expect(failures).toEqual([]);
    // Both sides of the matrix are exercised, on every route: callers who get through, and callers who are turned away.
    expect(routes.map(routeKey).filter((key) => !through.has(key) && !SECRET_ROUTES.some((x) => x.test(key)))).toEqual([]);
    expect(tally.success).toBeGreaterThan(routes.length);
    expect(tally.denied).toBeGreaterThan(routes.length * 4);
    // The workflow rules are reached by callers the table lets through (non-authors, non-coalition organisations).
    expect(tally.refused).toBeGreaterThan(0);
  }, MATRIX_TIMEOUT_MS);

  /**
   * Writes that are not changes to registry records, so they have no journal entry: a proof-of-possession challenge is
   * protocol state, and exchanged events are data whose integrity their producers' signatures carry.
   */
  /**
   * Routes only a secret opens that no caller of the matrix holds: the handshake's callback (proven in
   * test/delivery.e2e-spec.ts), and the witness's add-checkpoint, which only a checkpoint signed by the key of a log the
   * registry witnesses gets through (proven in test/witness.e2e-spec.ts; it journals nothing: witness state is no record).
   */
  const SECRET_ROUTES = [/^(GET|POST) \/api\/v1\/subscriptions\/:id\/consent$/, /^POST \/log-witness\/add-checkpoint$/];

  const UNJOURNALED_WRITES = [/^POST \/api\/v1\/organisations\/:slug\/signing-keys\/challenges$/, /^POST \/api\/v1\/exchange\//];

  it('journals every write route: one entry, whose digest is the state the route served; the same call rolled back leaves none', async () => {
    const db = t.app.get(DataSource);
    const writes = routes.filter((r) => r.method !== 'GET' && ![...UNJOURNALED_WRITES, ...SECRET_ROUTES].some((x) => x.test(routeKey(r))) && uncallable(r).length === 0);
    expect(writes.length).toBeGreaterThan(25);
    // The database refuses, at the last step of a unit of work (its journal entry), the entries of the actors listed here.
    const suffix = `${process.pid}_${Date.now().toString(36)}`;
    const [table, fn, trigger] = [`test_refused_actors_${suffix}`, `test_refuse_entry_${suffix}`, `test_refuse_${suffix}`];
    await db.query(`CREATE TABLE ${table} (actor uuid PRIMARY KEY)`);
    await db.query(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM ${table} WHERE actor = NEW.actor_id) THEN RAISE EXCEPTION 'refused by the journal test'; END IF;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE TRIGGER ${trigger} BEFORE INSERT ON journal_entries FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    const failures: string[] = [];
    try {
      for (const route of writes) {
        const key = routeKey(route);
        const caller = callers.find((c) => expectation(route, c).outcome === 'success');
        if (!caller) {
          failures.push(`${key}: no caller of the matrix may call it`);
          continue;
        }
        const actor = await memberOf(db, caller);
        const send = await prepare(route, caller);
        const since = await headSize(db);

        await db.query(`INSERT INTO ${table} (actor) VALUES ($1)`, [actor]);
        const refused = await send().finally(() => db.query(`DELETE FROM ${table} WHERE actor = $1`, [actor]));
        const leftBehind = await entriesBy(db, actor, since);
        if (refused.status !== 500 || leftBehind.length > 0) failures.push(`${key}: rolled back, got ${refused.status} and entries ${leftBehind.join(', ') || 'none'}`);

        // The very same call again, now committed: had the first left anything behind, this one would collide with it.
        const res = await send();
        const written = await entriesBy(db, actor, since);
        if (res.status >= 300 || written.length !== 1) {
          failures.push(`${key}: got ${res.status} and entries [${written.join(', ')}], expected a success and exactly one entry`);
          continue;
        }
        const problem = await checkDisclosure(written[0]!, res.body, caller);
        if (problem) failures.push(`${key}: ${problem}`);
      }
    } finally {
      await db.query(`DROP TRIGGER ${trigger} ON journal_entries`);
      await db.query(`DROP FUNCTION ${fn}()`);
      await db.query(`DROP TABLE ${table}`);
    }
    expect(failures).toEqual([]);
  }, MATRIX_TIMEOUT_MS);

  /**
   * What a resident does with a record: read the entry its `journalIndex` names and the record's disclosure (the
   * entry's salt and the state), recompute SHA-256(salt || RFC 8785 state) here, independently of the server's code,
   * and compare it with the entry's digest; then check that the disclosed state is the record the write served.
   */
  async function checkDisclosure(index: number, served: unknown, caller: Caller): Promise<string | null> {
    const { entries } = (await t.http.get(`/api/v1/log/entries?start=${index}&end=${index + 1}`).expect(200)).body as { entries: { entry: string }[] };
    const entry = JSON.parse(Buffer.from(entries[0]!.entry, 'base64').toString('utf8')) as { state: string; subject: { type: string } };
    const anonymous = await t.http.get(`/api/v1/log/record?index=${index}`);
    const disclosure = await t.http.get(`/api/v1/log/record?index=${index}`).set('authorization', caller.authorization!);
    if (disclosure.status !== 200) return `the disclosure of entry ${index} answered ${disclosure.status} ${disclosure.body.code}`;
    // Members and API keys are never disclosed to residents; drafts (of agreements, privacy records) until they are public.
    const residentMay = anonymous.status === 200 || (anonymous.status === 404 && anonymous.body.code === 'log.record_not_disclosed');
    if (!residentMay || (PRIVATE_SUBJECTS.has(entry.subject.type) && anonymous.status !== 404)) return `a resident got ${anonymous.status} for the ${entry.subject.type} of entry ${index}`;
    const { salt, state } = disclosure.body as { salt: string; state: unknown };
    const digest = `sha256:${createHash('sha256').update(Buffer.from(salt, 'base64url')).update(canonicalize(state)!, 'utf8').digest('base64url')}`;
    if (digest !== entry.state) return `entry ${index} digests ${entry.state}, the disclosed state ${digest}`;
    const record = findNaming(served, index);
    if (!record) return `the response names no record with journalIndex ${index}`;
    const shared = Object.keys(state as object).filter((k) => k in record);
    const differing = shared.filter((k) => !containedIn((state as Record<string, unknown>)[k], record[k]));
    if (shared.length === 0 || differing.length > 0) {
      return `the disclosed state shares [${shared.join(', ')}] with the served record, differing in [${differing.map((k) => `${k}: ${JSON.stringify((state as Record<string, unknown>)[k])} vs ${JSON.stringify(record[k])}`).join(', ')}]`;
    }
    return null;
  }
  it("refuses another organisation's members, keys and challenges addressed through one's own organisation", async () => {
    // City B's admin, on every organisation route of the app, names its own organisation in the path but a
    // resource of city A in the rest of the path or in the body: the resource must not be found.
    const cityBAdmin = callers.find((c) => c.name === 'city B admin')!;
    const failures: string[] = [];
    let checked = 0;
    for (const route of routes) {
      if (!route.access || route.access.public || !route.params.includes('slug')) continue;
      if (!isAllowed(route.access.action, 'city', ['admin'])) continue;
      const named = route.params.find((name) => name !== 'slug');
      const expected: Expected = named
        ? { outcome: 'denied', status: 404, code: paramSource(route, named)!.notFound }
        : bodiesNamingCityA[routeKey(route)]
          ? { outcome: 'denied', ...bodiesNamingCityA[routeKey(route)]! }
          : { outcome: 'success' };
      if (expected.outcome === 'denied') checked += 1;
      const problem = verdict(expected, await call(route, cityBAdmin, { slug: cityB.slug }));
      if (problem) failures.push(`${routeKey(route)} as city B admin, on city B with a resource of city A: ${problem}`);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('lets a caller of another organisation learn nothing: its 404 reads exactly like a missing organisation', async () => {
    const foreign = await t.http.get(`/api/v1/organisations/${cityA.slug}/members`).set(bearer(cityB.adminKey)).expect(404);
    const missing = await t.http.get(`/api/v1/organisations/${uniqueSlug('matrix-nobody')}/members`).set(bearer(cityB.adminKey)).expect(404);
    expect(foreign.body.code).toBe(missing.body.code);
    expect(foreign.body.title).toBe(missing.body.title);
  });
});
