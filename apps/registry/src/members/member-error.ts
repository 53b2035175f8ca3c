import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

export enum MemberErrorCode {
  NotFound = 'member.not_found',
  EmailTaken = 'member.email_taken',
  LastAdmin = 'member.last_admin',
  SelfGrant = 'member.self_grant',
}

export class MemberError extends PlazaError<MemberErrorCode> {}

/** Every MemberErrorCode with its HTTP status and stable title. */
export const MEMBER_PROBLEMS: ProblemTable<MemberErrorCode> = {
  [MemberErrorCode.NotFound]: { status: 404, title: 'No such member' },
  [MemberErrorCode.EmailTaken]: { status: 409, title: 'A member of this organisation already has this email' },
  [MemberErrorCode.LastAdmin]: { status: 409, title: 'The organisation would have no active admin' },
  [MemberErrorCode.SelfGrant]: { status: 403, title: 'Nobody grants a role to themselves' },
};
