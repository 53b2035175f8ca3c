import { PlazaError } from '../common/errors/plaza-error.js';

export enum MemberErrorCode {
  NotFound = 'member.not_found',
  EmailTaken = 'member.email_taken',
  LastAdmin = 'member.last_admin',
  SelfGrant = 'member.self_grant',
}

export class MemberError extends PlazaError<MemberErrorCode> {}
