import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ExchangeErrorCode, type Refusal } from '../exchange-error.js';
import { type ExchangeAgreementVersion, type ExchangeSource, type ExchangeVersion, RegistryReadModel } from '../registry-read-model.js';
import { AgreementCheck } from './agreement-check.js';
import { fieldsOutside } from './allowed-fields.js';
import type { Outcomes } from './outcomes.js';
import { printable } from './read.js';
import { StandardCheck, type StandardFinding } from './standard-check.js';
import { keyRefusal, type PreparedEvent, type SignedEvent } from './stateless-checks.js';
import { AgreementLifecycle } from '../../agreements/index.js';
import { PrivacyGate } from '../../privacy-records/index.js';

// Phase 3, in the request's one transaction: the keys, sources and agreements the events rely on are locked FOR
// SHARE, then each event goes through its key again and checks 3 to 6, in order.

/** An event that passed checks 1 to 6: what check 7 and the insert need. */
export interface Passed {
  event: SignedEvent;
  source: ExchangeSource;
  standardVersionId: string;
}

@Injectable()
export class RegistryChecks {
  constructor(
    @Inject(RegistryReadModel) private readonly registry: RegistryReadModel,
    @Inject(StandardCheck) private readonly standard: StandardCheck,
    @Inject(AgreementLifecycle) private readonly lifecycle: AgreementLifecycle,
    @Inject(PrivacyGate) private readonly privacy: PrivacyGate,
  ) {}

  /** Judges the events under lock, refusing into `outcomes`; returns those that passed and the instant they were judged at. */
  async run(organisationId: string, prepared: PreparedEvent[], outcomes: Outcomes, manager: EntityManager): Promise<{ passed: Passed[]; now: Date }> {
    const events = prepared.map((p) => p.event);
    const locked = await this.registry.lockRegistry([...new Set(events.map((e) => e.keyid))], [...new Set(events.map((e) => e.source))], organisationId, manager);
    const keys = new Map(locked.keys.map((key) => [key.kid, key]));
    const sources = new Map(locked.sources.map((s) => [s.ceSource, s]));
    // A statement after the locks: it sees every suspension or termination that committed before them.
    const versions = await this.registry.agreementVersions(locked.agreements.map((a) => a.id), manager);
    // Read after the locks: a revocation, suspension or termination that committed before them is in the past of `now`.
    const now = new Date();
    const agreements = new AgreementCheck({ agreements: locked.agreements, versions }, organisationId, now, this.lifecycle, this.privacy, manager);

    const passed: Passed[] = [];
    for (const { event, standard } of prepared) {
      // 2. the key, again: still active now that it is locked
      const keyProblem = keyRefusal(keys.get(event.keyid)!, now);
      if (keyProblem) {
        outcomes.refuse(event, keyProblem, { at: now, keyid: event.keyid, source: sources.get(event.source) });
        continue;
      }
      const verdict = await this.judge(event, standard, sources.get(event.source), agreements, organisationId);
      if ('code' in verdict) {
        const { source, ...refusal } = verdict;
        outcomes.refuse(event, refusal, { at: now, keyid: event.keyid, source });
      } else passed.push({ event, source: verdict.source, standardVersionId: verdict.version.id });
    }
    return { passed, now };
  }

  /** Checks 3 to 6 for one event; a refusal carries the source it names, if registered (its conformance record counts it). */
  private async judge(
    event: SignedEvent, standard: StandardFinding, source: ExchangeSource | undefined, agreements: AgreementCheck, organisationId: string,
  ): Promise<{ source: ExchangeSource; version: ExchangeVersion } | (Refusal & { source?: ExchangeSource })> {
    // 3. source
    if (!source) {
      return { code: ExchangeErrorCode.SourceUnknown, check: 'source', detail: `no registered source has the CloudEvents source "${printable(event.source)}"`, errors: [{ pointer: '/source', detail: 'unknown source' }] };
    }
    if (source.status !== 'active') return { source, code: ExchangeErrorCode.SourceInactive, check: 'source', detail: `the source is ${source.status}, not active` };

    // 4. agreement (see agreement-check.ts)
    const inForceNow = await agreements.judge(event, source, standard);
    if (!Array.isArray(inForceNow)) return { source, ...inForceNow };

    // 5. standard (see standard-check.ts)
    const followed = this.standard.judge(standard, source);
    if ('code' in followed) return { source, ...followed };

    // 6. terms
    const outside = source.ownerId === organisationId ? null : termsRefusal(followed.data, inForceNow, organisationId, followed.version);
    if (outside) return { source, ...outside };
    return { source, version: followed.version };
  }
}

/**
 * Check 6, the agreement's terms: the data holds only fields that a version in force allows this vendor for this
 * standard and major (see allowed-fields.ts). The owning city is bound by no agreement.
 */
function termsRefusal(data: unknown, inForceNow: readonly ExchangeAgreementVersion[], organisationId: string, version: ExchangeVersion): Refusal | null {
  let outside: ReturnType<typeof fieldsOutside> = [];
  for (const agreed of inForceNow) {
    const allowed = agreed.allowedFields.filter((f) => f.partyId === organisationId && f.standard === version.standardId && f.major === version.major).flatMap((f) => f.fields);
    outside = fieldsOutside(data, allowed);
    if (outside.length === 0) break;
  }
  if (outside.length === 0) return null;
  return {
    code: ExchangeErrorCode.FieldNotAllowed, check: 'terms', detail: `the agreement does not allow ${outside.length === 1 ? 'this field' : 'these fields'}`,
    errors: outside.map((e) => ({ pointer: `/data${e.pointer}`, detail: e.detail })),
  };
}
