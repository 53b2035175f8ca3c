import type { Refusal } from '../exchange-error.js';
import type { ExchangeSource } from '../registry-read-model.js';
import { type Mode, printable, type ReceivedEvent } from './read.js';
import type { ConformanceCount, NewRejection } from './submission.repository.js';

export type OutcomeStatus = 'accepted' | 'duplicate' | 'valid' | 'rejected';

/** What became of one event. */
export interface Outcome {
  index: number;
  status: OutcomeStatus;
  source?: string;
  id?: string;
  sequence?: string;
  receivedAt?: Date;
  refusal?: Refusal;
}

/** What became of a request's events, in their order. */
export interface Submission {
  mode: Mode;
  outcomes: Outcome[];
}

/** How a refusal is recorded: when, by which verified key (none before check 2 passed), and the source it counts against. */
export interface RefusalRecord {
  at: Date;
  keyid?: string;
  source?: ExchangeSource;
}

/**
 * The outcome accumulator of one request: each phase tells it what became of its events; it keeps the answer for
 * each event, the rejection rows and the conformance counts still to be written, which the storing phase takes.
 */
export class Outcomes {
  private readonly outcomes: Outcome[];
  private rejections: NewRejection[] = [];
  private counts = new Map<string, ConformanceCount>();

  constructor(readonly mode: Mode, events: number, private readonly organisationId: string) {
    this.outcomes = new Array<Outcome>(events);
  }

  /** A copy to work on in a transaction that may be run again (deadlock): what the attempt adds stays in the copy. */
  fork(): Outcomes {
    const copy = new Outcomes(this.mode, this.outcomes.length, this.organisationId);
    copy.outcomes.splice(0, this.outcomes.length, ...this.outcomes);
    copy.rejections = [...this.rejections];
    copy.counts = new Map([...this.counts].map(([key, count]) => [key, { ...count }]));
    return copy;
  }

  /** A message whose single event could not be read at all. */
  unreadable(refusal: Refusal, at: Date): void {
    this.outcomes[0] = { index: 0, status: 'rejected', refusal };
    this.rejections.push(this.rejectionRow(null, refusal, { at }));
  }

  /** An event refused by a check: its answer, its rejection row, and (from check 3 on) a count against its source. */
  refuse(event: ReceivedEvent, refusal: Refusal, record: RefusalRecord): void {
    this.outcomes[event.index] = { index: event.index, status: 'rejected', ...identityOf(event), refusal };
    this.rejections.push(this.rejectionRow(event, refusal, record));
    this.count(record.source, refusal.code);
  }

  /** An event that passed every check: accepted, a duplicate of one accepted before, or (dry run) valid. */
  settle(outcome: Outcome): void {
    this.outcomes[outcome.index] = outcome;
  }

  /** The rejection rows not written yet; they are written by whoever takes them. */
  takeRejections(): NewRejection[] {
    const taken = this.rejections;
    this.rejections = [];
    return taken;
  }

  /** The conformance counts not written yet, in key order (the order the counters are locked in). */
  takeCounts(): ConformanceCount[] {
    const taken = [...this.counts.values()].sort((a, b) => `${a.sourceId} ${a.code}`.localeCompare(`${b.sourceId} ${b.code}`));
    this.counts = new Map();
    return taken;
  }

  submission(): Submission {
    return { mode: this.mode, outcomes: this.outcomes };
  }

  /**
   * Only the source's owner and operator can smear or flatter its public record: a stranger's events naming it
   * (refused as not_source_operator, source_inactive, ...) are not counted, whatever key signed them.
   */
  private count(source: ExchangeSource | undefined, code: string): void {
    if (!source || (source.ownerId !== this.organisationId && source.operatorId !== this.organisationId)) return;
    const key = `${source.id} ${code}`;
    const entry = this.counts.get(key) ?? { sourceId: source.id, code, count: 0 };
    entry.count += 1;
    this.counts.set(key, entry);
  }

  private rejectionRow(event: ReceivedEvent | null, refusal: Refusal, record: RefusalRecord): NewRejection {
    const text = (value: unknown) => (typeof value === 'string' ? printable(value, 512) : null);
    const keyid = record.keyid ?? null;
    return {
      receivedAt: record.at, mode: this.mode, index: event && this.mode === 'batch' ? event.index : null,
      source: text(event?.attributes.source), id: text(event?.attributes.id), type: text(event?.attributes.type),
      keyid, signatureVerified: keyid !== null, code: refusal.code, check: refusal.check, detail: printable(refusal.detail, 1000),
      errors: refusal.errors ? refusal.errors.map((e) => ({ pointer: printable(e.pointer, 300), detail: printable(e.detail, 300) })) : null,
    };
  }
}

/** The source and id of an event, as far as they are strings (for answers and rejection records). */
function identityOf(event: ReceivedEvent): { source?: string; id?: string } {
  const { source, id } = event.attributes;
  return { ...(typeof source === 'string' ? { source } : {}), ...(typeof id === 'string' ? { id } : {}) };
}
