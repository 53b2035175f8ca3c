import { type Html, html } from '../html.js';
import type { Locale } from '../i18n.js';
import { facts, logIndex, statusBadge } from './layout.js';
import { type StandardDetailResponse } from '../../standards/index.js';

export function standardsPage(locale: Locale, standards: StandardDetailResponse[]): Html {
  const { t } = locale;
  return html`
<h1>${t.standardsTitle}</h1>
<p>${t.standardsIntro}</p>
<table class="list">
  <thead><tr><th scope="col">${t.colStandard}</th><th scope="col">${t.colVersions}</th><th scope="col">${t.colSummary}</th></tr></thead>
  <tbody>
  ${standards.map((s) => html`<tr>
    <th scope="row"><a href="${locale.href(`/standards/${s.id}`)}">${locale.text(s.title)}</a><br><code>${s.id}</code></th>
    <td>${s.versions.map((v) => v.version).join(', ')}</td>
    <td>${locale.text(s.description)}</td></tr>`)}
  </tbody>
</table>`;
}

export function standardPage(locale: Locale, s: StandardDetailResponse): Html {
  const { t } = locale;
  return html`
<p class="breadcrumb"><a href="${locale.href('/standards')}">${t.standardsTitle}</a></p>
<h1>${locale.text(s.title)}</h1>
<p class="lead">${locale.text(s.description)}</p>
${facts([
  [t.colStandard, html`<code>${s.id}</code>`],
  [t.colEventType, html`<code>${s.type}</code>`],
  [t.standardLicence, s.licence],
])}
${logIndex(locale, s.journalIndex)}
<h2>${t.standardVersions}</h2>
<table class="list">
  <thead><tr><th scope="col">${t.colVersion}</th><th scope="col">${t.colStatus}</th><th scope="col">${t.colPublished}</th><th scope="col">${t.colOrigin}</th><th scope="col">${t.colSchema}</th><th scope="col">${t.navLog}</th></tr></thead>
  <tbody>
  ${[...s.versions].reverse().map((v) => html`<tr>
    <th scope="row">${v.version}</th>
    <td>${statusBadge(v.status, t.versionStatus[v.status]!)}</td>
    <td>${locale.date(v.publishedAt)}</td>
    <td>${v.proposal !== null ? html`<a href="${locale.href(`/proposals/${v.proposal}`)}">${t.originProposal(v.proposal)}</a>` : t.originBaseline}</td>
    <td><a href="${v.schemaPath}">schema.json</a></td>
    <td>${v.journalIndex !== null ? html`<a href="${locale.href('/log', { index: v.journalIndex })}">${t.logIndexLink(v.journalIndex)}</a>` : ''}</td></tr>`)}
  </tbody>
</table>`;
}
