import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type Transaction, UnitOfWork } from '../platform/journal/unit-of-work.js';
import type { Agreement, AgreementStatus, AgreementVersion } from './agreement.entity.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';
import { AgreementPrivacy } from './agreement-privacy.js';
import { recordVersion } from './agreement-record.js';
import { AgreementRepository } from './agreement.repository.js';
import { AGREEMENT_TRANSITIONS, activationInstant, canTransition, IN_FORCE_STATUSES, isDueToActivate, recordedStatusAt, statusAt } from './agreement-status.js';
import { SYSTEM_ACTOR } from '../kernel/auth/actor.js';

/** What deciding whether a version is in force reads of it: its number, dates and recorded history, and what the privacy rule needs. */
type JudgedVersion = Pick<AgreementVersion, 'number' | 'history' | 'validFrom' | 'validUntil' | 'signaturesCompletedAt' | 'sourceIds' | 'privacyRecordIds'>;

const ACTIONS: Record<AgreementStatus, string> = {
  draft: 'agreement.drafted',
  'pending-signatures': 'agreement.signatures-opened',
  active: 'agreement.activated',
  suspended: 'agreement.suspended',
  terminated: 'agreement.terminated',
  expired: 'agreement.expired',
  superseded: 'agreement.superseded',
};

/**
 * Every status change of a version goes through here: checked against the lifecycle table (out of order
 * is a 409), timestamped, added to the version's history and journaled. It also applies what the dates
 * imply (activation at validFrom once every party has signed, expiry at validUntil), for the scheduler and
 * before any action, and answers which version is in force at an instant from the dates themselves.
 */
@Injectable()
export class AgreementLifecycle {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(AgreementRepository) private readonly agreements: AgreementRepository,
    @Inject(AgreementPrivacy) private readonly privacy: AgreementPrivacy,
  ) {}

  async transition(tx: Transaction, version: AgreementVersion, cityId: string, to: AgreementStatus, at: Date, reason: string | null = null, action = ACTIONS[to]): Promise<void> {
    if (!canTransition(version.status, to)) {
      const allowed = AGREEMENT_TRANSITIONS[version.status];
      throw new AgreementError(
        AgreementErrorCode.WrongStatus,
        `Version ${version.number} is ${version.status}; it cannot become ${to}${allowed.length ? ` (it can become ${allowed.join(' or ')})` : ` (${version.status} is final)`}.`,
      );
    }
    const last = version.history[version.history.length - 1];
    const when = last && Date.parse(last.at) > at.getTime() ? new Date(last.at) : at;
    Object.assign(version, { status: to, statusReason: reason, statusChangedAt: when, history: [...version.history, { status: to, at: when.toISOString(), reason }] });
    await this.agreements.saveVersion(version, tx.manager);
    recordVersion(tx, action, version, cityId);
  }

  /**
   * Activates a fully signed version whose start has come, if the privacy rule allows it at `now`, and
   * supersedes the version it replaces. False when it cannot become active (yet).
   */
  async activateIfDue(tx: Transaction, agreement: Agreement, versions: AgreementVersion[], version: AgreementVersion, now: Date): Promise<boolean> {
    if (version.status !== 'pending-signatures' || !isDueToActivate(version, now)) return false;
    if (!(await this.privacy.allows(version, agreement.cityId, now, tx.manager))) return false;
    const at = activationInstant(version);
    for (const earlier of versions) {
      if (earlier.number < version.number && IN_FORCE_STATUSES.includes(earlier.status)) {
        await this.transition(tx, earlier, agreement.cityId, 'superseded', at, `Replaced by version ${version.number}.`);
      }
    }
    await this.transition(tx, version, agreement.cityId, 'active', at);
    return true;
  }

  /** Records what the dates imply at `now` for one agreement's versions (oldest first): expiries, then activations. */
  async settleVersions(tx: Transaction, agreement: Agreement, versions: AgreementVersion[], now: Date): Promise<void> {
    for (const version of versions) {
      if (['pending-signatures', 'active', 'suspended'].includes(version.status) && version.validUntil <= now) {
        await this.transition(tx, version, agreement.cityId, 'expired', version.validUntil, 'The end of its validity window has come.');
      }
    }
    for (const version of versions) await this.activateIfDue(tx, agreement, versions, version, now);
  }

  /** Applies what the dates imply to one agreement now, in its own unit of work as the registry itself; a no-op when nothing is due. */
  async settle(agreementId: string, now: Date): Promise<void> {
    await this.uow.runOnce(SYSTEM_ACTOR, `plaza.agreement:${agreementId}`, async (tx) => {
      const agreement = await this.agreements.lockAgreement(agreementId, tx.manager);
      if (agreement) await this.settleVersions(tx, agreement, await this.agreements.versions(agreementId, tx.manager), now);
    });
  }

  /** The scheduler's job: every agreement with a version due for activation or expiry at `now`. */
  async settleDue(tx: Transaction, now: Date): Promise<void> {
    const due = await this.agreements.dueVersions(now, tx.manager);
    for (const agreementId of new Set(due.map((v) => v.agreementId))) {
      const agreement = await this.agreements.lockAgreement(agreementId, tx.manager);
      if (agreement) await this.settleVersions(tx, agreement, await this.agreements.versions(agreementId, tx.manager), now);
    }
  }

  /**
   * The version of an agreement in force at `at`, from its dates and recorded actions (never trusting the
   * scheduler to have run): the newest version the dates make active then, if the privacy rule holds for it.
   * An amendment takes over from the version it replaces from its own activation on.
   */
  async inForceAt(agreementId: string, at: Date, manager: EntityManager = this.db.manager): Promise<AgreementVersion | null> {
    const agreement = await this.agreements.findAgreement(agreementId, manager);
    if (!agreement) return null;
    const versions = await this.agreements.versions(agreementId, manager);
    return this.inForceAmong(agreement, versions, at, manager);
  }

  /**
   * The version of one agreement in force at `at`, among its versions. Typed with only what it reads, so the exchange
   * can ask with the rows of its own read model; it answers with one of the versions it was given.
   */
  async inForceAmong<V extends JudgedVersion>(agreement: Pick<Agreement, 'cityId'>, versions: readonly V[], at: Date, manager: EntityManager = this.db.manager): Promise<V | null> {
    for (const version of [...versions].sort((a, b) => b.number - a.number)) {
      if (statusAt(version, at) !== 'active') continue;
      // Recorded as active then: the privacy rule was checked when it was. Only implied by the dates: check it now, for `at`.
      if (recordedStatusAt(version.history, at) === 'active' || (await this.privacy.allows(version, agreement.cityId, at, manager))) return version;
    }
    return null;
  }

  /**
   * The versions in force at `at` that cover this source (one per agreement): what the exchange asks. The covering
   * agreements and their versions are read in one query each, however many there are.
   */
  async inForceForSource(sourceId: string, at: Date, manager: EntityManager = this.db.manager): Promise<AgreementVersion[]> {
    const found: AgreementVersion[] = [];
    for (const { agreement, versions } of await this.agreements.withVersions(await this.agreements.agreementIdsCovering(sourceId, manager), manager)) {
      const version = await this.inForceAmong(agreement, versions, at, manager);
      if (version?.sourceIds.includes(sourceId)) found.push(version);
    }
    return found;
  }
}
