import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ExchangeErrorCode, type Refusal } from '../exchange-error.js';
import { type ExchangeAgreementVersion, type ExchangeKey, type ExchangeSource, type ExchangeVersion, RegistryReadModel } from '../registry-read-model.js';
import { AgreementCheck } from './agreement-check.js';
import { fieldsOutside } from './allowed-fields.js';
import type { Outcomes } from './outcomes.js';
import { printable } from './read.js';
import { StandardCheck, type StandardFinding } from './standard-check.js';
import { keyRefusal, type PreparedEvent, type SignedEvent } from './stateless-checks.js';
import { AgreementLifecycle } from '../../agreements/index.js';
import { PrivacyGate } from '../../privacy-records/index.js';

// Phase 3, in the group's one transaction: the keys, sources and agreements the group's events rely on are locked
// FOR SHARE once, then each request's events go through their key again and checks 3 to 6, in order.

/** An event that passed checks 1 to 6: what check 7 and the insert need. */
export interface Passed {
  event: SignedEvent;
  source: ExchangeSource;
  standardVersionId: string;
}

/** What one request of a group brings to phase 3: who sends, and the events phase 2 prepared. */
export interface Sending {
  organisationId: string;
  prepared: PreparedEvent[];
}

/** The registry as the group's transaction locked it, and the instant its events are judged at. */
export interface LockedRegistry {
  keys: ReadonlyMap<string, ExchangeKey>;
  sources: ReadonlyMap<string, ExchangeSource>;
  agreements: AgreementCheck;
  now: Date;
}

@Injectable()
export class RegistryChecks {
  constructor(
    @Inject(RegistryReadModel) private readonly registry: RegistryReadModel,
    @Inject(StandardCheck) private readonly standard: StandardCheck,
    @Inject(AgreementLifecycle) private readonly lifecycle: AgreementLifecycle,
    @Inject(PrivacyGate) private readonly privacy: PrivacyGate,
  ) {}

  /** Locks what the group's events rely on, in two statements however many requests and events it holds. */
  async lock(group: readonly Sending[], manager: EntityManager): Promise<LockedRegistry> {
    const kids = new Set<string>();
    const senders = new Map<string, { ceSource: string; organisationId: string }>();
    for (const { organisationId, prepared } of group) {
      for (const { event } of prepared) {
        kids.add(event.keyid);
        senders.set(JSON.stringify([event.source, organisationId]), { ceSource: event.source, organisationId });
      }
    }
    const empty = { agreements: [], keys: [], sources: [] };
    const locked = senders.size === 0 ? empty : await this.registry.lockRegistry([...kids], [...new Set([...senders.values()].map((s) => s.ceSource))], [...senders.values()], manager);
    // A statement after the locks: it sees every suspension or termination that committed before them.
    const versions = await this.registry.agreementVersions(locked.agreements.map((a) => a.id), manager);
    // Read after the locks: a revocation, suspension or termination that committed before them is in the past of `now`.
    const now = new Date();
    return {
      keys: new Map(locked.keys.map((key) => [key.kid, key])),
      sources: new Map(locked.sources.map((s) => [s.ceSource, s])),
      agreements: new AgreementCheck({ agreements: locked.agreements, versions }, now, this.lifecycle, this.privacy, manager),
      now,
    };
  }

  /** Judges one request's events against the locked registry, refusing into `outcomes`; returns those that passed. */
  async judge({ organisationId, prepared }: Sending, locked: LockedRegistry, outcomes: Outcomes): Promise<Passed[]> {
    const { keys, sources, now } = locked;
    const passed: Passed[] = [];
    for (const { event, standard } of prepared) {
      // 2. the key, again: still active now that it is locked
      const keyProblem = keyRefusal(keys.get(event.keyid)!, now);
      if (keyProblem) {
        outcomes.refuse(event, keyProblem, { at: now, keyid: event.keyid, source: sources.get(event.source) });
        continue;
      }
      const verdict = await this.judgeEvent(event, standard, sources.get(event.source), locked.agreements, organisationId);
      if ('code' in verdict) {
        const { source, ...refusal } = verdict;
        outcomes.refuse(event, refusal, { at: now, keyid: event.keyid, source });
      } else passed.push({ event, source: verdict.source, standardVersionId: verdict.version.id });
    }
    return passed;
  }

  /** Checks 3 to 6 for one event; a refusal carries the source it names, if registered (its conformance record counts it). */
  private async judgeEvent(
    event: SignedEvent, standard: StandardFinding, source: ExchangeSource | undefined, agreements: AgreementCheck, organisationId: string,
  ): Promise<{ source: ExchangeSource; version: ExchangeVersion } | (Refusal & { source?: ExchangeSource })> {
    // 3. source
    if (!source) {
      return { code: ExchangeErrorCode.SourceUnknown, check: 'source', detail: `no registered source has the CloudEvents source "${printable(event.source)}"`, errors: [{ pointer: '/source', detail: 'unknown source' }] };
    }
    if (source.status !== 'active') return { source, code: ExchangeErrorCode.SourceInactive, check: 'source', detail: `the source is ${source.status}, not active` };

    // 4. agreement (see agreement-check.ts)
    const inForceNow = await agreements.judge(event, source, standard, organisationId);
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
