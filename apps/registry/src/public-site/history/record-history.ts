import { Inject, Injectable } from '@nestjs/common';
import { type HistoryChange, JOURNAL_CHANGES, type JournalChanges } from '../../transparency/index.js';
import type { Locale } from '../i18n.js';
import { type EntryInWords, JournalInWords } from '../journal/journal-in-words.js';

/** One change of a record's history, in words, with the state it recorded when that state is public, and the one before it. */
export interface HistoryItem {
  words: EntryInWords;
  disclosure: HistoryChange['disclosure'];
  withheldAt: number | null;
  /** The public state this change recorded, or null. */
  state: unknown;
  /** The public state of the same record just before, comparable with `state`; null when there is none to compare (the first kept, or a private one between). */
  before: unknown;
}

/** A record's history, newest first, and where kept states begin when some of its changes predate them. */
export interface HistoryView {
  items: HistoryItem[];
  /** The first entry whose state the registry kept, shown when some of these changes have none. */
  begins: number | null;
}

/**
 * A public record's history for its page: its changes, each in words (organisations, never people), with the fields
 * the change made to the state before it when both states are public. Private states (drafts), withheld ones and those
 * from before states were kept show only that a change happened.
 */
@Injectable()
export class RecordHistory {
  constructor(
    @Inject(JOURNAL_CHANGES) private readonly journal: JournalChanges,
    @Inject(JournalInWords) private readonly words: JournalInWords,
  ) {}

  async of(subjectType: string, subjectIds: readonly string[], locale: Locale): Promise<HistoryView> {
    const changes = await this.journal.history(subjectType, subjectIds);
    const [words, begins] = await Promise.all([this.words.describe(changes, locale), changes.some((c) => c.disclosure === 'not-kept') ? this.journal.historyBegins() : null]);
    // Oldest first, each record's previous state carried forward; a private or missing state breaks the chain.
    const previous = new Map<string, unknown>();
    const items = changes
      .map((change, i) => ({ change, words: words[i]! }))
      .reverse()
      .map(({ change, words }): HistoryItem => {
        const before = previous.get(change.subjectId) ?? null;
        previous.set(change.subjectId, change.state);
        return { words, disclosure: change.disclosure, withheldAt: change.withheldAt, state: change.state, before: change.state !== null && sameShape(before, change.state) ? before : null };
      })
      .reverse();
    return { items, begins };
  }
}

/**
 * Two states of one shape, the fields of one among the other's (a field added since, as a source's licence): only those
 * are compared; a version's state beside one of its signatures' is another shape.
 */
function sameShape(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  const [x, y] = [Object.keys(a), Object.keys(b)];
  const [fewer, more] = x.length <= y.length ? [x, new Set(y)] : [y, new Set(x)];
  return fewer.every((key) => more.has(key));
}
