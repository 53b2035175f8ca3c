import { Inject, Injectable } from '@nestjs/common';
import { HISTORY_PAGE, type HistoryChange, JOURNAL_CHANGES, type JournalChanges } from '../../transparency/index.js';
import type { JournalSubjects } from '../../platform/journal/journaled-kind.js';
import { RegistryChanges } from '../../platform/registry-changes/registry-changes.js';
import type { RegistryCache } from '../../platform/registry-changes/registry-cache.js';
import type { Locale } from '../i18n.js';
import { type EntriesRead, type EntryInWords, JournalInWords } from '../journal/journal-in-words.js';

/** One change of a record's history, in words, with the state it recorded when that state is public, and the one before it. */
export interface HistoryItem {
  words: EntryInWords;
  /** The kind of record changed (the journal's subject type), which says what its fields' codes mean. */
  subjectType: string;
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
  /** Where the next page of older changes starts (its `history`: the changes below this entry), or null on the last. */
  older: number | null;
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

  /**
   * A page of the history (HISTORY_PAGE changes) of these records together (a record and its parts), newest first: the
   * latest, or those before the entry `before`.
   */
  async of(subjects: readonly JournalSubjects[], locale: Locale, before: number | null = null): Promise<HistoryView> {
    const key = JSON.stringify([before, subjects]);
    const { changes, earlier, entries, begins, older } = (await this.reads.get(key, () => this.read(subjects, before)))!;
    const words = this.words.word(entries, locale);
    // Oldest first, each record's previous state carried forward from its change before this page; a private or
    // missing state breaks the chain.
    const previous = new Map(earlier.map((change) => [recordOf(change), change.state]));
    const items = changes
      .map((change, i) => ({ change, words: words[i]! }))
      .reverse()
      .map(({ change, words }): HistoryItem => {
        const before = previous.get(recordOf(change)) ?? null;
        previous.set(recordOf(change), change.state);
        return { words, subjectType: change.subjectType, disclosure: change.disclosure, withheldAt: change.withheldAt, state: change.state, before: change.state !== null && sameShape(before, change.state) ? before : null };
      })
      .reverse();
    return { items, begins, older };
  }

  private async read(subjects: readonly JournalSubjects[], before: number | null): Promise<HistoryRead> {
    const rows = await this.journal.history(subjects, before, HISTORY_PAGE + 1);
    const changes = rows.slice(0, HISTORY_PAGE);
    const older = rows.length > HISTORY_PAGE ? changes.at(-1)!.index : null;
    // With older changes beyond this page, each record's change just before its oldest here, to say what that one changed.
    const oldestHere = new Map(changes.map((change) => [recordOf(change), change]));
    const earlier = older === null ? [] : await this.journal.changeBefore([...oldestHere.values()].map(({ subjectType, subjectId, index }) => ({ subjectType, subjectId, before: index })));
    const [entries, begins] = await Promise.all([this.words.read(changes), changes.some((c) => c.disclosure === 'not-kept') ? this.journal.historyBegins() : null]);
    return { changes, earlier, entries, begins, older };
  }
}

/** One record among those a history reads: its kind and id (a proposal's number may be another kind's id). */
const recordOf = (change: HistoryChange) => `${change.subjectType}\n${change.subjectId}`;

/** The histories whose reads are kept at once (each until the next change). */
const HISTORIES_KEPT = 64;

interface HistoryRead {
  changes: HistoryChange[];
  /** Each record's change just before this page, when the page does not reach its first. */
  earlier: HistoryChange[];
  entries: EntriesRead;
  begins: number | null;
  older: number | null;
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
