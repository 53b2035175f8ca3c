import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, type CryptoKey, exportJWK, generateKeyPair, type JWK } from 'jose';
import { DEMO_KEYS } from '../../demo/keys.js';
import { ApiKeyService } from '../../apps/registry/src/api-keys/api-key.service.js';
import { MemberService } from '../../apps/registry/src/members/member.service.js';
import { SigningKeyRepository } from '../../apps/registry/src/signing-keys/signing-key.repository.js';
import { SigningKeyService } from '../../apps/registry/src/signing-keys/signing-key.service.js';
import { signingKeyKind } from '../../apps/registry/src/signing-keys/signing-key-record.js';
import { describeOnServer } from '../support/test-app.js';
import { type ActingMember, registerOrganisation, secondLockerMeets } from './support/organisations.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

interface KeyPair {
  jwk: JWK;
  kid: string;
  privateKey: CryptoKey;
}

async function newKeyPair(): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(publicKey);
  return { jwk, kid: await calculateJwkThumbprint(jwk, 'sha256'), privateKey };
}

const sign = (text: string, key: CryptoKey) => new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'EdDSA' }).sign(key);

describe('signing keys: repository and service on the database', () => {
  let ctx: RegistryContext;
  let keys: SigningKeyRepository;
  let service: SigningKeyService;
  let city: ActingMember;

  /** Asks a challenge for the organisation and registers `pair` with the proof of possession, signed with `signer`. */
  const register = async (org: ActingMember, pair: KeyPair, options: { signer?: CryptoKey; challenge?: string; validFrom?: string; expiresAt?: string } = {}) => {
    const challenge = options.challenge ?? (await service.challenge(org.principal, org.slug)).challenge;
    const proof = await sign(challenge, options.signer ?? pair.privateKey);
    return service.register(org.principal, org.slug, { jwk: pair.jwk as Record<string, unknown>, proof, label: 'agreements', validFrom: options.validFrom, expiresAt: options.expiresAt });
  };
  const newChallenge = () => `int-challenge-${randomBytes(12).toString('base64url')}`;

  beforeAll(async () => {
    ctx = await startRegistryContext();
    keys = ctx.get(SigningKeyRepository);
    service = ctx.get(SigningKeyService);
    city = await registerOrganisation(ctx, 'int-signing', 'city');
  });
  afterAll(() => ctx.close());

  it('registers a key whose proof signs a live challenge of the organisation, journals it, and serves it as active', async () => {
    const pair = await newKeyPair();
    const registered = await register(city, pair);
    expect(registered).toMatchObject({ kid: pair.kid, organisation: city.slug, status: 'active' });
    expect(await keys.findByKid(pair.kid)).toMatchObject({ organisationId: city.organisationId, alg: 'EdDSA', revokedAt: null, revocationReason: null });
    expect((await keys.activeAt(city.organisationId, new Date())).map((k) => k.kid)).toContain(pair.kid);
    expect((await service.jwks(city.slug)).keys).toContainEqual(expect.objectContaining({ x: pair.jwk.x }));
    const disclosed = await signingKeyKind.disclose(ctx.db.manager, registered.journalIndex!);
    expect(disclosed?.state).toMatchObject({ kid: pair.kid, organisation: city.slug });
    expect(disclosed?.state).not.toHaveProperty('status');
    expect(disclosed?.visibleTo(undefined)).toBe(true);
  });

  it('marks a key registered with a key the operator issued, and not one registered with a key the organisation issued itself', async () => {
    // The city's admin acts with a key the operator issued; a second admin gets theirs from the first.
    const viaOperator = await register(city, await newKeyPair());
    expect(viaOperator.registeredViaOperator).toBe(true);
    const second = await ctx.get(MemberService).create(city.principal, city.slug, { name: 'Own', email: `own-${randomBytes(4).toString('hex')}@${city.slug}.example`, roles: ['admin'] });
    const { key } = await ctx.get(ApiKeyService).issue(city.principal, city.slug, { memberId: second.id, label: 'own' });
    const own = { ...city, memberId: second.id, key, principal: await ctx.principalOf(key) };
    expect((await register(own, await newKeyPair())).registeredViaOperator).toBe(false);
  });

  it('refuses a proof made with another key, and leaves the challenge live for a good one', async () => {
    const pair = await newKeyPair();
    const { challenge } = await service.challenge(city.principal, city.slug);
    const stranger = await newKeyPair();
    await expect(register(city, pair, { challenge, signer: stranger.privateKey })).rejects.toMatchObject({ code: 'signing_key.proof_invalid' });
    expect(await keys.findByKid(pair.kid)).toBeNull();
    await expect(register(city, pair, { challenge })).resolves.toMatchObject({ kid: pair.kid });
  });

  it('takes a challenge once, and only from the organisation it was made for', async () => {
    const { challenge } = await service.challenge(city.principal, city.slug);
    await register(city, await newKeyPair(), { challenge });
    await expect(register(city, await newKeyPair(), { challenge })).rejects.toMatchObject({ code: 'signing_key.challenge_invalid' });
    const other = await registerOrganisation(ctx, 'int-signing-other', 'vendor');
    const theirs = await service.challenge(other.principal, other.slug);
    await expect(register(city, await newKeyPair(), { challenge: theirs.challenge })).rejects.toMatchObject({ code: 'signing_key.challenge_invalid' });
  });

  it('refuses a key registered already, and one whose expiry does not follow its start', async () => {
    const pair = await newKeyPair();
    await register(city, pair);
    await expect(register(city, pair)).rejects.toMatchObject({ code: 'signing_key.already_registered' });
    const start = new Date(Date.now() + 86_400_000);
    await expect(register(city, await newKeyPair(), { validFrom: start.toISOString(), expiresAt: new Date(start.getTime() - 1000).toISOString() })).rejects.toMatchObject({
      code: 'signing_key.invalid_validity',
    });
  });

  it('refuses the demo’s published keys outside the demo', async () => {
    const [demo] = Object.values(DEMO_KEYS);
    const jwk = { kty: demo!.kty, crv: demo!.crv, x: demo!.x };
    await expect(service.register(city.principal, city.slug, { jwk, proof: 'x.y.z', label: 'demo' })).rejects.toMatchObject({ code: 'signing_key.demo_key' });
    expect(await keys.storedKids([await calculateJwkThumbprint(jwk, 'sha256')])).toEqual([]);
  });

  it('counts a key starting later as pending, not active, until its start', async () => {
    const pair = await newKeyPair();
    const start = new Date(Date.now() + 3_600_000);
    const registered = await register(city, pair, { validFrom: start.toISOString() });
    expect(registered.status).toBe('pending');
    expect((await keys.activeAt(city.organisationId, new Date())).map((k) => k.kid)).not.toContain(pair.kid);
    expect((await keys.activeAt(city.organisationId, new Date(start.getTime() + 1000))).map((k) => k.kid)).toContain(pair.kid);
  });

  it('revokes a key of its own organisation once, with its reason, and stops serving it as active', async () => {
    const pair = await newKeyPair();
    await register(city, pair);
    const revoked = await service.revoke(city.principal, city.slug, pair.kid, { reason: 'superseded', comment: 'rotated' });
    expect(revoked.status).toBe('revoked');
    expect(await keys.findByKid(pair.kid)).toMatchObject({ revocationReason: 'superseded', revocationComment: 'rotated', revokedAt: expect.any(Date) });
    expect((await keys.activeAt(city.organisationId, new Date())).map((k) => k.kid)).not.toContain(pair.kid);
    await expect(service.revoke(city.principal, city.slug, pair.kid, { reason: 'superseded' })).rejects.toMatchObject({ code: 'signing_key.already_revoked' });
  });

  it('revokes only a key of the organisation named', async () => {
    const pair = await newKeyPair();
    await register(city, pair);
    const other = await registerOrganisation(ctx, 'int-signing-revoker', 'vendor');
    await expect(service.revoke(other.principal, other.slug, pair.kid, { reason: 'key-compromise' })).rejects.toMatchObject({ code: 'signing_key.not_found' });
    expect((await keys.findByKid(pair.kid))?.revokedAt).toBeNull();
  });

  it('keeps at most the limit of live challenges per organisation, retiring the oldest', async () => {
    const org = await registerOrganisation(ctx, 'int-signing-limit', 'vendor');
    const [first, second, third] = [newChallenge(), newChallenge(), newChallenge()];
    for (const [offset, challenge] of [first, second, third].entries()) {
      await keys.saveChallenge(org.organisationId, challenge!, new Date(Date.now() + 60_000 + offset * 1000), new Date(), 2);
    }
    const consume = (challenge: string) => ctx.db.transaction((manager) => keys.consumeChallenge(org.organisationId, challenge, new Date(), manager));
    expect(await consume(first!)).toBe(false);
    expect(await consume(third!)).toBe(true);
    expect(await consume(second!)).toBe(true);
    expect(await consume(second!)).toBe(false);
  });

  it('never takes an expired challenge, and purges it', async () => {
    const challenge = newChallenge();
    const now = new Date();
    await keys.saveChallenge(city.organisationId, challenge, new Date(now.getTime() - 1000), new Date(now.getTime() - 2000), 20);
    expect(await ctx.db.transaction((manager) => keys.consumeChallenge(city.organisationId, challenge, now, manager))).toBe(false);
    await keys.purgeExpiredChallenges(now);
    expect(await ctx.db.query('SELECT 1 FROM signing_key_challenges WHERE challenge = $1', [challenge])).toEqual([]);
  });

  it('pages an organisation’s key history oldest first, and names only the kids it stores', async () => {
    const org = await registerOrganisation(ctx, 'int-signing-history', 'vendor');
    const pairs = [await newKeyPair(), await newKeyPair(), await newKeyPair()];
    for (const pair of pairs) await register(org, pair);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.history(org.slug, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((k) => k.kid));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(pairs.map((p) => p.kid));
    const unknown = (await newKeyPair()).kid;
    expect((await keys.storedKids([pairs[0]!.kid, unknown])).sort()).toEqual([pairs[0]!.kid]);
    await expect(service.get(unknown)).rejects.toMatchObject({ code: 'signing_key.not_found' });
  });

  describeOnServer('on the server, where transactions run side by side', () => {
    it('holds a key being revoked until the revocation commits', async () => {
      const pair = await newKeyPair();
      await register(city, pair);
      expect(await secondLockerMeets(ctx, (manager) => keys.findOwnedForUpdate(city.organisationId, pair.kid, manager))).toBe('55P03');
    });
  });
});
