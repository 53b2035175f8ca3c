import { calculateJwkThumbprint, CompactSign, type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DEMO_KEYS } from '../demo/keys.js';
import { addMember, bearer, createOrganisation, paddingTwin, type TestOrganisation, walkPages } from './support/fixtures.js';
import { createDatabase, describeOnServer, startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

type Alg = 'EdDSA' | 'ES256';

interface KeyPair {
  alg: Alg;
  privateKey: CryptoKey;
  jwk: JWK;
  privateJwk: JWK;
  thumbprint: string;
}

async function newKeyPair(alg: Alg): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const jwk = await exportJWK(publicKey);
  return { alg, privateKey, jwk, privateJwk: await exportJWK(privateKey), thumbprint: await calculateJwkThumbprint(jwk, 'sha256') };
}

/** The proof of possession: the text signed as a compact JWS with the key's private half. */
function sign(text: string, key: KeyPair): Promise<string> {
  return new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ alg: key.alg }).sign(key.privateKey);
}

describe('signing keys with proof of possession', () => {
  let t: TestApp;
  let vendor: TestOrganisation;
  let city: TestOrganisation;
  beforeAll(async () => {
    t = await startTestApp();
    vendor = await createOrganisation(t, uniqueSlug('keys-vendor'), 'vendor');
    city = await createOrganisation(t, uniqueSlug('keys-city'), 'city');
  });
  afterAll(() => t.close());

  const challenge = async (org: TestOrganisation): Promise<string> => {
    const res = await t.http.post(`/api/v1/organisations/${org.slug}/signing-keys/challenges`).set(bearer(org.adminKey)).expect(201);
    expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now());
    return res.body.challenge as string;
  };
  const register = (org: TestOrganisation, body: Record<string, unknown>, key = org.adminKey) =>
    t.http.post(`/api/v1/organisations/${org.slug}/signing-keys`).set(bearer(key)).send(body);
  /** Gets a challenge, signs it with `key` and registers the key's public JWK. */
  const registerKey = async (org: TestOrganisation, key: KeyPair, status: number, extra: Record<string, unknown> = {}) =>
    register(org, { jwk: key.jwk, proof: await sign(await challenge(org), key), label: `${key.alg} key`, ...extra }).expect(status);
  const jwks = async (org: TestOrganisation) => ((await t.http.get(`/api/v1/organisations/${org.slug}/jwks.json`).expect(200)).body.keys as JWK[]).map((k) => k.kid);
  const history = async (org: TestOrganisation) => (await walkPages(t, `/api/v1/organisations/${org.slug}/signing-keys`, { limit: 100 })).items;
  const sql = (text: string, params: unknown[]) => t.app.get(DataSource).query(text, params);

  /** Asserts the registry holds nothing about this key, anywhere it would show. */
  async function expectNotStored(key: KeyPair, ...orgs: TestOrganisation[]) {
    const res = await t.http.get(`/api/v1/signing-keys/${key.thumbprint}`).expect(404);
    expect(res.body.code).toBe('signing_key.not_found');
    for (const org of orgs) {
      expect((await history(org)).map((k) => k.kid)).not.toContain(key.thumbprint);
      expect(await jwks(org)).not.toContain(key.thumbprint);
    }
  }

  describe.each(['EdDSA', 'ES256'] as const)('registration of a %s key', (alg) => {
    it('registers the key when the challenge is signed with it; kid is the RFC 7638 thumbprint and the key is active at once', async () => {
      const key = await newKeyPair(alg);
      const before = Date.now();
      const res = await registerKey(vendor, key, 201, { label: `gateway ${alg}` });
      const after = Date.now();
      expect(res.body).toMatchObject({ kid: key.thumbprint, organisation: vendor.slug, alg, label: `gateway ${alg}`, status: 'active', expiresAt: null, revokedAt: null, revocationReason: null });
      expect(res.body.jwk).toEqual({ ...key.jwk, kid: key.thumbprint, alg, use: 'sig' });
      expect(res.body.jwk).not.toHaveProperty('d');
      expect(Date.parse(res.body.validFrom)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(res.body.validFrom)).toBeLessThanOrEqual(after);
      expect(typeof res.body.journalIndex).toBe('number');

      const published = (await t.http.get(`/api/v1/organisations/${vendor.slug}/jwks.json`).expect(200)).body.keys as JWK[];
      expect(published).toContainEqual({ ...key.jwk, kid: key.thumbprint, alg, use: 'sig' });
      const one = await t.http.get(`/api/v1/signing-keys/${key.thumbprint}`).expect(200);
      expect(one.body).toMatchObject({ kid: key.thumbprint, organisation: vendor.slug, status: 'active' });
    });

    it('accepts a JWK that already names its kid correctly, and refuses one whose kid is not its thumbprint (400 signing_key.invalid_jwk)', async () => {
      const good = await newKeyPair(alg);
      await registerKey(city, { ...good, jwk: { ...good.jwk, kid: good.thumbprint, alg, use: 'sig' } }, 201);
      const bad = await newKeyPair(alg);
      const res = await registerKey(city, { ...bad, jwk: { ...bad.jwk, kid: 'my-favourite-key' } }, 400);
      expect(res.body.code).toBe('signing_key.invalid_jwk');
      await expectNotStored(bad, city);
    });

    it('refuses a private JWK with 400 signing_key.private_key_material, storing nothing', async () => {
      const key = await newKeyPair(alg);
      const res = await register(vendor, { jwk: key.privateJwk, proof: await sign(await challenge(vendor), key), label: 'oops' }).expect(400);
      expect(res.body.code).toBe('signing_key.private_key_material');
      expect(JSON.stringify(res.body)).not.toContain(key.privateJwk.d);
      await expectNotStored(key, vendor);
    });

    it('refuses a JWK whose alg does not fit its curve with 400 signing_key.algorithm_mismatch, storing nothing', async () => {
      const key = await newKeyPair(alg);
      const other = alg === 'EdDSA' ? 'ES256' : 'EdDSA';
      const res = await register(vendor, { jwk: { ...key.jwk, alg: other }, proof: await sign(await challenge(vendor), key), label: 'mismatch' }).expect(400);
      expect(res.body.code).toBe('signing_key.algorithm_mismatch');
      await expectNotStored(key, vendor);
    });

    it('refuses a proof signed by another key with 400 signing_key.proof_invalid, storing nothing', async () => {
      const key = await newKeyPair(alg);
      const impostor = await newKeyPair(alg);
      const res = await register(vendor, { jwk: key.jwk, proof: await sign(await challenge(vendor), impostor), label: 'not mine' }).expect(400);
      expect(res.body.code).toBe('signing_key.proof_invalid');
      await expectNotStored(key, vendor);
      await expectNotStored(impostor, vendor);
    });

    it('refuses a proof over any text other than a live challenge with 400 signing_key.challenge_invalid, storing nothing', async () => {
      const key = await newKeyPair(alg);
      const live = await challenge(vendor);
      for (const text of ['hello', `${live}x`, live.replace(/[^:]+$/, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')]) {
        const res = await register(vendor, { jwk: key.jwk, proof: await sign(text, key), label: 'other text' }).expect(400);
        expect(res.body.code).toBe('signing_key.challenge_invalid');
      }
      await expectNotStored(key, vendor);
    });
  });

  describe('challenges', () => {
    it('can be used once: a second key signing the same challenge is refused with 400 signing_key.challenge_invalid', async () => {
      const first = await newKeyPair('EdDSA');
      const second = await newKeyPair('ES256');
      const text = await challenge(vendor);
      await register(vendor, { jwk: first.jwk, proof: await sign(text, first), label: 'first' }).expect(201);
      const res = await register(vendor, { jwk: second.jwk, proof: await sign(text, second), label: 'second' }).expect(400);
      expect(res.body.code).toBe('signing_key.challenge_invalid');
      await expectNotStored(second, vendor);
    });

    it("are bound to their organisation: another organisation's challenge is refused with 400 signing_key.challenge_invalid", async () => {
      const key = await newKeyPair('EdDSA');
      const citys = await challenge(city);
      const res = await register(vendor, { jwk: key.jwk, proof: await sign(citys, key), label: 'borrowed challenge' }).expect(400);
      expect(res.body.code).toBe('signing_key.challenge_invalid');
      await expectNotStored(key, vendor, city);
      // The city's challenge is still good for the city.
      await register(city, { jwk: key.jwk, proof: await sign(citys, key), label: 'own challenge' }).expect(201);
    });

    it('expire: a challenge past its expiry is refused with 400 signing_key.challenge_invalid', async () => {
      const key = await newKeyPair('ES256');
      const text = await challenge(vendor);
      await sql(`UPDATE signing_key_challenges SET expires_at = now() - interval '1 second' WHERE challenge = $1`, [text]);
      const res = await register(vendor, { jwk: key.jwk, proof: await sign(text, key), label: 'too late' }).expect(400);
      expect(res.body.code).toBe('signing_key.challenge_invalid');
      await expectNotStored(key, vendor);
    });

    it('are not used up by a refused registration', async () => {
      const key = await newKeyPair('EdDSA');
      const text = await challenge(vendor);
      await register(vendor, { jwk: key.jwk, proof: await sign(text, key), label: 'bad window', expiresAt: '2020-01-01T00:00:00Z' }).expect(400);
      await register(vendor, { jwk: key.jwk, proof: await sign(text, key), label: 'good' }).expect(201);
    });

    it('are capped per organisation (20 live ones by default): asking for more retires the oldest, which no longer register a key', async () => {
      const org = await createOrganisation(t, uniqueSlug('keys-cap'), 'vendor');
      const limit = t.config.challengeLimit;
      expect(limit).toBe(20);
      const ask = async () => (await t.http.post(`/api/v1/organisations/${org.slug}/signing-keys/challenges`).set(bearer(org.adminKey)).expect(201)).body.challenge as string;
      const live = async (organisationId: string) =>
        Number((await sql('SELECT count(*) AS n FROM signing_key_challenges WHERE organisation_id = $1 AND used_at IS NULL AND expires_at > now()', [organisationId]))[0].n);
      const oldest = [await ask(), await ask()];
      const citys = await challenge(city);
      // Asked all at once: the organisation still holds exactly `limit`, however the requests interleave.
      await Promise.all(Array.from({ length: limit + 5 }, ask));
      expect(await live(org.id)).toBe(limit);
      const newest = await ask();
      expect(await live(org.id)).toBe(limit);
      // Another organisation's challenges are counted apart: the city's is still good.
      const cityKey = await newKeyPair('ES256');
      await register(city, { jwk: cityKey.jwk, proof: await sign(citys, cityKey), label: 'city challenge' }).expect(201);
      for (const retired of oldest) {
        const key = await newKeyPair('EdDSA');
        expect((await register(org, { jwk: key.jwk, proof: await sign(retired, key), label: 'retired challenge' }).expect(400)).body.code).toBe('signing_key.challenge_invalid');
        await expectNotStored(key, org);
      }
      const key = await newKeyPair('EdDSA');
      await register(org, { jwk: key.jwk, proof: await sign(newest, key), label: 'newest challenge' }).expect(201);
    });

    it("are issued only to the organisation's admins", async () => {
      const member = await addMember(t, vendor.slug, vendor.adminKey, ['member']);
      expect((await t.http.post(`/api/v1/organisations/${vendor.slug}/signing-keys/challenges`).expect(401)).body.code).toBe('auth.unauthenticated');
      expect((await t.http.post(`/api/v1/organisations/${vendor.slug}/signing-keys/challenges`).set(bearer(member.key)).expect(403)).body.code).toBe('auth.forbidden');
      expect((await t.http.post(`/api/v1/organisations/${vendor.slug}/signing-keys/challenges`).set(bearer(city.adminKey)).expect(404)).body.code).toBe('organisation.not_found');
    });
  });

  describe('refused keys', () => {
    it('refuses an RSA key with 400 signing_key.unsupported_key_type, storing nothing', async () => {
      const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
      const jwk = await exportJWK(publicKey);
      const proof = await new CompactSign(new TextEncoder().encode(await challenge(vendor))).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
      const res = await register(vendor, { jwk, proof, label: 'rsa' }).expect(400);
      expect(res.body.code).toBe('signing_key.unsupported_key_type');
      const kid = await calculateJwkThumbprint(jwk);
      expect((await t.http.get(`/api/v1/signing-keys/${kid}`).expect(404)).body.code).toBe('signing_key.not_found');
    });

    it('refuses an X25519 (key agreement) key and a P-384 key with 400 signing_key.unsupported_key_type', async () => {
      const ed = await newKeyPair('EdDSA');
      const res = await register(vendor, { jwk: { ...ed.jwk, crv: 'X25519' }, proof: await sign(await challenge(vendor), ed), label: 'x25519' }).expect(400);
      expect(res.body.code).toBe('signing_key.unsupported_key_type');
      const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
      const proof = await new CompactSign(new TextEncoder().encode(await challenge(vendor))).setProtectedHeader({ alg: 'ES384' }).sign(privateKey);
      const p384 = await register(vendor, { jwk: await exportJWK(publicKey), proof, label: 'p384' }).expect(400);
      expect(p384.body.code).toBe('signing_key.unsupported_key_type');
    });

    it('refuses a key another organisation already registered with 409 signing_key.already_registered, leaving it with its owner', async () => {
      const key = await newKeyPair('ES256');
      await registerKey(vendor, key, 201);
      const res = await registerKey(city, key, 409);
      expect(res.body.code).toBe('signing_key.already_registered');
      expect((await t.http.get(`/api/v1/signing-keys/${key.thumbprint}`).expect(200)).body.organisation).toBe(vendor.slug);
      expect((await history(city)).map((k) => k.kid)).not.toContain(key.thumbprint);
      expect(await jwks(city)).not.toContain(key.thumbprint);
      // The same organisation registering it twice is refused alike.
      expect((await registerKey(vendor, key, 409)).body.code).toBe('signing_key.already_registered');
    });

    it('refuses unknown members in the body and a proof that is not a compact JWS with 400', async () => {
      const key = await newKeyPair('EdDSA');
      const proof = await sign(await challenge(vendor), key);
      const unknown = await register(vendor, { jwk: key.jwk, proof, label: 'x', kid: key.thumbprint, status: 'active' }).expect(400);
      expect(unknown.body.code).toBe('request.unknown_field');
      const notJws = await register(vendor, { jwk: key.jwk, proof: 'not.a-jws', label: 'x' }).expect(400);
      expect(notJws.body.code).toBe('request.invalid');
      await expectNotStored(key, vendor);
    });

    it("refuses a demo key whose x is spelled with its last character changed (400 signing_key.invalid_jwk): the same key cannot slip past the demo-key refusal under another kid", async () => {
      const { kid, d, ...demoJwk } = DEMO_KEYS.parkwise!;
      const twin = { ...demoJwk, x: paddingTwin(demoJwk.x) };
      const twinKid = await calculateJwkThumbprint(twin);
      expect(twinKid).not.toBe(kid);
      const demoKey: KeyPair = { alg: 'EdDSA', privateKey: (await importJWK({ ...demoJwk, d }, 'EdDSA')) as CryptoKey, jwk: twin, privateJwk: { ...demoJwk, d }, thumbprint: twinKid };
      const res = await registerKey(vendor, demoKey, 400);
      expect(res.body.code).toBe('signing_key.invalid_jwk');
      await expectNotStored(demoKey, vendor);
      await t.http.get(`/api/v1/signing-keys/${kid}`).expect(404);
    });

    it.each(['EdDSA', 'ES256'] as const)("refuses a revoked %s key's non-canonical twin (400 signing_key.invalid_jwk): one key is never registered under a second kid", async (alg) => {
      const key = await newKeyPair(alg);
      await registerKey(vendor, key, 201);
      await t.http.post(`/api/v1/organisations/${vendor.slug}/signing-keys/${key.thumbprint}/revoke`).set(bearer(vendor.adminKey)).send({ reason: 'key-compromise' }).expect(200);
      const twinJwk = { ...key.jwk, x: paddingTwin(key.jwk.x!) };
      const twin: KeyPair = { ...key, jwk: twinJwk, thumbprint: await calculateJwkThumbprint(twinJwk) };
      expect((await registerKey(vendor, twin, 400)).body.code).toBe('signing_key.invalid_jwk');
      await expectNotStored(twin, vendor);
    });

    it("lets only the organisation's admins register keys", async () => {
      const member = await addMember(t, vendor.slug, vendor.adminKey, ['member', 'standards-editor']);
      const key = await newKeyPair('EdDSA');
      const proof = await sign(await challenge(vendor), key);
      expect((await register(vendor, { jwk: key.jwk, proof, label: 'member' }, member.key).expect(403)).body.code).toBe('auth.forbidden');
      expect((await register(vendor, { jwk: key.jwk, proof, label: 'foreign' }, city.adminKey).expect(404)).body.code).toBe('organisation.not_found');
      await expectNotStored(key, vendor);
    });
  });

  describe('validity judged by the registry clock', () => {
    it('clamps a validFrom in the past to the time the registry received the key', async () => {
      const key = await newKeyPair('EdDSA');
      const before = Date.now();
      const res = await registerKey(vendor, key, 201, { validFrom: '2020-01-01T00:00:00Z' });
      expect(Date.parse(res.body.validFrom)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(res.body.validFrom)).toBeLessThanOrEqual(Date.now());
      expect(res.body.status).toBe('active');
    });

    it('keeps a key with a future validFrom pending and out of the JWKS, but in the public history', async () => {
      const key = await newKeyPair('ES256');
      const validFrom = new Date(Date.now() + 86_400_000).toISOString();
      const res = await registerKey(vendor, key, 201, { validFrom });
      expect(res.body).toMatchObject({ status: 'pending', validFrom });
      expect(await jwks(vendor)).not.toContain(key.thumbprint);
      expect((await history(vendor)).find((k) => k.kid === key.thumbprint)).toMatchObject({ status: 'pending', validFrom });
      expect((await t.http.get(`/api/v1/signing-keys/${key.thumbprint}`).expect(200)).body.status).toBe('pending');
    });

    it('refuses an expiry at or before the start of validity with 400 signing_key.invalid_validity, storing nothing', async () => {
      const key = await newKeyPair('EdDSA');
      const start = new Date(Date.now() + 2 * 86_400_000).toISOString();
      for (const window of [
        { validFrom: start, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
        { validFrom: start, expiresAt: start },
        { expiresAt: new Date(Date.now() - 1_000).toISOString() },
        { validFrom: '2020-01-01T00:00:00Z', expiresAt: '2021-01-01T00:00:00Z' },
      ]) {
        const res = await registerKey(vendor, key, 400, window);
        expect(res.body.code).toBe('signing_key.invalid_validity');
      }
      await expectNotStored(key, vendor);
    });

    it('drops a key from the JWKS once the registry clock passes its expiry, keeping it in the history as expired', async () => {
      const key = await newKeyPair('ES256');
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      expect((await registerKey(vendor, key, 201, { expiresAt })).body).toMatchObject({ status: 'active', expiresAt });
      expect(await jwks(vendor)).toContain(key.thumbprint);
      await sql(`UPDATE signing_keys SET valid_from = now() - interval '2 hours', expires_at = now() - interval '1 second' WHERE kid = $1`, [key.thumbprint]);
      expect(await jwks(vendor)).not.toContain(key.thumbprint);
      expect((await t.http.get(`/api/v1/signing-keys/${key.thumbprint}`).expect(200)).body.status).toBe('expired');
    });
  });

  describe('revocation', () => {
    it('takes effect at once: the key leaves the JWKS and stays in the public history with its time and reason', async () => {
      const key = await newKeyPair('EdDSA');
      await registerKey(vendor, key, 201);
      expect(await jwks(vendor)).toContain(key.thumbprint);
      const before = Date.now();
      const res = await t.http
        .post(`/api/v1/organisations/${vendor.slug}/signing-keys/${key.thumbprint}/revoke`)
        .set(bearer(vendor.adminKey))
        .send({ reason: 'key-compromise', comment: 'laptop stolen' })
        .expect(200);
      expect(res.body).toMatchObject({ kid: key.thumbprint, status: 'revoked', revocationReason: 'key-compromise', revocationComment: 'laptop stolen' });
      expect(Date.parse(res.body.revokedAt)).toBeGreaterThanOrEqual(before);

      expect(await jwks(vendor)).not.toContain(key.thumbprint);
      const inHistory = (await history(vendor)).find((k) => k.kid === key.thumbprint);
      expect(inHistory).toMatchObject({ status: 'revoked', revokedAt: res.body.revokedAt, revocationReason: 'key-compromise', jwk: res.body.jwk });
      const one = await t.http.get(`/api/v1/signing-keys/${key.thumbprint}`).expect(200);
      expect(one.body).toMatchObject({ status: 'revoked', revokedAt: res.body.revokedAt, revocationReason: 'key-compromise' });
    });

    it('refuses to revoke a key twice with 409 signing_key.already_revoked, keeping the first reason', async () => {
      const key = await newKeyPair('ES256');
      await registerKey(vendor, key, 201);
      const path = `/api/v1/organisations/${vendor.slug}/signing-keys/${key.thumbprint}/revoke`;
      const first = await t.http.post(path).set(bearer(vendor.adminKey)).send({ reason: 'superseded' }).expect(200);
      const second = await t.http.post(path).set(bearer(vendor.adminKey)).send({ reason: 'key-compromise' }).expect(409);
      expect(second.body.code).toBe('signing_key.already_revoked');
      expect((await t.http.get(`/api/v1/signing-keys/${key.thumbprint}`).expect(200)).body).toMatchObject({ revocationReason: 'superseded', revokedAt: first.body.revokedAt });
    });

    it("does not let another organisation's admin revoke the key (404), and the key stays active", async () => {
      const key = await newKeyPair('EdDSA');
      await registerKey(vendor, key, 201);
      const viaOwner = await t.http.post(`/api/v1/organisations/${vendor.slug}/signing-keys/${key.thumbprint}/revoke`).set(bearer(city.adminKey)).send({ reason: 'key-compromise' }).expect(404);
      expect(viaOwner.body.code).toBe('organisation.not_found');
      const viaOwn = await t.http.post(`/api/v1/organisations/${city.slug}/signing-keys/${key.thumbprint}/revoke`).set(bearer(city.adminKey)).send({ reason: 'key-compromise' }).expect(404);
      expect(viaOwn.body.code).toBe('signing_key.not_found');
      expect(await jwks(vendor)).toContain(key.thumbprint);
    });

    it('needs a known reason', async () => {
      const key = await newKeyPair('EdDSA');
      await registerKey(vendor, key, 201);
      const path = `/api/v1/organisations/${vendor.slug}/signing-keys/${key.thumbprint}/revoke`;
      expect((await t.http.post(path).set(bearer(vendor.adminKey)).send({}).expect(400)).body.code).toBe('request.invalid');
      expect((await t.http.post(path).set(bearer(vendor.adminKey)).send({ reason: 'bored' }).expect(400)).body.code).toBe('request.invalid');
      expect(await jwks(vendor)).toContain(key.thumbprint);
    });

    it("lets the operator revoke any organisation's key", async () => {
      const key = await newKeyPair('ES256');
      await registerKey(city, key, 201);
      await t.http.post(`/api/v1/organisations/${city.slug}/signing-keys/${key.thumbprint}/revoke`).set(bearer(t.operatorKey)).send({ reason: 'cessation-of-operation' }).expect(200);
      expect(await jwks(city)).not.toContain(key.thumbprint);
    });
  });

  describe('public reads', () => {
    it('serves the JWKS, the history and one key to anyone without a key, with public members only', async () => {
      const org = await createOrganisation(t, uniqueSlug('keys-public'), 'vendor');
      const keys = [await newKeyPair('EdDSA'), await newKeyPair('ES256')];
      for (const key of keys) await registerKey(org, key, 201);
      const set = await t.http.get(`/api/v1/organisations/${org.slug}/jwks.json`).expect(200);
      expect(set.headers['content-type']).toContain('application/json');
      expect(set.body.keys.map((k: JWK) => k.kid).sort()).toEqual(keys.map((k) => k.thumbprint).sort());
      for (const jwk of set.body.keys as JWK[]) {
        expect(Object.keys(jwk).sort()).toEqual(jwk.kty === 'EC' ? ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'] : ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      }
      expect((await history(org)).map((k) => k.kid)).toEqual(keys.map((k) => k.thumbprint));
      await t.http.get(`/api/v1/signing-keys/${keys[0]!.thumbprint}`).expect(200);
    });

    it('pages the key history by cursor with no duplicate and nothing missing', async () => {
      const org = await createOrganisation(t, uniqueSlug('keys-paged'), 'city');
      const kids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const key = await newKeyPair(i % 2 === 0 ? 'EdDSA' : 'ES256');
        await registerKey(org, key, 201);
        kids.push(key.thumbprint);
      }
      const asc = await walkPages(t, `/api/v1/organisations/${org.slug}/signing-keys`, { limit: 2 });
      expect(asc.pages).toBe(3);
      expect(asc.items.map((k) => k.kid)).toEqual(kids);
      const desc = await walkPages(t, `/api/v1/organisations/${org.slug}/signing-keys`, { limit: 2, sort: '-createdAt' });
      expect(desc.items.map((k) => k.kid)).toEqual([...kids].reverse());
    });

    it('refuses a kid or slug holding a NUL character with 400 request.invalid, never a 500', async () => {
      for (const path of ['/api/v1/signing-keys/a%00b', '/api/v1/organisations/a%00b/jwks.json', '/api/v1/organisations/a%00b/signing-keys']) {
        expect((await t.http.get(path).expect(400)).body.code).toBe('request.invalid');
      }
      const revoke = await t.http.post(`/api/v1/organisations/${vendor.slug}/signing-keys/a%00b/revoke`).set(bearer(vendor.adminKey)).send({ reason: 'superseded' }).expect(400);
      expect(revoke.body.code).toBe('request.invalid');
    });

    it('answers an unknown kid or organisation with 404', async () => {
      expect((await t.http.get(`/api/v1/signing-keys/${'A'.repeat(43)}`).expect(404)).body.code).toBe('signing_key.not_found');
      const nobody = uniqueSlug('nobody');
      expect((await t.http.get(`/api/v1/organisations/${nobody}/jwks.json`).expect(404)).body.code).toBe('organisation.not_found');
      expect((await t.http.get(`/api/v1/organisations/${nobody}/signing-keys`).expect(404)).body.code).toBe('organisation.not_found');
    });
  });

  describeOnServer('under concurrency', () => {
    it('lets only one of two organisations registering the same key at once succeed', async () => {
      const key = await newKeyPair('EdDSA');
      const [a, b] = await Promise.all([challenge(vendor), challenge(city)]);
      const results = await Promise.all([
        register(vendor, { jwk: key.jwk, proof: await sign(a, key), label: 'race' }),
        register(city, { jwk: key.jwk, proof: await sign(b, key), label: 'race' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)!.body.code).toBe('signing_key.already_registered');
    });

    it('lets a challenge be used by only one of two concurrent registrations', async () => {
      const text = await challenge(vendor);
      const keys = [await newKeyPair('EdDSA'), await newKeyPair('ES256')];
      const results = await Promise.all(keys.map(async (key) => register(vendor, { jwk: key.jwk, proof: await sign(text, key), label: 'race' })));
      expect(results.map((r) => r.status).sort()).toEqual([201, 400]);
      expect(results.find((r) => r.status === 400)!.body.code).toBe('signing_key.challenge_invalid');
    });
  });
});

describe('demo keys left in a database', () => {
  it("refuses to start a registry outside demo mode on a database holding one of the demo's published keys, and still starts the demo on it", async () => {
    // Its own database (or data folder): while it holds a demo key, no other registry may start on it.
    const own = process.env.DATABASE_URL ? await createDatabase(process.env.DATABASE_URL) : undefined;
    const dataDir = mkdtempSync(join(tmpdir(), 'plaza-demo-keys-'));
    const demoEnv = { PLAZA_DEMO: 'true', PLAZA_DEMO_DATA_DIR: dataDir, ...(own ? { PLAZA_DEMO_DATABASE_URL: own.url } : {}) };
    try {
      const demo = await startTestApp(demoEnv);
      const org = await createOrganisation(demo, uniqueSlug('demo-keys'), 'vendor');
      const { kid, d, ...publicJwk } = DEMO_KEYS.urbanflow!;
      const { challenge } = (await demo.http.post(`/api/v1/organisations/${org.slug}/signing-keys/challenges`).set(bearer(org.adminKey)).expect(201)).body as { challenge: string };
      const proof = await new CompactSign(new TextEncoder().encode(challenge)).setProtectedHeader({ alg: 'EdDSA' }).sign(await importJWK({ ...publicJwk, d }, 'EdDSA'));
      await demo.http.post(`/api/v1/organisations/${org.slug}/signing-keys`).set(bearer(org.adminKey)).send({ jwk: publicJwk, proof, label: 'demo key' }).expect(201);
      await demo.close();

      await expect(startTestApp(own ? { DATABASE_URL: own.url } : { PLAZA_DATA_DIR: dataDir })).rejects.toThrow(
        new RegExp(`the database holds the demo's published signing keys \\(${kid}\\)`),
      );
      const again = await startTestApp(demoEnv);
      await again.http.get(`/api/v1/signing-keys/${kid}`).expect(200);
      await again.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await own?.drop();
    }
  });
});
