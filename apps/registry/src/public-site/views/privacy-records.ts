import type { Page } from '../../kernel/paging/paging.js';
import { type Html, html } from '../html.js';
import type { Locale } from '../i18n.js';
import { paging } from './agreements.js';
import { facts, logIndex, statusBadge } from './layout.js';
import { type PrivacyRecordResponse, PUBLIC_STATUSES } from '../../privacy-records/index.js';

export function privacyRecordsPage(locale: Locale, page: Page<PrivacyRecordResponse>, cursor: string | undefined): Html {
  const { t } = locale;
  return html`
<h1>${t.privacyTitle}</h1>
<p>${t.privacyIntro}</p>
${page.items.length === 0 ? html`<p>${t.privacyNone}</p>` : html`
<table class="list">
  <thead><tr><th scope="col">${t.colName}</th><th scope="col">${t.colCity}</th><th scope="col">${t.colStatus}</th><th scope="col">${t.colRisk}</th><th scope="col">${t.colReviewDate}</th></tr></thead>
  <tbody>
  ${page.items.map((r) => html`<tr>
    <th scope="row"><a href="${locale.href(`/privacy-records/${r.id}`)}">${locale.text(r.title)}</a></th>
    <td>${locale.text(r.city.name)}</td><td>${statusBadge(r.status, t.privacyStatus[r.status]!)}</td><td>${t.riskLevel[r.riskLevel]}</td><td>${locale.date(r.nextReviewDate)}</td></tr>`)}
  </tbody>
</table>`}
${paging(locale, '/privacy-records', page.nextCursor, cursor)}`;
}

export function privacyRecordPage(locale: Locale, r: PrivacyRecordResponse): Html {
  const { t } = locale;
  return html`
<p class="breadcrumb"><a href="${locale.href('/privacy-records')}">${t.privacyTitle}</a></p>
<h1>${locale.text(r.title)}</h1>
<p class="status-line">${statusBadge(r.status, t.privacyStatus[r.status]!)} · ${locale.text(r.city.name)}</p>
<p class="lead">${locale.text(r.summary)}</p>
${facts([
  [t.privacyElements, html`<ul>${r.personalInformationElements.map((e) => html`<li>${locale.text(e)}</li>`)}</ul>`],
  [t.privacyPurpose, locale.text(r.purpose)],
  [t.privacyLegalAuthority, locale.text(r.legalAuthority)],
  [t.privacyRiskLevel, t.riskLevel[r.riskLevel]],
  [t.privacyDeIdentification, locale.text(r.deIdentification)],
  [t.privacyRetention, locale.duration(r.retention)],
  [t.privacyReviewDate, locale.date(r.nextReviewDate)],
  [t.privacyDecidedAt, r.decidedAt ? locale.date(r.decidedAt) : null],
  // Organisations, never people, in public: the approver's standing, not their name.
  [t.privacyApprovedBy, PUBLIC_STATUSES.includes(r.status) && r.deciderRoleSince ? t.privacyApprover(locale.text(r.city.name), locale.date(r.deciderRoleSince)) : null],
  [t.privacySources, html`<ul class="inline">${r.sources.map((s) => html`<li><a href="${locale.href(`/sources/${s.id}`)}">${locale.text(s.name)}</a></li>`)}</ul>`],
  [t.privacyAgreements, r.agreementIds.length === 0 ? null : html`<ul class="inline">${r.agreementIds.map((id) => html`<li><a href="${locale.href(`/agreements/${id}`)}">${t.navAgreements} ${id.slice(0, 8)}</a></li>`)}</ul>`],
])}
<h2>${t.privacyRisks}</h2>
<table class="list">
  <thead><tr><th scope="col">${t.privacyRisk}</th><th scope="col">${t.privacyMitigation}</th></tr></thead>
  <tbody>${r.risks.map((risk) => html`<tr><td>${locale.text(risk.risk)}</td><td>${locale.text(risk.mitigation)}</td></tr>`)}</tbody>
</table>
<h2>${t.privacyContact}</h2>
<p>${locale.text(r.privacyContact.name)}<br><a href="mailto:${r.privacyContact.email}">${r.privacyContact.email}</a></p>
${logIndex(locale, r.journalIndex)}`;
}
