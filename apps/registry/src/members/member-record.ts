import { Action } from '../kernel/auth/permissions.js';
import { type JournaledKind, readableWith } from '../platform/journal/journaled-kind.js';
import type { Transaction } from '../platform/journal/unit-of-work.js';
import type { Member } from './member.entity.js';
import { MemberRepository } from './member.repository.js';

// Names and emails are personal information: the journal digests only the member's roles and status.
function memberState(member: Member) {
  return { id: member.id, organisationId: member.organisationId, roles: [...member.roles].sort(), active: member.active };
}

export function recordMember(tx: Transaction, action: string, member: Member): void {
  tx.record({ action, kind: memberKind, subjectId: member.id, organisationId: member.organisationId, state: memberState(member), isPublic: false, record: member });
}

export const memberKind: JournaledKind = {
  subjectType: 'member',
  async disclose(manager, index) {
    const member = await MemberRepository.atJournalIndex(manager, index);
    return member && { state: memberState(member), visibleTo: readableWith(member.organisationId, Action.MemberRead) };
  },
};
