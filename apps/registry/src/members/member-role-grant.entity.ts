import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Role } from '../kernel/auth/vocabulary.js';

/**
 * One grant of one role to one member: who gave it and when, and when it was withdrawn. The history the four-eyes
 * rule on privacy records reads (how long an approver has held the role, and from whom). A member holds a role
 * through exactly one grant not withdrawn. Each grant and withdrawal is made by a change to the member, in its
 * transaction: the member's journal entry (`member.created`, `member.updated`) names who made it, and its state the
 * roles it left.
 */
@Entity('member_role_grants')
export class MemberRoleGrant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId: string;

  @Column({ type: 'text' })
  role: Role;

  @Column({ name: 'granted_at', type: 'timestamptz' })
  grantedAt: Date;

  /** Null: the registry itself (the operator's first member), or a grant older than the history. */
  @Column({ name: 'granted_by_member_id', type: 'uuid', nullable: true })
  grantedByMemberId: string | null;

  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null;

  @Column({ name: 'withdrawn_by_member_id', type: 'uuid', nullable: true })
  withdrawnByMemberId: string | null;
}
