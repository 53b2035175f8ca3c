import type { EntityManager } from 'typeorm';
import type { ValidationResult } from '#plaza/standards';
import { fieldsOutside } from './allowed-fields.js';
import { ExchangeErrorCode, type PointerError, type Refusal } from './exchange-error.js';
import type { ExchangeSource, ExchangeStandard, ExchangeVersion } from './exchange.repository.js';
import { printable, readData } from './received-event.js';
import type { SignedEvent } from './signature-check.js';
import { type AgreementLifecycle, type Agreement, type AgreementVersion } from '../agreements/index.js';
import { type PrivacyGate } from '../privacy-records/index.js';

/** What the event's `type` and `dataschema` name (check 5's first half), resolved before the transaction. */
export type Resolution = { standard: ExchangeStandard; version: ExchangeVersion } | (Refusal & { standard?: ExchangeStandard });

/** Check 5's second half, also before the transaction: the data, read strictly and validated against the schema. */
export type DataVerdict = { value: unknown } | Refusal;

const refusal = (code: ExchangeErrorCode, check: Refusal['check'], detail: string, errors?: PointerError[]): Refusal => ({ code, check, detail, ...(errors ? { errors } : {}) });
const dataPointer = (pointer: string) => `/data${pointer}`;

/** Resolves the standard of an event's type and the published version its dataschema names. */
export function resolveStandard(event: SignedEvent, standards: ReadonlyMap<string, ExchangeStandard>, versions: ReadonlyMap<string, ExchangeVersion>): Resolution {
  const standard = standards.get(event.type);
  if (!standard) return refusal(ExchangeErrorCode.TypeUnknown, 'standard', `no standard has the CloudEvents type "${printable(event.type)}"`, [{ pointer: '/type', detail: 'unknown type' }]);
  const dataschema = event.attributes.dataschema;
  if (typeof dataschema !== 'string' || dataschema === '') {
    return { standard, ...refusal(ExchangeErrorCode.DataschemaMissing, 'standard', `the event must name the version of ${standard.id} it follows as its dataschema`, [{ pointer: '/dataschema', detail: 'missing' }]) };
  }
  const version = versions.get(dataschema);
  if (!version || version.standardId !== standard.id || version.status === 'retired') {
    return {
      standard,
      ...refusal(ExchangeErrorCode.DataschemaUnpublished, 'standard', `"${printable(dataschema)}" is not a published (nor deprecated) version of ${standard.id}`, [
        { pointer: '/dataschema', detail: 'not a published version of the standard of this type' },
      ]),
    };
  }
  return { standard, version };
}

/** Validates data against a published version's schema (StandardsCatalogue.validate, which compiles each schema once). */
export type Validate = (version: ExchangeVersion, data: unknown) => ValidationResult;

/** Reads the data strictly and validates it against the version's schema. */
export function judgeData(event: SignedEvent, resolution: Resolution, validate: Validate): DataVerdict | null {
  if (!('version' in resolution)) return null;
  const data = readData(event);
  if (!('value' in data)) return { ...data, ...(data.errors ? { errors: data.errors.map((e) => ({ ...e, pointer: dataPointer(e.pointer) })) } : {}) };
  const validation = validate(resolution.version, data.value);
  if (!validation.valid) {
    return refusal(
      ExchangeErrorCode.DataInvalid, 'standard', `the data is not valid against ${resolution.version.schemaUri}`,
      validation.errors.map((e) => ({ pointer: dataPointer(e.pointer), detail: e.message })),
    );
  }
  return data;
}

/** The rows a request's events are checked against, read (and locked) in its transaction. */
export interface LockedRegistry {
  sources: ReadonlyMap<string, ExchangeSource>;
  agreements: readonly Agreement[];
  versions: readonly AgreementVersion[];
}

export interface Passed {
  source: ExchangeSource;
  version: ExchangeVersion;
}

/**
 * Checks 3 to 6 for the events of one request, inside its transaction, against rows locked FOR SHARE there:
 * the source, the agreement in force (now, and at the event's time), the privacy rule, the standard the source
 * declares, and the agreement's allowed fields. Answers about agreements and privacy records are kept for the
 * request, so a batch costs queries per source and instant, not per event.
 */
export class RegistryChecks {
  private readonly inForce = new Map<string, Promise<AgreementVersion | null>>();
  private readonly covered = new Map<string, Promise<boolean>>();

  constructor(
    private readonly registry: LockedRegistry,
    private readonly organisationId: string,
    private readonly now: Date,
    private readonly lifecycle: AgreementLifecycle,
    private readonly privacy: PrivacyGate,
    private readonly manager: EntityManager,
  ) {}

