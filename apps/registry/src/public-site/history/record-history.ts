import { Inject, Injectable } from '@nestjs/common';
import { type HistoryChange, JOURNAL_CHANGES, type JournalChanges } from '../../transparency/index.js';
import { RegistryChanges } from '../../platform/registry-changes/registry-changes.js';
import type { RegistryCache } from '../../platform/registry-changes/registry-cache.js';
import type { Locale } from '../i18n.js';
import { type EntriesRead, type EntryInWords, JournalInWords } from '../journal/journal-in-words.js';

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
  /** What a history reads, by record: the same in both languages, so read once a change for the page's two renderings. */
  private readonly reads: RegistryCache<string, HistoryRead>;

  constructor(
    @Inject(JOURNAL_CHANGES) private readonly journal: JournalChanges,
    @Inject(JournalInWords) private readonly words: JournalInWords,
    @Inject(RegistryChanges) changes: RegistryChanges,
  ) {
    this.reads = changes.cache(HISTORIES_KEPT);
  }

  async of(subjectType: string, subjectIds: readonly string[], locale: Locale): Promise<HistoryView> {
    const { changes, entries, begins } = (await this.reads.once(`${subjectType}\n${subjectIds.join('\n')}`, () => this.read(subjectType, subjectIds)))!;
    const words = this.words.word(entries, locale);
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

  private async read(subjectType: string, subjectIds: readonly string[]): Promise<HistoryRead> {
    const changes = await this.journal.history(subjectType, subjectIds);
    const [entries, begins] = await Promise.all([this.words.read(changes), changes.some((c) => c.disclosure === 'not-kept') ? this.journal.historyBegins() : null]);
    return { changes, entries, begins };
  }
}

/** The histories whose reads are kept at once (each until the next change). */
const HISTORIES_KEPT = 64;

interface HistoryRead {
  changes: HistoryChange[];
  entries: EntriesRead;
  begins: number | null;
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
