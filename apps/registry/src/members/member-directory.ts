import type { MemberRepository } from './member.repository.js';

/** What other features may read of members: one of an organisation's members, a member's current grant of a role, an organisation's first member. Provided under MEMBER_DIRECTORY by the feature's module; the repository behind it stays inside the feature. */
export type MemberDirectory = Pick<MemberRepository, 'findInOrganisation' | 'currentGrant' | 'firstOf'>;

export const MEMBER_DIRECTORY = Symbol('MEMBER_DIRECTORY');
