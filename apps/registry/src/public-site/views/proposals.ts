import type { Page } from '../../kernel/paging/paging.js';
import { type Html, html } from '../html.js';
import type { Locale } from '../i18n.js';
import { paging } from './agreements.js';
import { facts, logIndex, statusBadge } from './layout.js';
import { type ProposalDetailResponse, type ProposalResponse } from '../../proposals/index.js';

export function proposalsPage(locale: Locale, page: Page<ProposalResponse>, cursor: string | undefined): Html {
  const { t } = locale;
  return html`
<h1>${t.proposalsTitle}</h1>
<p>${t.proposalsIntro}</p>
${page.items.length === 0 ? html`<p>${t.proposalsNone}</p>` : html`
<table class="list">
  <thead><tr><th scope="col">${t.colProposal}</th><th scope="col">${t.colStandard}</th><th scope="col">${t.colStatus}</th></tr></thead>
  <tbody>
  ${page.items.map((p) => html`<tr>
    <th scope="row"><a href="${locale.href(`/proposals/${p.number}`)}">${p.number}. ${locale.text(p.title)}</a></th>
    <td><code>${p.standard}</code> ${p.version}</td>
    <td>${statusBadge(p.status, t.proposalStatus[p.status]!)}</td></tr>`)}
  </tbody>
</table>`}
${paging(locale, '/proposals', page.nextCursor, cursor)}`;
}

export function proposalPage(locale: Locale, p: ProposalDetailResponse): Html {
  const { t } = locale;
  const compatibility = p.compatibility as { compatible?: boolean } | null;
  return html`
<p class="breadcrumb"><a href="${locale.href('/proposals')}">${t.proposalsTitle}</a></p>
<h1>${t.proposalTitle(p.number)}${t.colon}${locale.text(p.title)}</h1>
<p class="status-line">${statusBadge(p.status, t.proposalStatus[p.status]!)}</p>
${facts([
  [t.proposalKind, t.proposalKindName[p.kind]],
  [t.proposalStandard, html`<a href="${locale.href(`/standards/${p.standard}`)}"><code>${p.standard}</code></a> ${p.version}`],
  [t.proposalAuthors, p.authors.join(', ')],
  [t.proposalCompatibility, compatibility && typeof compatibility.compatible === 'boolean' ? (compatibility.compatible ? t.proposalCompatible : t.proposalIncompatible) : null],
  [t.proposalTally, p.tally ? t.tallyText(p.tally) : null],
  [t.proposalDecision, p.decision ? t.decisionText({ ...p.decision, outcome: t.decisionOutcome[p.decision.outcome] ?? p.decision.outcome }) : null],
])}
${logIndex(locale, p.journalIndex)}
<h2>${t.proposalReviews}</h2>
${p.reviews.length === 0 ? html`<p>${t.proposalNoReviews}</p>` : html`
<table class="list">
  <thead><tr><th scope="col">${t.colOrganisation}</th><th scope="col">${t.colVerdict}</th><th scope="col">${t.colComment}</th><th scope="col">${t.colDate}</th></tr></thead>
  <tbody>${p.reviews.map((r) => html`<tr><td>${r.organisation}</td><td>${t.verdict[r.verdict]}</td><td>${r.comment}</td><td>${locale.date(r.createdAt)}</td></tr>`)}</tbody>
</table>`}
<h2>${t.proposalVotes}</h2>
${p.votes.length === 0 ? html`<p>${t.proposalNoVotes}</p>` : html`
<table class="list">
  <thead><tr><th scope="col">${t.colOrganisation}</th><th scope="col">${t.colChoice}</th><th scope="col">${t.colDate}</th></tr></thead>
  <tbody>${p.votes.map((v) => html`<tr><td>${v.organisation}</td><td>${t.voteChoice[v.choice]}</td><td>${locale.date(v.updatedAt)}</td></tr>`)}</tbody>
</table>`}
<h2>${t.proposalText}</h2>
<pre class="proposal-text">${p.body}</pre>`;
}
