import { type Html, html } from '../html.js';
import type { Locale } from '../i18n.js';
import type { HomeView } from '../public-site.service.js';

export function homePage(locale: Locale, view: HomeView): Html {
  const { t } = locale;
  const counts: [string, string][] = [
    ['/sources', t.countSources(view.sources)],
    ['/agreements', t.countAgreements(view.agreements)],
    ['/privacy-records', t.countPrivacy(view.privacyRecords)],
    ['/standards', t.countStandards(view.standards)],
    ['/proposals', t.countProposals(view.proposals)],
    ['/log', t.countLog(view.logSize)],
  ];
  return html`
<h1>${t.homeTitle}</h1>
<p class="lead">${t.homeIntro}</p>
<p>${t.homeTrust}</p>
<section aria-labelledby="counts">
  <h2 id="counts">${t.homeCounts}</h2>
  <p class="organisations">${t.countCities(view.cities)} · ${t.countVendors(view.vendors)}</p>
  <ul class="counts">
    ${counts.map(([path, text]) => html`<li><a href="${locale.href(path)}">${text}</a></li>`)}
  </ul>
</section>
<section aria-labelledby="start">
  <h2 id="start">${t.homeStart}</h2>
  <ul class="start">
    <li><a href="${locale.href('/sources')}">${t.homeStartSources}</a></li>
    <li><a href="${locale.href('/agreements')}">${t.homeStartAgreements}</a></li>
    <li><a href="${locale.href('/log')}">${t.homeStartLog}</a></li>
  </ul>
</section>`;
}
