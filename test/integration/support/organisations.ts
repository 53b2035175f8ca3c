import type { EntityManager } from 'typeorm';
import { ApiKeyService } from '../../../apps/registry/src/api-keys/api-key.service.js';
import type { Principal } from '../../../apps/registry/src/kernel/auth/principal.js';
import type { Role } from '../../../apps/registry/src/kernel/auth/vocabulary.js';
import { MemberService } from '../../../apps/registry/src/members/member.service.js';
import { OrganisationService } from '../../../apps/registry/src/organisations/organisation.service.js';
import { organisationBody } from '../../support/fixtures.js';
import { uniqueSlug } from '../../support/test-app.js';
import type { RegistryContext } from './registry-context.js';

/** A member of an organisation, with the key they act with and its principal as the registry authenticates it. */
export interface ActingMember {
  organisationId: string;
  slug: string;
  memberId: string;
  key: string;
  principal: Principal;
}

/**
 * Registers an organisation as the operator does (`extra`: coalitionMember, website...), with one member of these roles
 * holding a key: through the features' own services, as the API would.
 */
export async function registerOrganisation(
  ctx: RegistryContext,
  base: string,
  kind: 'city' | 'vendor',
  roles: Role[] = ['admin'],
  extra: Record<string, unknown> = {},
): Promise<ActingMember> {
  const slug = uniqueSlug(base);
  const organisation = await ctx.get(OrganisationService).create(await ctx.operator(), organisationBody(slug, kind, extra));
  return addMember(ctx, { id: organisation.id, slug }, roles);
}

/** Adds a member with these roles to the organisation, as the operator, and issues them a key. */
export async function addMember(ctx: RegistryContext, organisation: { id: string; slug: string }, roles: Role[]): Promise<ActingMember> {
  const operator = await ctx.operator();
  const email = `${roles.join('-') || 'none'}-${Math.random().toString(36).slice(2)}@${organisation.slug}.example`;
  const member = await ctx.get(MemberService).create(operator, organisation.slug, { name: `Member ${roles.join(' ')}`, email, roles });
  const { key } = await ctx.get(ApiKeyService).issue(operator, organisation.slug, { memberId: member.id, label: 'integration' });
  return { organisationId: organisation.id, slug: organisation.slug, memberId: member.id, key, principal: await ctx.principalOf(key) };
}

/**
 * What a second transaction meets when it runs `lock` while a first one, having run it, is still open: the SQLSTATE of
 * its failure once a short lock_timeout is spent (55P03: it waited for the first), or null when it went through. For the
 * server only: embedded PGlite runs one transaction at a time, so nothing there ever waits.
 */
export async function secondLockerMeets(ctx: RegistryContext, lock: (manager: EntityManager) => Promise<unknown>): Promise<string | null> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const holding = new Promise<void>((resolve) => (locked = resolve));
  const first = ctx.db.transaction(async (manager) => {
    await lock(manager);
    locked();
    await held;
  });
  await Promise.race([holding, first]);
  try {
    await ctx.db.transaction(async (manager) => {
      await manager.query("SET LOCAL lock_timeout = '300ms'");
      await lock(manager);
    });
    return null;
  } catch (error) {
    return (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code ?? 'unknown';
  } finally {
    release();
    await first;
  }
}
