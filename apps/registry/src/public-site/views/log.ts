import { type Html, html } from '../html.js';
import type { Locale } from '../i18n.js';
import { JOURNAL_WORDS, KINDS_IN_WORDS } from '../journal/journal-words.js';
import type { LogPageQuery } from '../public-site.dto.js';
import type { LogEntryView, LogView } from '../public-site.service.js';
import { facts, option, statusBadge } from './layout.js';

/** The filters, as a GET form that works without JavaScript; each link of the page keeps them. */
function filterForm(locale: Locale, view: LogView, query: LogPageQuery): Html {
  const { t } = locale;
  const kinds = JOURNAL_WORDS[locale.lang].kinds;
  return html`
<form class="filters" method="get" action="/log" aria-labelledby="log-filters">
  <h3 id="log-filters">${t.logFilters}</h3>
  <input type="hidden" name="lang" value="${locale.lang}">
  <div class="field"><label for="f-city">${t.filterCity}</label>
    <select id="f-city" name="city">${option('', t.filterAny, query.city)}${view.cities.map((c) => option(c.slug, locale.text(c.name), query.city))}</select></div>
  <div class="field"><label for="f-kind">${t.logFilterKind}</label>
    <select id="f-kind" name="kind">${option('', t.filterAny, query.kind)}${KINDS_IN_WORDS.map((k) => option(k, kinds[k]!, query.kind))}</select></div>
  <div class="field"><label for="f-from">${t.logFilterFrom}</label> <input id="f-from" name="from" type="date" value="${query.from ?? ''}"></div>
  <div class="field"><label for="f-to">${t.logFilterTo}</label> <input id="f-to" name="to" type="date" value="${query.to ?? ''}"></div>
  <div class="actions"><button type="submit">${t.filterApply}</button> <a href="${locale.href('/log')}">${t.filterReset}</a></div>
</form>`;
}

/** The latest entries the filters select, in words: the record named and linked when it and that state are public. */
function entriesSection(locale: Locale, view: LogView, query: LogPageQuery): Html {
  const { t } = locale;
  const filters = { city: query.city, kind: query.kind, from: query.from, to: query.to };
  return html`
<section aria-labelledby="recent">
  <h2 id="recent">${t.logRecent}</h2>
  ${filterForm(locale, view, query)}
  <p>${t.logOperatorNote}</p>
  ${view.entries.length === 0 ? html`<p class="note">${t.logNoEntries}</p>` : html`
  <table class="list log-entries">
    <thead><tr><th scope="col">${t.colEntry}</th><th scope="col">${t.colTime}</th><th scope="col">${t.colAction}</th><th scope="col">${t.colBy}</th></tr></thead>
    <tbody>${view.entries.map((e) => html`<tr data-index="${e.index}" data-kind="${e.kind}"><th scope="row"><a href="${locale.href('/log', { ...filters, before: query.before, index: e.index })}">${e.index}</a></th><td>${locale.dateTime(e.time)}</td><td>${e.page ? html`<a href="${e.page}">${e.title}</a>` : e.title}</td><td>${e.by ?? ''}</td></tr>`)}</tbody>
  </table>`}
  <p class="paging">
    ${query.before !== undefined ? html`<a href="${locale.href('/log', filters)}">${t.logNewest}</a>` : ''}
    ${view.older !== null ? html`<a rel="next" href="${locale.href('/log', { ...filters, before: view.older })}">${t.logOlder}</a>` : ''}
  </p>
</section>`;
}

/** The key a change was made with, and a plain mark when the operator stands behind it. */
function actingKey(locale: Locale, key: LogEntryView['key']): Html | string {
  if (!key) return '';
  return html`<code>${key.prefix}</code>${key.operator ? html` ${statusBadge('operator', locale.t.logByOperator)}` : ''}`;
}

/**
 * Which witnesses vouched for the latest signed checkpoint, any fork alarm, and the latest witnessed checkpoint (the one
 * published to monitors), plainly (nothing when no witness is configured).
 */
function witnessSection(locale: Locale, checkpoint: LogView['checkpoint']): Html | string {
  const { t } = locale;
  if (checkpoint.witnesses.length === 0) return '';
  const count = checkpoint.witnesses.filter((w) => w.cosigned).length;
  return html`
<section aria-labelledby="witnesses">
  <h2 id="witnesses">${t.logWitnesses}</h2>
  ${checkpoint.witnesses.flatMap((w) => (w.alarm ? [html`<div class="warning" role="alert"><strong>${t.logForkAlarm}</strong>${t.colon}${t.logForkAlarmText(w.name, w.alarm.size, locale.dateTime(w.alarm.at))}</div>`] : []))}
  <p>${t.logWitnessesExplain}</p>
  <p>${checkpoint.witnessed ? t.logWitnessed(count, checkpoint.quorum) : t.logNotWitnessed(count, checkpoint.quorum)}</p>
  <p>${checkpoint.witnessedCheckpoint ? t.logLatestWitnessed(locale.number(checkpoint.witnessedCheckpoint.size)) : t.logNoneWitnessed}</p>
  <ul class="witnesses">${checkpoint.witnesses.map(
    (w) => html`<li><code>${w.name}</code> ${w.cosigned ? html`${statusBadge('accepted', t.logWitnessVouched)} ${t.logWitnessAt(locale.dateTime(w.cosignedAt!))}` : statusBadge(w.alarm ? 'rejected' : 'pending-signatures', w.alarm ? t.logForkAlarm : t.logWitnessNotYet)}</li>`,
  )}</ul>
</section>`;
}

