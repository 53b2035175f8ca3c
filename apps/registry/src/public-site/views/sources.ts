import { type Html, html } from '../html.js';
import type { Locale } from '../i18n.js';
import { MAX_RADIUS_KM, type SourcesPageQuery } from '../public-site.dto.js';
import { DEFAULT_RADIUS_KM, type SourcesView, type SourceView } from '../public-site.service.js';
import { facts, logIndex, option, statusBadge } from './layout.js';
import { catalogStructuredData, datasetStructuredData, type SiteFacts } from './structured-data.js';
import { type SourceResponse, SOURCE_KINDS, SOURCE_STATUSES } from '../../sources/index.js';

/** A point to put on the map: a Point's coordinates, or the first vertex of a line or polygon. */
function anchor(source: SourceResponse): [number, number] | null {
  const { location } = source as { location: { type: string; coordinates: unknown } };
  let c: unknown = location.coordinates;
  while (Array.isArray(c) && Array.isArray(c[0])) c = c[0];
  return Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number' ? [c[0], c[1]] : null;
}

export function sourcesPage(locale: Locale, view: SourcesView, query: SourcesPageQuery, map: { tileUrl: string | null; attribution: string }, site: SiteFacts): Html {
  const { t } = locale;
  const filters = { city: query.city, kind: query.kind, status: query.status, personalInformation: query.personalInformation, bbox: query.bbox?.join(',') };
  const items = view.page.items;
  const personal = query.personalInformation === undefined ? '' : String(query.personalInformation);
  return html`
<h1>${t.sourcesTitle}</h1>
${catalogStructuredData(locale, items, site)}
<p>${t.sourcesIntro}</p>
<form class="filters" method="get" action="/sources" aria-labelledby="filters-title">
  <h2 id="filters-title" class="visually-hidden">${t.filters}</h2>
  <input type="hidden" name="lang" value="${locale.lang}">
  <div class="field"><label for="f-city">${t.filterCity}</label>
    <select id="f-city" name="city">${option('', t.filterAny, query.city)}${view.cities.map((c) => option(c.slug, locale.text(c.name), query.city))}</select></div>
  <div class="field"><label for="f-kind">${t.filterKind}</label>
    <select id="f-kind" name="kind">${option('', t.filterAny, query.kind)}${SOURCE_KINDS.map((k) => option(k, t.sourceKind[k]!, query.kind))}</select></div>
  <div class="field"><label for="f-status">${t.filterStatus}</label>
    <select id="f-status" name="status">${option('', t.filterAny, query.status)}${SOURCE_STATUSES.map((s) => option(s, t.sourceStatus[s]!, query.status))}</select></div>
  <div class="field"><label for="f-personal">${t.filterPersonal}</label>
    <select id="f-personal" name="personalInformation">${option('', t.filterAny, personal)}${option('true', t.filterYes, personal)}${option('false', t.filterNo, personal)}</select></div>
  ${query.bbox ? html`<p class="field area"><input type="checkbox" id="f-bbox" name="bbox" value="${query.bbox.join(',')}" checked> <label for="f-bbox">${t.filterArea}</label></p>` : ''}
  ${view.near ? html`<input type="hidden" name="lat" value="${view.near.lat}"><input type="hidden" name="lon" value="${view.near.lon}"><input type="hidden" name="radius" value="${view.near.radiusKm}">` : ''}
  <div class="actions"><button type="submit">${t.filterApply}</button> <a href="${locale.href('/sources')}">${t.filterReset}</a></div>
</form>
${nearForm(locale, view, query)}
<div id="map" class="map" role="region" aria-label="${t.mapLabel}" data-tile-url="${map.tileUrl ?? ''}" data-attribution="${map.attribution}" data-results="results"></div>
<noscript><p class="note">${t.mapNoScript}</p></noscript>
<section id="results" aria-labelledby="results-count">
  <h2 id="results-count" aria-live="polite">${t.resultsCount(items.length)}${view.page.nextCursor ? ' +' : ''}</h2>
  ${view.near ? html`<p class="near-heading">${t.nearHeading(locale.distance(view.near.radiusKm * 1000), `${locale.number(view.near.lat)}, ${locale.number(view.near.lon)}`)}.${view.near.more ? html` ${t.nearMore(view.near.shown)}` : ''} <a href="${locale.href('/sources', { ...filters, bbox: undefined })}">${t.nearClear}</a></p>` : ''}
  ${items.length > 0 ? html`
  <table class="list">
    <thead><tr><th scope="col">${t.colName}</th>${view.near ? html`<th scope="col">${t.colDistance}</th>` : ''}<th scope="col">${t.colCity}</th><th scope="col">${t.colOperator}</th><th scope="col">${t.colKind}</th><th scope="col">${t.colStatus}</th><th scope="col">${t.colPersonal}</th></tr></thead>
    <tbody>
    ${items.map((s) => {
      const point = anchor(s);
      return html`<tr class="source-row"${point ? html` data-lon="${point[0]}" data-lat="${point[1]}"` : ''} data-href="${locale.href(`/sources/${s.id}`)}" data-name="${locale.text(s.name)}">
        <th scope="row"><a href="${locale.href(`/sources/${s.id}`)}">${locale.text(s.name)}</a></th>
        ${view.near ? html`<td class="distance" data-metres="${Math.round(view.near.distances.get(s.id)!)}">${t.distanceAway(locale.distance(view.near.distances.get(s.id)!))}</td>` : ''}
        <td>${locale.text(s.owner.name)}</td><td>${locale.text(s.operator.name)}</td><td>${t.sourceKind[s.kind]}</td>
        <td>${statusBadge(s.status, t.sourceStatus[s.status]!)}</td><td>${s.personalInformation ? t.yes : t.no}</td></tr>`;
    })}
    </tbody>
  </table>` : ''}
  <p class="paging">
    ${query.cursor ? html`<a href="${locale.href('/sources', filters)}">${t.firstPage}</a>` : ''}
    ${view.page.nextCursor ? html`<a rel="next" href="${locale.href('/sources', { ...filters, cursor: view.page.nextCursor })}">${t.nextPage}</a>` : ''}
  </p>
</section>`;
}

