import { type Html, html } from '../html.js';
import type { Locale } from '../i18n.js';
import type { HistoryItem, HistoryView } from '../history/record-history.js';
import type { Messages } from '../messages/en.js';

/** What a history leaves out of a change: the record's identity and the journal's own bookkeeping. */
const UNSHOWN = new Set(['id', 'journalIndex', 'createdAt', 'updatedAt', 'history']);

/** One field a change made: its name and its value before and after, in words. */
export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

/** The catalogue's words for the codes a record's fields hold (`pending-signatures`: "Awaiting signatures"). */
type Vocabulary = 'sourceKind' | 'sourceStatus' | 'technology' | 'agreementStatus' | 'privacyStatus' | 'riskLevel' | 'versionStatus' | 'proposalStatus' | 'proposalKindName' | 'verdict' | 'voteChoice';

/** The fields whose values are codes, by the kind of record (the journal's subject type) whose state holds them. */
const CODED: Record<string, Record<string, Vocabulary>> = {
  source: { kind: 'sourceKind', status: 'sourceStatus', technology: 'technology' },
  'agreement-version': { status: 'agreementStatus' },
  'privacy-record': { status: 'privacyStatus', riskLevel: 'riskLevel' },
  'standard-version': { status: 'versionStatus' },
  proposal: { status: 'proposalStatus', kind: 'proposalKindName' },
  'proposal-review': { verdict: 'verdict' },
  'proposal-vote': { choice: 'voteChoice' },
};

/**
 * The fields that differ between two states of a record of `subjectType`, each value in words in the reader's language
 * (never JSON): a code in words where the catalogue has them, as the record's own page says it.
 */
export function fieldChanges(before: unknown, after: unknown, locale: Locale, subjectType = ''): FieldChange[] {
  const coded = CODED[subjectType] ?? {};
  const [was, is] = [flatten(before, locale, coded), flatten(after, locale, coded)];
  const fields = [...new Set([...is.keys(), ...was.keys()])];
  const none = locale.t.historyNone;
  return fields
    .filter((field) => was.get(field) !== is.get(field))
    .map((field) => ({ field, before: was.get(field) ?? none, after: is.get(field) ?? none }));
}

/** A state as field name → value in words; nested objects name their fields after their parent's (and are read with no `coded` fields: codes are the state's own). */
function flatten(state: unknown, locale: Locale, coded: Record<string, Vocabulary>, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return into;
  for (const [key, value] of Object.entries(state)) {
    if (UNSHOWN.has(key)) continue;
    const field = prefix ? `${prefix} › ${label(key, locale)}` : label(key, locale);
    const vocabulary = coded[key];
    if (isRecord(value) && !isLocalized(value) && Object.keys(value).length > 0) flatten(value, locale, {}, field, into);
    else into.set(field, vocabulary && typeof value === 'string' ? codeInWords(locale.t[vocabulary], value) : inWords(value, locale));
  }
  return into;
}

/** A code's words, or the code itself where the catalogue has none (a value added since). */
const codeInWords = (words: Messages[Vocabulary], code: string): string => words[code] ?? code;

function inWords(value: unknown, locale: Locale): string {
  const { t } = locale;
  if (value === null || value === undefined) return t.historyNone;
  if (typeof value === 'boolean') return value ? t.historyYes : t.historyNo;
  if (typeof value === 'number') return locale.number(value);
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) ? locale.dateTime(value) : value;
  if (Array.isArray(value)) return value.length === 0 ? t.historyNone : value.map((item) => inWords(item, locale)).join('; ');
  if (isLocalized(value)) return locale.text(value);
  if (isRecord(value)) return Object.entries(value).filter(([k]) => !UNSHOWN.has(k)).map(([k, v]) => `${label(k, locale)}${t.colon}${inWords(v, locale)}`).join(', ');
  return String(value);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isLocalized = (value: unknown): value is { en: string; fr: string } => isRecord(value) && typeof value.en === 'string' && typeof value.fr === 'string' && Object.keys(value).length === 2;

/** A field's name in the reader's language; one the catalogue does not name reads from its own name (`validUntil`: "Valid until"). */
function label(key: string, locale: Locale): string {
  const named = locale.t.historyFields[key];
  if (named) return named;
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A page of a record's history for its page: newest first, each change dated, by whom, what it changed, and its log
 * entry; `olderHref` gives the address of the older changes' page from where it starts.
 */
export function historySection(locale: Locale, view: HistoryView, olderHref: (older: number) => string): Html {
  const { t } = locale;
  return html`<section aria-labelledby="history" class="history">
  <h2 id="history">${t.historyTitle}</h2>
  <p>${t.historyIntro}</p>
  ${view.items.length === 0 ? html`<p>${t.historyNoneYet}</p>` : html`<ol class="history-list">${view.items.map((item) => change(locale, item))}</ol>`}
  ${view.older === null ? '' : html`<p class="history-older"><a rel="next" href="${olderHref(view.older)}#history">${t.historyOlder}</a></p>`}
  ${view.begins === null || view.older !== null ? '' : html`<p class="history-begins">${t.historyBegins(view.begins)} <a href="${locale.href('/log', { index: view.begins })}">${t.logIndexLink(view.begins)}</a></p>`}
</section>`;
}

function change(locale: Locale, item: HistoryItem): Html {
  const { t } = locale;
  const { words } = item;
  return html`<li class="history-change" data-index="${words.index}">
  <p><time datetime="${words.time.toISOString()}">${locale.dateTime(words.time)}</time> — ${words.title}${words.by ? html` <span class="history-by">(${words.by})</span>` : ''}
  · <a href="${words.log}">${t.historyEntry(words.index)}</a></p>
  ${detail(locale, item)}
</li>`;
}

function detail(locale: Locale, item: HistoryItem): Html {
  const { t } = locale;
  switch (item.disclosure) {
    case 'withheld':
      return html`<p class="history-note">${t.historyWithheld} <a href="${locale.href('/log', { index: item.withheldAt })}">${t.logIndexLink(item.withheldAt!)}</a></p>`;
    case 'private':
      return html`<p class="history-note">${t.historyPrivate}</p>`;
    case 'not-kept':
      return html`<p class="history-note">${t.historyNotKept}</p>`;
    case 'public': {
      if (item.before === null) return html`<p class="history-note">${t.historyFirstKept}</p>`;
      const changes = fieldChanges(item.before, item.state, locale, item.subjectType);
      if (changes.length === 0) return html`<p class="history-note">${t.historyNoFieldChanged}</p>`;
      return html`<table class="list history-fields">
    <caption>${t.historyFieldsCaption}</caption>
    <thead><tr><th scope="col">${t.historyField}</th><th scope="col">${t.historyBefore}</th><th scope="col">${t.historyAfter}</th></tr></thead>
    <tbody>${changes.map((c) => html`<tr><th scope="row">${c.field}</th><td>${c.before}</td><td>${c.after}</td></tr>`)}</tbody>
  </table>`;
    }
  }
}
