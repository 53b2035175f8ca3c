import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ExchangeErrorCode } from '../exchange-error.js';
import type { Outcomes } from './outcomes.js';
import type { Mode } from './read.js';
import type { Passed } from './registry-checks.js';
import { type NewEvent, type StoredIdentity, type Submitter, SubmissionRepository } from './submission.repository.js';

// Phase 4, in the same transaction: check 7 (once) and the writes. The events that passed are inserted in one
// set-based statement with the rejections and conformance counts gathered so far; what the insert reveals (a
// conflict with an event accepted earlier) is written after it.

const identityKey = (source: string, id: string) => JSON.stringify([source, id]);
const sameDigests = (a: { coreDigest: Buffer; extDigest: Buffer | null }, b: { coreDigest: Buffer; extDigest: Buffer | null }) =>
  a.coreDigest.equals(b.coreDigest) && (a.extDigest === null ? b.extDigest === null : b.extDigest !== null && a.extDigest.equals(b.extDigest));
const compare = (a: { source: string; id: string }, b: { source: string; id: string }) => (a.source === b.source ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.source < b.source ? -1 : 1);

const rowOf = ({ event, source, standardVersionId }: Passed, sent: Submitter & { mode: Mode; receivedAt: Date }): NewEvent => ({
  ...sent, sourceId: source.id, source: event.source, id: event.id, type: event.type, timeText: event.timeText, time: event.time, keyid: event.keyid,
  standardVersionId, coreDigest: event.coreDigest, extDigest: event.extDigest, dssematerial: event.dssematerial, received: event.received, headers: event.headers ?? null,
});

@Injectable()
export class OnceAndStore {
  constructor(@Inject(SubmissionRepository) private readonly repository: SubmissionRepository) {}

  /**
   * Check 7, once: (source, id) is new, or the same content again (an idempotent duplicate), or a conflict. Stores
   * the first occurrence of each new pair (in key order, so that concurrent requests lock in one order), every
   * rejection and every conformance count, unless it is a dry run; then settles each event's outcome.
   */
  async run(who: Submitter, passed: Passed[], outcomes: Outcomes, now: Date, dryRun: boolean, manager: EntityManager): Promise<void> {
    const firsts = new Map<string, Passed>();
    for (const p of passed) if (!firsts.has(identityKey(p.event.source, p.event.id))) firsts.set(identityKey(p.event.source, p.event.id), p);
    const stored = new Map<string, { identity: StoredIdentity; fresh: boolean }>();
    // Every event inserted now is accepted now: the statement counts them itself.
    const fresh = dryRun
      ? []
      : await this.repository.store(
        [...firsts.values()].sort((a, b) => compare(a.event, b.event)).map((p) => rowOf(p, { ...who, mode: outcomes.mode, receivedAt: now })),
        outcomes.takeRejections().map((r) => ({ ...r, ...who })), outcomes.takeCounts(), now, manager,
      );
    for (const identity of fresh) stored.set(identityKey(identity.source, identity.id), { identity, fresh: true });
    const missing = [...firsts.values()].filter((p) => !stored.has(identityKey(p.event.source, p.event.id))).map((p) => ({ source: p.event.source, id: p.event.id }));
    for (const identity of await this.repository.identities(missing, manager)) stored.set(identityKey(identity.source, identity.id), { identity, fresh: false });

    for (const { event, source } of passed) {
      const key = identityKey(event.source, event.id);
      const first = firsts.get(key)!.event;
      const found = stored.get(key);
      // Compared with what was accepted before, or else (a dry run of a new event) with its first occurrence in this request.
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
      const status = found.fresh && event === first ? 'accepted' : 'duplicate';
      outcomes.settle({ index: event.index, status, source: event.source, id: event.id, sequence: found.identity.sequence, receivedAt: found.identity.receivedAt });
    }

    if (!dryRun) {
      // Conflicts with events stored earlier, known only now (rare).
      await this.repository.insertRejections(outcomes.takeRejections().map((r) => ({ ...r, ...who })), manager);
      await this.repository.countConformance(outcomes.takeCounts(), now, manager);
    }
  }
}