export function logPage(locale: Locale, view: LogView, query: LogPageQuery): Html {
  const { t } = locale;
  const { checkpoint, chosen } = view;
  // The browser's check reads GET /log/checkpoint: with witnesses, the latest witnessed checkpoint, not the latest signed.
  const witnessing = checkpoint.witnesses.length > 0;
  const checked = witnessing ? (checkpoint.witnessedCheckpoint?.size ?? 0) : checkpoint.size;
  const defaultIndex = query.index ?? Math.max(0, checked - 1);
  // Showing another entry keeps the list as it was filtered.
  const kept = { city: query.city, kind: query.kind, from: query.from, to: query.to, before: query.before };
  // The script speaks the page's language: its sentences come from the catalogue, placeholders filled in by the script.
  const messages = {
    'data-running': t.logVerifyRunning,
    'data-signature-ok': t.logVerifySignatureOk,
    'data-signature-bad': t.logVerifySignatureBad,
    'data-inclusion-ok': t.logVerifyInclusionOk('{index}', '{size}'),
    'data-inclusion-bad': t.logVerifyInclusionBad('{index}'),
    'data-state-ok': t.logVerifyStateOk('{index}'),
    'data-state-bad': t.logVerifyStateBad('{index}'),
    'data-state-undisclosed': t.logVerifyStateUndisclosed('{index}'),
    'data-consistency-first': t.logVerifyConsistencyFirst,
    'data-consistency-ok': t.logVerifyConsistencyOk('{previous}'),
    'data-consistency-bad': t.logVerifyConsistencyBad('{previous}'),
    'data-error': t.logVerifyError,
    'data-done': t.logVerifyDone,
    'data-failed': t.logVerifyFailed,
    'data-button': t.logVerifyButton,
  };
  return html`
<h1>${t.logTitle}</h1>
<p>${t.logIntro}</p>
<section aria-labelledby="checkpoint">
  <h2 id="checkpoint">${t.logCheckpoint}</h2>
  ${facts([
    [t.logOrigin, html`<code>${checkpoint.origin}</code>`],
    [t.logSize, locale.number(checkpoint.size)],
    [t.logRoot, html`<code class="hash">${checkpoint.root}</code>`],
    [t.logSignature, html`<code class="hash">${checkpoint.jws}</code>`],
  ])}
</section>
${witnessSection(locale, checkpoint)}
<section aria-labelledby="verify" class="verify">
  <h2 id="verify">${t.logVerifyTitle}</h2>
  <p>${t.logVerifyExplain}</p>
  ${witnessing ? html`<p id="verify-against">${checkpoint.witnessedCheckpoint ? t.logVerifyWitnessed(locale.number(checked)) : t.logVerifyNoneWitnessed}</p>` : ''}
  <noscript><p class="note">${t.logVerifyNoScript}</p></noscript>
  <form id="verify-form" method="get" action="/log">
    <input type="hidden" name="lang" value="${locale.lang}">
    ${Object.entries(kept).map(([name, value]) => (value === undefined ? '' : html`<input type="hidden" name="${name}" value="${String(value)}">`))}
    <label for="verify-index">${t.logVerifyIndex}</label>
    <input id="verify-index" name="index" type="number" inputmode="numeric" min="0" max="${Math.max(0, checkpoint.size - 1)}" value="${defaultIndex}">
    <button type="submit">${t.logShowEntry}</button>
  </form>
  <div id="verify-result" role="status" aria-live="polite" ${Object.entries(messages).map(([name, text]) => html`${name}="${text}" `)}></div>
</section>
${chosen ? html`
<section aria-labelledby="entry">
  <h2 id="entry">${t.logEntry(chosen.entry.index)}</h2>
  ${facts([
    [t.colTime, locale.dateTime(chosen.entry.time)],
    [t.colAction, html`${chosen.words.page ? html`<a href="${chosen.words.page}">${chosen.words.title}</a>` : chosen.words.title} (<code>${chosen.entry.action}</code>)`],
    [t.colBy, chosen.words.by ?? ''],
    [t.colSubject, html`<code>${chosen.entry.subject}</code>`],
    [t.colKey, actingKey(locale, chosen.entry.key)],
    [t.logEntryShown, html`<pre class="entry">${chosen.entry.text}</pre>`],
    [t.logEntryHash, html`<code class="hash">${chosen.entry.leafHash}</code>`],
    [t.logEntryProof, html`<ol class="proof">${chosen.proof.proof.map((h) => html`<li><code class="hash">${h}</code></li>`)}</ol>`],
  ])}
</section>` : ''}
${entriesSection(locale, view, query)}`;
}
