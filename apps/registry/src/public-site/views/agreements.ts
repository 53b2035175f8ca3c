import type { Page } from '../../kernel/paging/paging.js';
import { type Html, html } from '../html.js';
import type { Locale } from '../i18n.js';
import type { AgreementView } from '../public-site.service.js';
import { facts, logIndex, statusBadge } from './layout.js';
import { type AgreementSummary, type AgreementVersionResponse } from '../../agreements/index.js';

export function agreementsPage(locale: Locale, page: Page<AgreementSummary>, cursor: string | undefined): Html {
  const { t } = locale;
  return html`
<h1>${t.agreementsTitle}</h1>
<p>${t.agreementsIntro}</p>
${page.items.length === 0 ? html`<p>${t.agreementsNone}</p>` : html`
<table class="list">
  <thead><tr><th scope="col">${t.colParties}</th><th scope="col">${t.colStatus}</th><th scope="col">${t.colValidity}</th><th scope="col">${t.colSummary}</th></tr></thead>
  <tbody>
  ${page.items.map((a) => html`<tr>
    <th scope="row"><a href="${locale.href(`/agreements/${a.id}`)}">${locale.text(a.city.name)} — ${a.vendors.map((v) => locale.text(v.name)).join(', ')}</a></th>
    <td>${statusBadge(a.status, t.agreementStatus[a.status]!)}</td>
    <td>${t.validFromTo(locale.date(a.validFrom), locale.date(a.validUntil))}</td>
    <td>${locale.text(a.summary)}</td></tr>`)}
  </tbody>
</table>`}
${paging(locale, '/agreements', page.nextCursor, cursor)}`;
}

export function paging(locale: Locale, path: string, nextCursor: string | null, cursor: string | undefined): Html {
  return html`<p class="paging">${cursor ? html`<a href="${locale.href(path)}">${locale.t.firstPage}</a> ` : ''}${nextCursor ? html`<a rel="next" href="${locale.href(path, { cursor: nextCursor })}">${locale.t.nextPage}</a>` : ''}</p>`;
}

export function agreementPage(locale: Locale, { agreement, privacyRecords }: AgreementView): Html {
  const { t } = locale;
  // Newest version first: the one in force, or the latest, is what a reader came for.
  const versions = [...agreement.versions].sort((a, b) => b.number - a.number);
  const vendors = versions[0]!.vendors.map((v) => locale.text(v.name)).join(', ');
  return html`
<p class="breadcrumb"><a href="${locale.href('/agreements')}">${t.agreementsTitle}</a></p>
<h1>${t.agreementTitle(locale.text(agreement.city.name))} — ${vendors}</h1>
${versions.map((v) => version(locale, v, agreement.inForceVersion === v.number, privacyRecords))}`;
}

function version(locale: Locale, v: AgreementVersionResponse, inForce: boolean, privacyRecords: AgreementView['privacyRecords']): Html {
  const { t } = locale;
  const id = `version-${v.number}`;
  const names = new Map([v.city, ...v.vendors].map((party) => [party.slug, locale.text(party.name)]));
  return html`
<section class="version" aria-labelledby="${id}">
  <h2 id="${id}">${t.agreementVersion(v.number)} ${statusBadge(v.status, t.agreementStatus[v.status]!)}</h2>
  ${inForce ? html`<p class="in-force">${t.agreementInForce}</p>` : ''}
  <p class="lead">${locale.text(v.summary)}</p>
  ${facts([
    [t.agreementCity, locale.text(v.city.name)],
    [t.agreementVendors, v.vendors.map((p) => locale.text(p.name)).join(', ')],
    [t.colValidity, t.validFromTo(locale.date(v.validFrom), locale.date(v.validUntil))],
    [t.agreementSources, html`<ul class="inline">${v.sources.map((s) => html`<li><a href="${locale.href(`/sources/${s.id}`)}">${locale.text(s.name)}</a></li>`)}</ul>`],
    [t.agreementEventTypes, html`<ul class="inline">${v.eventTypes.map((e) => html`<li><a href="${locale.href(`/standards/${e.standard}`)}">${e.standard}</a> ${t.majorVersion(e.major)}</li>`)}</ul>`],
    [t.agreementPurposes, html`<ul>${v.purposes.map((p) => html`<li>${locale.text(p)}</li>`)}</ul>`],
    [t.agreementAllowedFields, v.allowedFields.length === 0 ? null : html`<ul>${v.allowedFields.map((f) => html`<li>${names.get(f.party) ?? f.party} · ${f.standard} ${t.majorVersion(f.major)}${t.colon}${f.fields.map((p) => html`<code>${p}</code> `)}</li>`)}</ul>`],
    [t.agreementRetention, locale.duration(v.retention)],
    [t.agreementOnwardSharing, v.onwardSharing ? t.agreementOnwardYes : t.agreementOnwardNo],
    [t.agreementResidency, v.dataResidency.join(', ')],
    [t.agreementPrivacyRecords, v.privacyRecords.length === 0 ? null : html`<ul class="inline">${v.privacyRecords.map((id) => html`<li>${privacyRecords.has(id) ? html`<a href="${locale.href(`/privacy-records/${id}`)}">${locale.text(privacyRecords.get(id)!)}</a>` : html`<code>${id}</code>`}</li>`)}</ul>`],
  ])}
  <h3>${t.agreementSignatures}</h3>
  ${v.signatures.length === 0 ? html`<p>${t.agreementNoSignatures}</p>` : html`
  <ul class="signatures">
    ${v.signatures.map((s) => html`<li class="${s.verifies ? 'verifies' : 'fails'}">
      <strong>${t.signatureBy(names.get(s.organisation) ?? s.organisation)}</strong>${t.colon}<span class="verdict">${s.verifies ? `✔ ${t.signatureVerifies}` : `✘ ${t.signatureFails}`}</span><br>
      ${t.signatureAt}${t.colon}${locale.dateTime(s.signedAt)} · ${t.signatureKey}${t.colon}<code class="kid">${s.kid}</code> (${s.alg})
      ${s.signedViaOperator ? html`<p class="warning operator-mark">${t.signatureViaOperator(names.get(s.organisation) ?? s.organisation)}</p>` : ''}
      ${s.keyRegisteredViaOperator ? html`<p class="warning operator-mark">${t.signatureKeyViaOperator(names.get(s.organisation) ?? s.organisation)}</p>` : ''}</li>`)}
  </ul>`}
  ${v.documentUrl ? html`<p><a href="${v.documentUrl}">${t.agreementDocument}</a></p>` : ''}
  <h3>${t.agreementHistory}</h3>
  <table class="list">
    <thead><tr><th scope="col">${t.colDate}</th><th scope="col">${t.colChange}</th><th scope="col">${t.colReason}</th></tr></thead>
    <tbody>${v.history.map((h) => html`<tr><td>${locale.dateTime(h.at)}</td><td>${t.agreementStatus[h.status]}</td><td>${h.reason ?? ''}</td></tr>`)}</tbody>
  </table>
  ${logIndex(locale, v.journalIndex)}
</section>`;
}