/** "What is near me": a point by hand, without JavaScript; the near-me script offers the browser's location (it unhides the button). */
function nearForm(locale: Locale, view: SourcesView, query: SourcesPageQuery): Html {
  const { t } = locale;
  const keep = { city: query.city, kind: query.kind, status: query.status, personalInformation: query.personalInformation };
  return html`<form class="filters near" id="near-form" method="get" action="/sources" aria-labelledby="near-title">
  <h2 id="near-title">${t.nearTitle}</h2>
  <p>${t.nearIntro}</p>
  <input type="hidden" name="lang" value="${locale.lang}">
  ${Object.entries(keep).filter(([, v]) => v !== undefined).map(([name, v]) => html`<input type="hidden" name="${name}" value="${String(v)}">`)}
  <div class="field"><label for="near-lat">${t.nearLat}</label>
    <input id="near-lat" name="lat" type="number" step="any" min="-90" max="90" required value="${view.near?.lat ?? ''}"></div>
  <div class="field"><label for="near-lon">${t.nearLon}</label>
    <input id="near-lon" name="lon" type="number" step="any" min="-180" max="180" required value="${view.near?.lon ?? ''}"></div>
  <div class="field"><label for="near-radius">${t.nearRadius}</label>
    <input id="near-radius" name="radius" type="number" step="any" min="0.01" max="${MAX_RADIUS_KM}" value="${view.near?.radiusKm ?? DEFAULT_RADIUS_KM}"></div>
  <div class="actions"><button type="submit">${t.nearSubmit}</button>
    <button type="button" id="near-locate" hidden data-locating="${t.nearLocating}" data-unavailable="${t.nearUnavailable}">${t.nearUseLocation}</button></div>
  <p id="near-status" role="status"></p>
</form>`;
}

function conformance(locale: Locale, record: SourceView['conformance']): Html {
  const { t } = locale;
  const codes = Object.entries(record.rejectedByCode);
  return html`<section aria-labelledby="conformance">
  <h2 id="conformance">${t.sourceConformance}</h2>
  ${record.accepted + record.rejected === 0 ? html`<p>${t.sourceConformanceNone}</p>` : facts([
    [t.conformanceAccepted, locale.number(record.accepted)],
    [t.conformanceRejected, locale.number(record.rejected)],
    [t.conformanceLastAccepted, record.lastAcceptedAt ? locale.dateTime(record.lastAcceptedAt) : null],
    [t.conformanceByCode, codes.length === 0 ? null : html`<ul>${codes.map(([code, n]) => html`<li><code>${code}</code>${t.colon}${locale.number(n)}</li>`)}</ul>`],
  ])}
</section>`;
}