  async judge(event: SignedEvent, resolution: Resolution, data: DataVerdict | null): Promise<Passed | (Refusal & { source?: ExchangeSource })> {
    // 3. source
    const source = this.registry.sources.get(event.source);
    if (!source) return refusal(ExchangeErrorCode.SourceUnknown, 'source', `no registered source has the CloudEvents source "${printable(event.source)}"`, [{ pointer: '/source', detail: 'unknown source' }]);
    if (source.status !== 'active') return { source, ...refusal(ExchangeErrorCode.SourceInactive, 'source', `the source is ${source.status}, not active`) };

    // 4. agreement (the owning city needs none), and the privacy rule for personal information
    const owner = source.ownerId === this.organisationId;
    let inForceNow: AgreementVersion[] = [];
    if (!owner) {
      const agreed = await this.agreementsFor(event, source, resolution);
      if (!Array.isArray(agreed)) return { source, ...agreed };
      inForceNow = agreed;
    }
    if (source.personalInformation && !((await this.privacyCovers(source, this.now)) && (await this.privacyCovers(source, event.time)))) {
      return {
        source,
        ...refusal(ExchangeErrorCode.PrivacyRecordRequired, 'agreement', 'the source collects personal information: an approved, unexpired privacy impact record must cover it at receipt and at the event time'),
      };
    }

    // 5. standard
    if (!('version' in resolution)) return { source, ...resolution };
    const { standard, version } = resolution;
    if (!source.standards.some((s) => s.standard === standard.id && s.major === version.major)) {
      return { source, ...refusal(ExchangeErrorCode.TypeNotDeclaredBySource, 'standard', `the source does not declare ${standard.id} ${version.major}.x`, [{ pointer: '/dataschema', detail: 'not declared by the source' }]) };
    }
    if (!data || !('value' in data)) return { source, ...(data as Refusal) };

    // 6. terms: only the fields the agreement allows this vendor for this event type
    if (!owner) {
      let outside: PointerError[] = [];
      for (const agreed of inForceNow) {
        const allowed = agreed.allowedFields.filter((f) => f.partyId === this.organisationId && f.standard === standard.id && f.major === version.major).flatMap((f) => f.fields);
        outside = fieldsOutside(data.value, allowed);
        if (outside.length === 0) break;
      }
      if (outside.length > 0) {
        return {
          source,
          ...refusal(ExchangeErrorCode.FieldNotAllowed, 'terms', `the agreement does not allow ${outside.length === 1 ? 'this field' : 'these fields'}`,
            outside.map((e) => ({ pointer: `/data${e.pointer}`, detail: e.detail }))),
        };
      }
    }
    return { source, version };
  }

  /**
   * The versions in force now under which this vendor may send this event: the source's operator, a version in
   * force at receipt covering the source, the vendor and the type, and the event's time inside the validity window
   * of a fully signed version of that agreement.
   */
  private async agreementsFor(event: SignedEvent, source: ExchangeSource, resolution: Resolution): Promise<AgreementVersion[] | Refusal> {
    if (source.operatorId !== this.organisationId) {
      return refusal(ExchangeErrorCode.NotSourceOperator, 'agreement', "only the source's owning city or its operator may send its events");
    }
    const ours = (v: AgreementVersion | null): v is AgreementVersion => v !== null && v.sourceIds.includes(source.id) && v.vendorIds.includes(this.organisationId);
    // An unknown type is not judged here: check 5 names it.
    const coversType = (v: AgreementVersion) =>
      !resolution.standard || v.eventTypes.some((t) => t.standard === resolution.standard!.id && (!('version' in resolution) || t.major === resolution.version.major));
    const covering = this.registry.agreements.filter((a) => this.registry.versions.some((v) => v.agreementId === a.id && v.sourceIds.includes(source.id)));
    const now = (await Promise.all(covering.map((a) => this.versionInForceNow(a)))).filter(ours);
    if (now.length === 0) return refusal(ExchangeErrorCode.NoActiveAgreement, 'agreement', 'no agreement in force covers this source for your organisation');
    const typed = now.filter(coversType);
    if (typed.length === 0) return refusal(ExchangeErrorCode.TypeNotCoveredByAgreement, 'agreement', `the agreement in force does not cover the type "${printable(event.type)}"`, [{ pointer: '/type', detail: 'not covered' }]);
    // The event's time inside the validity window of a version of the same agreement that every party signed.
    const windowHolds = (agreementId: string) =>
      this.registry.versions.some((v) => v.agreementId === agreementId && v.signaturesCompletedAt !== null && v.validFrom <= event.time && event.time < v.validUntil && ours(v) && coversType(v));
    const inTime = typed.filter((v) => windowHolds(v.agreementId));
    if (inTime.length === 0) {
      return refusal(ExchangeErrorCode.TimeOutsideAgreement, 'agreement', `the event's time ${event.timeText} is outside the validity window of the agreement covering this source and type`, [
        { pointer: '/time', detail: 'outside the agreement' },
      ]);
    }
    return inTime;
  }

  private versionInForceNow(agreement: Agreement): Promise<AgreementVersion | null> {
    let answer = this.inForce.get(agreement.id);
    if (!answer) {
      const versions = this.registry.versions.filter((v) => v.agreementId === agreement.id);
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
