import { randomUUID } from 'node:crypto';
import { MemberRepository } from '../../apps/registry/src/members/member.repository.js';
import { MemberService } from '../../apps/registry/src/members/member.service.js';
import { memberKind } from '../../apps/registry/src/members/member-record.js';
import { SYSTEM_ACTOR } from '../../apps/registry/src/kernel/auth/actor.js';
import type { Role } from '../../apps/registry/src/kernel/auth/vocabulary.js';
import { UnitOfWork, UnjournaledWriteError } from '../../apps/registry/src/platform/journal/unit-of-work.js';
import { describeOnServer } from '../support/test-app.js';
import { type ActingMember, addMember, registerOrganisation, secondLockerMeets } from './support/organisations.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

interface GrantRow {
  role: string;
  granted_by_member_id: string | null;
  withdrawn_at: Date | null;
  withdrawn_by_member_id: string | null;
}

describe('members: repository and service on the database', () => {
  let ctx: RegistryContext;
  let members: MemberRepository;
  let service: MemberService;
  let city: ActingMember;

  const grantsOf = async (memberId: string) =>
    (await ctx.db.query('SELECT role, granted_by_member_id, withdrawn_at, withdrawn_by_member_id FROM member_role_grants WHERE member_id = $1 ORDER BY granted_at, role', [memberId])) as GrantRow[];
  // The grant is read locked against a withdrawal, so in a transaction.
  const currentGrant = (memberId: string, role: Role) => ctx.db.transaction((manager) => members.currentGrant(memberId, role, manager));
  const email = (name: string) => `${name}-${randomUUID().slice(0, 8)}@${city.slug}.example`;

  beforeAll(async () => {
    ctx = await startRegistryContext();
    members = ctx.get(MemberRepository);
    service = ctx.get(MemberService);
    city = await registerOrganisation(ctx, 'int-members', 'city');
  });
  afterAll(() => ctx.close());

  it('stores a new member active and never deactivated, journals it, and grants its roles in the name of who added it', async () => {
    const created = await service.create(city.principal, city.slug, { name: 'Ada', email: email('ada'), roles: ['member', 'privacy-approver'] });
    expect(await members.findInOrganisation(city.organisationId, created.id)).toMatchObject({ name: 'Ada', active: true, deactivations: 0, roles: ['member', 'privacy-approver'] });
    const [entry] = (await ctx.db.query('SELECT action, subject_type FROM journal_entries WHERE index = $1', [created.journalIndex])) as { action: string; subject_type: string }[];
    expect(entry).toEqual({ action: 'member.created', subject_type: 'member' });
    expect(await grantsOf(created.id)).toEqual([
      { role: 'member', granted_by_member_id: city.memberId, withdrawn_at: null, withdrawn_by_member_id: null },
      { role: 'privacy-approver', granted_by_member_id: city.memberId, withdrawn_at: null, withdrawn_by_member_id: null },
    ]);
    expect((await currentGrant(created.id, 'privacy-approver'))?.grantedByMemberId).toBe(city.memberId);
    expect(await currentGrant(created.id, 'admin')).toBeNull();
  });

  it('credits the registry itself with the roles of a member it adds', async () => {
    const added = await service.insert(SYSTEM_ACTOR, city.organisationId, { name: 'Registry-made', email: email('system'), roles: ['member'] });
    expect((await grantsOf(added.id)).map((g) => g.granted_by_member_id)).toEqual([null]);
  });

  it('refuses an email another member of the organisation holds, whatever its letter case, but not one held elsewhere', async () => {
    const taken = email('grace');
    await service.create(city.principal, city.slug, { name: 'Grace', email: taken, roles: ['member'] });
    await expect(service.create(city.principal, city.slug, { name: 'Grace again', email: taken.toUpperCase(), roles: ['member'] })).rejects.toMatchObject({ code: 'member.email_taken' });
    const other = await registerOrganisation(ctx, 'int-members-other', 'vendor');
    await expect(service.create(other.principal, other.slug, { name: 'Grace elsewhere', email: taken, roles: ['member'] })).resolves.toMatchObject({ email: taken });
  });

  it('finds a member only within its own organisation', async () => {
    const other = await registerOrganisation(ctx, 'int-members-scope', 'vendor');
    expect(await members.findInOrganisation(other.organisationId, city.memberId)).toBeNull();
    expect((await members.findInOrganisation(city.organisationId, city.memberId))?.id).toBe(city.memberId);
    await expect(service.get(city.principal, city.slug, other.memberId)).rejects.toMatchObject({ code: 'member.not_found' });
    await expect(service.get(city.principal, other.slug, other.memberId)).rejects.toMatchObject({ code: 'organisation.not_found' });
  });

  it('keeps the last active admin: neither a demotion nor a deactivation of them goes through', async () => {
    const lone = await registerOrganisation(ctx, 'int-last-admin', 'vendor');
    const operator = await ctx.operator();
    await expect(service.update(operator, lone.slug, lone.memberId, { roles: ['member'] })).rejects.toMatchObject({ code: 'member.last_admin' });
    await expect(service.update(lone.principal, lone.slug, lone.memberId, { active: false })).rejects.toMatchObject({ code: 'member.last_admin' });
    expect(await members.findInOrganisation(lone.organisationId, lone.memberId)).toMatchObject({ roles: ['admin'], active: true });
    // With a second admin, the first may step down.
    await addMember(ctx, { id: lone.organisationId, slug: lone.slug }, ['admin']);
    await service.update(operator, lone.slug, lone.memberId, { roles: ['member'] });
    expect((await members.findInOrganisation(lone.organisationId, lone.memberId))?.roles).toEqual(['member']);
  });

  it('refuses a role an admin grants themselves', async () => {
    await expect(service.update(city.principal, city.slug, city.memberId, { roles: ['admin', 'standards-editor'] })).rejects.toMatchObject({ code: 'member.self_grant' });
    expect((await members.findInOrganisation(city.organisationId, city.memberId))?.roles).toEqual(['admin']);
  });

  it('counts a deactivation each time an active member is deactivated, and none on reactivation', async () => {
    const member = await service.create(city.principal, city.slug, { name: 'Linus', email: email('linus'), roles: ['member'] });
    const deactivations = async () => (await members.findInOrganisation(city.organisationId, member.id))!.deactivations;
    await service.update(city.principal, city.slug, member.id, { active: false });
    expect(await deactivations()).toBe(1);
    await service.update(city.principal, city.slug, member.id, { active: false, name: 'Linus T.' });
    expect(await deactivations()).toBe(1);
    await service.update(city.principal, city.slug, member.id, { active: true });
    expect(await deactivations()).toBe(1);
    await service.update(city.principal, city.slug, member.id, { active: false });
    expect(await members.findInOrganisation(city.organisationId, member.id)).toMatchObject({ deactivations: 2, active: false, name: 'Linus T.' });
  });

  it('withdraws the grants of roles a member loses and grants the new ones, in the name of the admin who changed them', async () => {
    const member = await service.create(city.principal, city.slug, { name: 'Barbara', email: email('barbara'), roles: ['member', 'privacy-approver'] });
    await service.update(city.principal, city.slug, member.id, { roles: ['member', 'standards-editor'] });
    const grants = await grantsOf(member.id);
    expect(grants.find((g) => g.role === 'privacy-approver')).toMatchObject({ withdrawn_at: expect.any(Date), withdrawn_by_member_id: city.memberId });
    expect(grants.find((g) => g.role === 'member')).toMatchObject({ withdrawn_at: null });
    expect(grants.find((g) => g.role === 'standards-editor')).toMatchObject({ granted_by_member_id: city.memberId, withdrawn_at: null });
    expect(await currentGrant(member.id, 'privacy-approver')).toBeNull();
  });

  it('discloses a member’s roles and status at its latest entry, to its own organisation only, never its name or email', async () => {
    const member = await service.create(city.principal, city.slug, { name: 'Margaret', email: email('margaret'), roles: ['member'] });
    const disclosed = await memberKind.disclose(ctx.db.manager, member.journalIndex!);
    expect(disclosed?.state).toEqual({ id: member.id, organisationId: city.organisationId, roles: ['member'], active: true });
    expect(disclosed?.visibleTo(city.principal)).toBe(true);
    expect(disclosed?.visibleTo(undefined)).toBe(false);
    const outsider = await registerOrganisation(ctx, 'int-members-outsider', 'vendor');
    expect(disclosed?.visibleTo(outsider.principal)).toBe(false);
    await service.update(city.principal, city.slug, member.id, { name: 'Margaret H.' });
    expect(await memberKind.disclose(ctx.db.manager, member.journalIndex!)).toBeNull();
  });

  it('names an organisation’s first member', async () => {
    const org = await registerOrganisation(ctx, 'int-first', 'vendor');
    await addMember(ctx, { id: org.organisationId, slug: org.slug }, ['member']);
    expect((await members.firstOf(org.organisationId))?.id).toBe(org.memberId);
    expect(await members.firstOf(randomUUID())).toBeNull();
  });

  it('lists an organisation’s members only, oldest first, with a cursor', async () => {
    const org = await registerOrganisation(ctx, 'int-list', 'city');
    for (const name of ['b', 'c', 'd']) await addMember(ctx, { id: org.organisationId, slug: org.slug }, name === 'd' ? ['admin'] : ['member']);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.list(org.principal, org.slug, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const stored = (await ctx.db.query('SELECT id FROM members WHERE organisation_id = $1 ORDER BY created_at, id', [org.organisationId])) as { id: string }[];
    expect(seen).toEqual(stored.map((r) => r.id));
    expect(seen[0]).toBe(org.memberId);
  });

  it('rolls back a member stored without its journal entry', async () => {
    const unjournaled = ctx.get(UnitOfWork).run(SYSTEM_ACTOR, (tx) => members.insert({ organisationId: city.organisationId, name: 'Ghost', email: email('ghost'), roles: ['member'] }, tx.manager));
    await expect(unjournaled).rejects.toBeInstanceOf(UnjournaledWriteError);
    expect(((await ctx.db.query("SELECT count(*)::int AS n FROM members WHERE name = 'Ghost'")) as [{ n: number }])[0].n).toBe(0);
  });

  describeOnServer('on the server, where transactions run side by side', () => {
    it('locks the organisation’s active admins, so two demotions cannot both pass the last-admin check', async () => {
      expect(await secondLockerMeets(ctx, (manager) => members.lockActiveAdmins(city.organisationId, manager))).toBe('55P03');
    });

    it('locks a member whose roles change until the change commits', async () => {
      expect(await secondLockerMeets(ctx, (manager) => members.lockInOrganisation(city.organisationId, city.memberId, manager))).toBe('55P03');
    });
  });
});
