import { randomUUID } from 'node:crypto';
import { ApiKeyRepository } from '../../apps/registry/src/api-keys/api-key.repository.js';
import { ApiKeyService } from '../../apps/registry/src/api-keys/api-key.service.js';
import { apiKeyKind } from '../../apps/registry/src/api-keys/api-key-record.js';
import { generateApiKey, hashApiKey } from '../../apps/registry/src/api-keys/index.js';
import { SYSTEM_ACTOR } from '../../apps/registry/src/kernel/auth/actor.js';
import { MemberService } from '../../apps/registry/src/members/member.service.js';
import { UnitOfWork, UnjournaledWriteError } from '../../apps/registry/src/platform/journal/unit-of-work.js';
import { describeOnServer } from '../support/test-app.js';
import { type ActingMember, addMember, registerOrganisation, secondLockerMeets } from './support/organisations.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

describe('api keys: repository and service on the database', () => {
  let ctx: RegistryContext;
  let keys: ApiKeyRepository;
  let service: ApiKeyService;
  let city: ActingMember;

  /** A member of the city without a key yet. */
  const newMember = async (roles: ('member' | 'admin')[] = ['member']) =>
    ctx.get(MemberService).create(city.principal, city.slug, { name: 'Keyholder', email: `k-${randomUUID().slice(0, 8)}@${city.slug}.example`, roles });
  const stored = (id: string) => ctx.db.query('SELECT hash, revoked_at, issued_by_member_id, member_deactivations FROM api_keys WHERE id = $1', [id]) as Promise<
    { hash: Buffer; revoked_at: Date | null; issued_by_member_id: string | null; member_deactivations: number }[]
  >;

  beforeAll(async () => {
    ctx = await startRegistryContext();
    keys = ctx.get(ApiKeyRepository);
    service = ctx.get(ApiKeyService);
    city = await registerOrganisation(ctx, 'int-keys', 'city');
  });
  afterAll(() => ctx.close());

  it('issues a key whose hash alone is stored, naming its issuer, and which authenticates as its member', async () => {
    const member = await newMember();
    const issued = await service.issue(city.principal, city.slug, { memberId: member.id, label: 'laptop' });
    const [row] = await stored(issued.id);
    expect(row!.hash.equals(hashApiKey(issued.key))).toBe(true);
    expect(row!.issued_by_member_id).toBe(city.memberId);
    expect(await keys.existsWithHash(hashApiKey(issued.key))).toBe(true);
    expect(await ctx.principalOf(issued.key)).toMatchObject({
      memberId: member.id, organisationId: city.organisationId, organisationSlug: city.slug, roles: ['member'], keyIssuedBy: { organisationId: city.organisationId, memberId: city.memberId }, viaOperator: false,
    });
    expect((await keys.findHolder(issued.prefix))?.member_id).toBe(member.id);
  });

  it('knows no holder of an unknown prefix and no key of an unknown hash', async () => {
    expect(await keys.findHolder('plz_zzzzzzzz')).toBeNull();
    expect(await keys.existsWithHash(hashApiKey(generateApiKey().key))).toBe(false);
  });

  it('refuses a key for an inactive member, for a member of another organisation, or with an expiry already past', async () => {
    const inactive = await newMember();
    await ctx.get(MemberService).update(city.principal, city.slug, inactive.id, { active: false });
    await expect(service.issue(city.principal, city.slug, { memberId: inactive.id, label: 'x' })).rejects.toMatchObject({ code: 'api_key.member_inactive' });
    const other = await registerOrganisation(ctx, 'int-keys-other', 'vendor');
    await expect(service.issue(city.principal, city.slug, { memberId: other.memberId, label: 'x' })).rejects.toMatchObject({ code: 'member.not_found' });
    const past = new Date(Date.now() - 1000).toISOString();
    await expect(service.issue(city.principal, city.slug, { memberId: city.memberId, label: 'x', expiresAt: past })).rejects.toMatchObject({ code: 'api_key.expiry_not_in_future' });
  });

  it('revokes a key once: it stops authenticating, the revocation is journaled, and a second revocation is refused', async () => {
    const member = await newMember();
    const issued = await service.issue(city.principal, city.slug, { memberId: member.id, label: 'phone' });
    const revoked = await service.revoke(city.principal, city.slug, issued.id);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect((await stored(issued.id))[0]!.revoked_at).toEqual(new Date(revoked.revokedAt!));
    await expect(ctx.principalOf(issued.key)).rejects.toMatchObject({ code: 'auth.invalid_key' });
    const disclosed = await apiKeyKind.disclose(ctx.db.manager, revoked.journalIndex!);
    expect(disclosed?.state).toMatchObject({ id: issued.id, revokedAt: revoked.revokedAt });
    expect(disclosed?.state).not.toHaveProperty('issuedBy');
    await expect(service.revoke(city.principal, city.slug, issued.id)).rejects.toMatchObject({ code: 'api_key.already_revoked' });
  });

  it('revokes only a key of the organisation named: another organisation’s key is not found', async () => {
    const other = await registerOrganisation(ctx, 'int-keys-foreign', 'vendor');
    await expect(service.revoke(await ctx.operator(), city.slug, other.principal.keyId)).rejects.toMatchObject({ code: 'api_key.not_found' });
    await expect(ctx.principalOf(other.key)).resolves.toMatchObject({ memberId: other.memberId });
  });

  it('counts a member as holding an active key until they are deactivated, and not again on reactivation until a new key', async () => {
    const member = await newMember();
    expect(await keys.hasActiveKey(member.id)).toBe(false);
    const first = await service.issue(city.principal, city.slug, { memberId: member.id, label: 'first' });
    expect(await keys.hasActiveKey(member.id)).toBe(true);
    const members = ctx.get(MemberService);
    await members.update(city.principal, city.slug, member.id, { active: false });
    expect(await keys.hasActiveKey(member.id)).toBe(false);
    await members.update(city.principal, city.slug, member.id, { active: true });
    // The key outlived a deactivation of its member: it stays dead.
    expect(await keys.hasActiveKey(member.id)).toBe(false);
    await expect(ctx.principalOf(first.key)).rejects.toMatchObject({ code: 'auth.invalid_key' });
    await service.issue(city.principal, city.slug, { memberId: member.id, label: 'second' });
    expect(await keys.hasActiveKey(member.id)).toBe(true);
  });

  it('does not count a revoked key as active', async () => {
    const member = await newMember();
    const issued = await service.issue(city.principal, city.slug, { memberId: member.id, label: 'only' });
    await service.revoke(city.principal, city.slug, issued.id);
    expect(await keys.hasActiveKey(member.id)).toBe(false);
  });

  it('lists an organisation’s keys newest first with a cursor, and none of another’s', async () => {
    const org = await registerOrganisation(ctx, 'int-keys-list', 'vendor');
    for (let i = 0; i < 3; i++) await addMember(ctx, { id: org.organisationId, slug: org.slug }, ['member']);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.list(org.principal, org.slug, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((k) => k.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const expected = (await ctx.db.query('SELECT id FROM api_keys WHERE organisation_id = $1 ORDER BY created_at DESC, id DESC', [org.organisationId])) as { id: string }[];
    expect(seen).toEqual(expected.map((r) => r.id));
    expect(seen).toHaveLength(4);
  });

  it('stores a key at start once, issued by the registry itself: a second call finds it done', async () => {
    const member = await newMember(['admin']);
    const { key, prefix, hash } = generateApiKey();
    const wanted = { organisationId: city.organisationId, memberId: member.id, prefix, hash, label: 'start' };
    expect(await service.issueAtStart(wanted, 'member-holds-a-key')).toBe(true);
    expect(await ctx.principalOf(key)).toMatchObject({ memberId: member.id, keyIssuedBy: null });
    // A new key is not made while the member holds a working one, and a supplied key is not stored twice.
    const another = generateApiKey();
    expect(await service.issueAtStart({ ...wanted, prefix: another.prefix, hash: another.hash }, 'member-holds-a-key')).toBe(false);
    expect(await keys.existsWithHash(another.hash)).toBe(false);
    expect(await service.issueAtStart(wanted, 'stored')).toBe(false);
    expect(((await ctx.db.query('SELECT count(*)::int AS n FROM api_keys WHERE member_id = $1', [member.id])) as [{ n: number }])[0].n).toBe(1);
  });

  it('rolls back a key stored without its journal entry', async () => {
    const { prefix, hash } = generateApiKey();
    const fields = {
      organisationId: city.organisationId, memberId: city.memberId, prefix, hash, label: 'ghost', expiresAt: null, issuedByMemberId: null, issuedByOrganisationId: null, memberDeactivations: 0,
    };
    await expect(ctx.get(UnitOfWork).run(SYSTEM_ACTOR, (tx) => keys.insert(fields, tx.manager))).rejects.toBeInstanceOf(UnjournaledWriteError);
    expect(await keys.existsWithHash(hash)).toBe(false);
  });

  describeOnServer('on the server, where transactions run side by side', () => {
    it('holds a key being revoked until the revocation commits', async () => {
      expect(await secondLockerMeets(ctx, (manager) => keys.findOwnedForUpdate(city.organisationId, city.principal.keyId, manager))).toBe('55P03');
    });
  });
});
