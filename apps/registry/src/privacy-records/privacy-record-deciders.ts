import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../kernel/auth/principal.js';
import type { PrivacyRecord } from './privacy-record.entity.js';
import { PrivacyRecordError, PrivacyRecordErrorCode } from './privacy-record-error.js';
import { deciderStanding, mayDecide } from './privacy-record-status.js';
import { MEMBER_DIRECTORY, type MemberDirectory } from '../members/index.js';

/**
 * Four eyes, which one admin alone cannot satisfy: the member approving is a different person from everyone who wrote
 * or submitted the record, held the privacy-approver role before it was submitted, was not given that role by any of
 * them, and acts with an API key none of them issued. Rejecting activates nothing, so any privacy approver who did not
 * write the record may reject it: a record whose approvers lack the standing to approve is never stuck as submitted.
 */
@Injectable()
export class PrivacyRecordDeciders {
  constructor(@Inject(MEMBER_DIRECTORY) private readonly members: MemberDirectory) {}

  /** Refuses a member who may not reject the record; returns since when they have held the role. */
  async requireRejecter(record: PrivacyRecord, principal: Principal, manager: EntityManager): Promise<Date | null> {
    this.requireNotAuthor(record, principal);
    return (await this.members.currentGrant(principal.memberId, 'privacy-approver', manager))?.grantedAt ?? null;
  }

  /** Refuses an approver who does not count; returns since when the one who does has held the role. */
  async requireApprover(record: PrivacyRecord, principal: Principal, manager: EntityManager): Promise<Date> {
    this.requireNotAuthor(record, principal);
    const grant = await this.members.currentGrant(principal.memberId, 'privacy-approver', manager);
    switch (deciderStanding(record, grant, principal.keyIssuedBy?.memberId ?? null)) {
      case 'role-too-recent':
        throw new PrivacyRecordError(
          PrivacyRecordErrorCode.DeciderRoleTooRecent,
          'You became a privacy approver after this record was submitted: a privacy approver who held the role before must decide on it.',
        );
      case 'role-from-author':
        throw new PrivacyRecordError(
          PrivacyRecordErrorCode.DeciderRoleFromAuthor,
          'Your privacy-approver role was granted by someone who opened, edited or submitted this record: another privacy approver must decide on it.',
        );
      case 'key-from-author':
        throw new PrivacyRecordError(
          PrivacyRecordErrorCode.DeciderKeyFromAuthor,
          'The API key you act with was issued by someone who opened, edited or submitted this record: decide with a key they did not issue.',
        );
      case 'counts':
        return grant!.grantedAt;
    }
  }

  private requireNotAuthor(record: PrivacyRecord, principal: Principal): void {
    if (!mayDecide(record, principal.memberId)) {
      throw new PrivacyRecordError(
        PrivacyRecordErrorCode.DeciderIsAuthor,
        'You opened, edited or submitted this privacy impact record: another privacy approver of the city must decide on it.',
      );
    }
  }
}