export function sourcePage(locale: Locale, view: SourceView, map: { tileUrl: string | null; attribution: string }, site: SiteFacts): Html {
  const { t } = locale;
  const { source, owner } = view;
  const point = anchor(source);
  const contact = owner.privacyContact;
  return html`
<p class="breadcrumb"><a href="${locale.href('/sources')}">${t.sourcesTitle}</a></p>
<h1>${locale.text(source.name)}</h1>
${datasetStructuredData(locale, view, site)}
<p class="status-line">${statusBadge(source.status, t.sourceStatus[source.status]!)} ${t.sourceStatusSince(locale.date(source.statusChangedAt))}${source.statusReason ? ` — ${source.statusReason}` : ''}</p>
${source.privacyFlag ? html`<p class="warning" role="note">${t.sourcePrivacyFlag}</p>` : ''}
${facts([
  [t.sourceOwner, locale.text(source.owner.name)],
  [t.sourceOperator, locale.text(source.operator.name)],
  [t.sourceWhat, html`${t.sourceKind[source.kind]} · ${t.technology[source.technology] ?? source.technology}<br>${locale.text(source.description)}`],
  [t.sourceMeasures, html`<ul class="inline">${source.measures.map((m) => html`<li>${locale.text(m)}</li>`)}</ul>`],
  [t.sourcePurpose, locale.text(source.purpose)],
  [t.sourcePersonal, source.personalInformation ? t.sourcePersonalYes : t.sourcePersonalNo],
  [t.sourceLegalAuthority, locale.text(source.legalAuthority)],
  [t.sourceLocation, point ? `${point[1].toFixed(5)}, ${point[0].toFixed(5)}` : null],
  [t.sourceCeSource, html`<code>${source.ceSource}</code>`],
])}
${point ? html`<div id="map" class="map map-small" role="region" aria-label="${t.sourceLocation}" data-single="true" data-results="source-point" data-tile-url="${map.tileUrl ?? ''}" data-attribution="${map.attribution}"></div>
<p id="source-point" hidden><span class="source-row" data-lon="${point[0]}" data-lat="${point[1]}" data-name="${locale.text(source.name)}"></span></p>` : ''}
<section aria-labelledby="privacy-records">
  <h2 id="privacy-records">${t.sourcePrivacyRecords}</h2>
  ${view.privacyRecords.length === 0 ? html`<p>${t.sourceNoPrivacyRecords}</p>` : html`<ul>${view.privacyRecords.map((r) => html`<li><a href="${locale.href(`/privacy-records/${r.id}`)}">${locale.text(r.title)}</a> — ${t.privacyStatus[r.status]}, ${t.riskLevel[r.riskLevel]} (${t.privacyRiskLevel.toLowerCase()})</li>`)}</ul>`}
</section>
<section aria-labelledby="agreements">
  <h2 id="agreements">${t.sourceAgreements}</h2>
  ${view.agreements.length === 0 ? html`<p>${t.sourceNoAgreements}</p>` : html`<ul>${view.agreements.map((a) => html`<li><a href="${locale.href(`/agreements/${a.id}`)}">${locale.text(a.city.name)} — ${a.vendors.map((v) => locale.text(v.name)).join(', ')}</a>${t.colon}${t.agreementStatus[a.status]}. ${locale.text(a.summary)}</li>`)}</ul>`}
</section>
<section aria-labelledby="standards">
  <h2 id="standards">${t.sourceStandards}</h2>
  <ul>${view.standards.map((s) => html`<li><a href="${locale.href(`/standards/${s.id}`)}">${s.title ? locale.text(s.title) : s.id}</a>, ${t.majorVersion(s.major)}</li>`)}</ul>
</section>
${conformance(locale, view.conformance)}
<section aria-labelledby="contact">
  <h2 id="contact">${t.privacyContact}</h2>
  <p>${locale.text(contact.name)}<br><a href="mailto:${contact.email}">${contact.email}</a>${contact.url && /^https?:\/\//.test(contact.url) ? html`<br><a href="${contact.url}">${contact.url}</a>` : ''}</p>
</section>
<section aria-labelledby="sign">
  <h2 id="sign">${t.sourceSign}</h2>
  <p>${t.sourceSignText}</p>
  <ul>
    <li><a href="${locale.href(`/sources/${source.id}/sign`, { paper: 'letter' })}">${t.signTitle(locale.text(source.name))}</a>, ${t.signPrintLetter}; <a href="${locale.href(`/sources/${source.id}/sign`, { paper: 'a4' })}">${t.signPrintA4}</a></li>
    <li><a href="/sources/${source.id}/sign.svg?paper=letter" download>${t.signSvgLetter}</a>; <a href="/sources/${source.id}/sign.svg?paper=a4" download>${t.signSvgA4}</a></li>
  </ul>
</section>
${logIndex(locale, source.journalIndex)}`;
}
