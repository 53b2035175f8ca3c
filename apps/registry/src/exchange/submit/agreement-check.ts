import type { EntityManager } from 'typeorm';
import { ExchangeErrorCode, type PointerError, type Refusal } from '../exchange-error.js';
import type { ExchangeAgreement, ExchangeAgreementVersion, ExchangeSource } from '../registry-read-model.js';
import { printable } from './read.js';
import type { StandardFinding } from './standard-check.js';
import type { SignedEvent } from './stateless-checks.js';
import type { AgreementLifecycle } from '../../agreements/index.js';
import type { PrivacyGate } from '../../privacy-records/index.js';

const refusal = (code: ExchangeErrorCode, detail: string, errors?: PointerError[]): Refusal => ({ code, check: 'agreement', detail, ...(errors ? { errors } : {}) });

/**
 * Check 4, the agreement, for the events of one group of requests, in its transaction, against the agreements locked
 * FOR SHARE there and their versions read after the locks: the owning city needs no agreement; anyone else must be the
 * source's operator, under a version in force now covering the source, the vendor and the type, with the event's
 * time inside the validity window of a fully signed version of that agreement. And the privacy rule: a source
 * collecting personal information must be covered by an approved record at receipt and at the event's time.
 * Answers about agreements and privacy records are kept for the group, so it costs queries per agreement, source and
 * instant, not per event.
 */
export class AgreementCheck {
  private readonly inForce = new Map<string, Promise<ExchangeAgreementVersion | null>>();
  private readonly covered = new Map<string, Promise<boolean>>();

  constructor(
    private readonly locked: { agreements: readonly ExchangeAgreement[]; versions: readonly ExchangeAgreementVersion[] },
    private readonly now: Date,
    private readonly lifecycle: AgreementLifecycle,
    private readonly privacy: PrivacyGate,
    private readonly manager: EntityManager,
  ) {}

  /** The versions in force now under which `organisationId` sends this event (none needed, for the owner), or why it may not. */
  async judge(event: SignedEvent, source: ExchangeSource, standard: StandardFinding, organisationId: string): Promise<ExchangeAgreementVersion[] | Refusal> {
    let inForceNow: ExchangeAgreementVersion[] = [];
    if (source.ownerId !== organisationId) {
      const agreed = await this.agreementsFor(event, source, standard, organisationId);
      if (!Array.isArray(agreed)) return agreed;
      inForceNow = agreed;
    }
    if (source.personalInformation && !((await this.privacyCovers(source, this.now)) && (await this.privacyCovers(source, event.time)))) {
      return refusal(ExchangeErrorCode.PrivacyRecordRequired, 'the source collects personal information: an approved, unexpired privacy impact record must cover it at receipt and at the event time');
    }
    return inForceNow;
  }

  private async agreementsFor(event: SignedEvent, source: ExchangeSource, finding: StandardFinding, organisationId: string): Promise<ExchangeAgreementVersion[] | Refusal> {
    if (source.operatorId !== organisationId) return refusal(ExchangeErrorCode.NotSourceOperator, "only the source's owning city or its operator may send its events");
    const { agreements, versions } = this.locked;
    const ours = (v: ExchangeAgreementVersion | null): v is ExchangeAgreementVersion => v !== null && v.sourceIds.includes(source.id) && v.vendorIds.includes(organisationId);
    // An unknown type is not judged here: check 5 names it.
    const { standard } = finding;
    const major = 'version' in finding ? finding.version.major : undefined;
    const coversType = (v: ExchangeAgreementVersion) => !standard || v.eventTypes.some((t) => t.standard === standard.id && (major === undefined || t.major === major));
    const covering = agreements.filter((a) => versions.some((v) => v.agreementId === a.id && v.sourceIds.includes(source.id)));
    // One agreement after another: each may ask the privacy rule on the group's connection, which runs one statement at a time.
    const now: ExchangeAgreementVersion[] = [];
    for (const agreement of covering) {
      const version = await this.versionInForceNow(agreement);
      if (ours(version)) now.push(version);
    }
    if (now.length === 0) return refusal(ExchangeErrorCode.NoActiveAgreement, 'no agreement in force covers this source for your organisation');
    const typed = now.filter(coversType);
    if (typed.length === 0) return refusal(ExchangeErrorCode.TypeNotCoveredByAgreement, `the agreement in force does not cover the type "${printable(event.type)}"`, [{ pointer: '/type', detail: 'not covered' }]);
    // The event's time inside the validity window of a version of the same agreement that every party signed.
    const windowHolds = (agreementId: string) =>
      versions.some((v) => v.agreementId === agreementId && v.signaturesCompletedAt !== null && v.validFrom <= event.time && event.time < v.validUntil && ours(v) && coversType(v));
    const inTime = typed.filter((v) => windowHolds(v.agreementId));
    if (inTime.length === 0) {
      return refusal(ExchangeErrorCode.TimeOutsideAgreement, `the event's time ${event.timeText} is outside the validity window of the agreement covering this source and type`, [
        { pointer: '/time', detail: 'outside the agreement' },
      ]);
    }
    return inTime;
  }

  private versionInForceNow(agreement: ExchangeAgreement): Promise<ExchangeAgreementVersion | null> {
    let answer = this.inForce.get(agreement.id);
    if (!answer) {
      const versions = this.locked.versions.filter((v) => v.agreementId === agreement.id);
      answer = this.lifecycle.inForceAmong(agreement, versions, this.now, this.manager);
      this.inForce.set(agreement.id, answer);
    }
    return answer;
  }

  private privacyCovers(source: ExchangeSource, at: Date): Promise<boolean> {
    const key = `${source.id} ${at.getTime()}`;
    let answer = this.covered.get(key);
    if (!answer) {
      answer = this.privacy.sourceCovered(source.id, at, this.manager);
      this.covered.set(key, answer);
    }
    return answer;
  }
}
