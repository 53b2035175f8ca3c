import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ExchangeErrorCode } from '../exchange-error.js';
import type { Outcomes } from './outcomes.js';
import type { Passed } from './registry-checks.js';
import { type NewEvent, type StoredIdentity, type Submitter, SubmissionRepository, type SubmittedRejection } from './submission.repository.js';

// Phase 4, in the group's transaction: check 7 (once) and the writes. The events of every request of the group that
// passed are inserted in one set-based statement with the group's rejections and conformance counts; what the
// insert reveals (a conflict with an event accepted earlier) is written after it.

/**
 * An event's identity was neither claimed by the insert nor found after it: retention deleted it in between. The
 * group's transaction is run again (its answers would otherwise say `valid` for an event nothing stored).
 */
export class IdentityVanishedError extends Error {
  constructor() {
    super('an identity disappeared between the insert and the read that followed it; the group is run again');
  }
}

/** One request of a group as phase 4 sees it: who sent it, what passed checks 1 to 6, its outcomes, and whether it is a dry run. */
export interface Storing {
  who: Submitter;
  passed: Passed[];
  outcomes: Outcomes;
  dryRun: boolean;
}

// Check 1 refuses a NUL in `source` and `id`, so the pair joined by one is unambiguous.
const identityKey = (source: string, id: string) => `${source}\u0000${id}`;
const sameDigests = (a: { coreDigest: Buffer; extDigest: Buffer | null }, b: { coreDigest: Buffer; extDigest: Buffer | null }) =>
  a.coreDigest.equals(b.coreDigest) && (a.extDigest === null ? b.extDigest === null : b.extDigest !== null && a.extDigest.equals(b.extDigest));
const compare = (a: { source: string; id: string }, b: { source: string; id: string }) => (a.source === b.source ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.source < b.source ? -1 : 1);

// Spelled out rather than spread: this runs for every event stored.
const rowOf = ({ event, source, standardVersionId }: Passed, { who, outcomes }: Storing, receivedAt: Date): NewEvent => ({
  organisationId: who.organisationId, apiKeyId: who.apiKeyId, mode: outcomes.mode, receivedAt, sourceId: source.id, source: event.source, id: event.id,
  type: event.type, timeText: event.timeText, time: event.time, keyid: event.keyid, standardVersionId, coreDigest: event.coreDigest,
  extDigest: event.extDigest, dssematerial: event.dssematerial, received: event.received, headers: event.headers ?? null,
});

/** The rejections a request's outcomes hold and nobody has written yet, attributed to its submitter (set on the rows taken, not copied: this runs per row). */
const rejectionsOf = (writing: readonly Storing[]): SubmittedRejection[] =>
  writing.flatMap(({ who, outcomes }) => outcomes.takeRejections().map((r): SubmittedRejection => Object.assign(r, who)));

@Injectable()
export class OnceAndStore {
  constructor(@Inject(SubmissionRepository) private readonly repository: SubmissionRepository) {}

  /**
   * Check 7, once, for a group: (source, id) is new, or the same content again (an idempotent duplicate), or a
   * conflict, judged as if the group's requests that store ran one after another in their order (a dry run is judged
   * against what the group stores, whatever its place in the group). Stores the group's first
   * occurrence of each new pair (in key order, so that concurrent groups lock in one order), every rejection and
   * every conformance count of the requests that are not dry runs; then settles each event's outcome.
   */
  async run(group: readonly Storing[], now: Date, manager: EntityManager): Promise<void> {
    const writing = group.filter((r) => !r.dryRun);
    const firsts = new Map<string, { passed: Passed; request: Storing }>();
    for (const request of writing) {
      for (const passed of request.passed) {
        const key = identityKey(passed.event.source, passed.event.id);
        if (!firsts.has(key)) firsts.set(key, { passed, request });
      }
    }
    const stored = new Map<string, { identity: StoredIdentity; fresh: boolean }>();
    // Every event inserted now is accepted now: the statement counts them itself.
    const rows = [...firsts.values()].sort((a, b) => compare(a.passed.event, b.passed.event)).map(({ passed, request }) => rowOf(passed, request, now));
    const rejections = rejectionsOf(writing);
    const counts = writing.flatMap((r) => r.outcomes.takeCounts());
    if (rows.length + rejections.length + counts.length > 0) {
      for (const identity of await this.repository.store(rows, rejections, counts, now, manager)) stored.set(identityKey(identity.source, identity.id), { identity, fresh: true });
    }
    const missing = new Map<string, { source: string; id: string }>();
    for (const { passed } of group) {
      for (const { event } of passed) {
        const key = identityKey(event.source, event.id);
        if (!stored.has(key)) missing.set(key, { source: event.source, id: event.id });
      }
    }
    for (const identity of await this.repository.identities([...missing.values()], manager)) stored.set(identityKey(identity.source, identity.id), { identity, fresh: false });
    if ([...firsts.keys()].some((key) => !stored.has(key))) throw new IdentityVanishedError();

    for (const request of group) this.settle(request, firsts, stored, now);

    // Conflicts with events stored earlier, known only now (rare).
    const late = rejectionsOf(writing);
    if (late.length > 0) {
      await this.repository.insertRejections(late, manager);
      await this.repository.countConformance(writing.flatMap((r) => r.outcomes.takeCounts()), now, manager);
    }
  }

  private settle(
    { passed, outcomes, dryRun }: Storing, firsts: ReadonlyMap<string, { passed: Passed }>, stored: ReadonlyMap<string, { identity: StoredIdentity; fresh: boolean }>, now: Date,
  ): void {
    // A dry run's event that nothing stored is compared with its first occurrence in the request.
    const ownFirsts = new Map<string, Passed['event']>();
    for (const { event, source } of passed) {
      const key = identityKey(event.source, event.id);
      if (!ownFirsts.has(key)) ownFirsts.set(key, event);
      const first = ownFirsts.get(key)!;
      const found = stored.get(key);
      const original = found?.identity ?? first;
      if (!sameDigests(event, original)) {
        outcomes.refuse(event, {
          code: ExchangeErrorCode.EventConflict, check: 'once',
          detail: found ? `an event with this source and id, but other content, was accepted as sequence ${found.identity.sequence}` : 'an earlier event of this request has this source and id, but other content',
        }, { at: now, keyid: event.keyid, source });
        continue;
      }
      if (!found) {
        outcomes.settle({ index: event.index, status: event === first ? 'valid' : 'duplicate', source: event.source, id: event.id });
        continue;
      }
      const status = !dryRun && found.fresh && firsts.get(key)?.passed.event === event ? 'accepted' : 'duplicate';
      outcomes.settle({ index: event.index, status, source: event.source, id: event.id, sequence: found.identity.sequence, receivedAt: found.identity.receivedAt });
    }
  }
}
