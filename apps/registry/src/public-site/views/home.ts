import { type Html, html } from '../html.js';
import type { Locale } from '../i18n.js';
import type { Count, HomeView } from '../public-site.service.js';

export function homePage(locale: Locale, view: HomeView): Html {
  const { t } = locale;
  const counted = (count: Count, words: (n: number) => string) => (count.atLeast ? t.atLeast(words(count.n)) : words(count.n));
  const counts: [string, string][] = [
    ['/sources', counted(view.sources, t.countSources)],
    ['/agreements', counted(view.agreements, t.countAgreements)],
    ['/privacy-records', counted(view.privacyRecords, t.countPrivacy)],
    ['/standards', counted(view.standards, t.countStandards)],
    ['/proposals', counted(view.proposals, t.countProposals)],
    ['/log', t.countLog(view.logSize)],
  ];
  return html`
<h1>${t.homeTitle}</h1>
<p class="lead">${t.homeIntro}</p>
<p>${t.homeTrust}</p>
<section aria-labelledby="counts">
  <h2 id="counts">${t.homeCounts}</h2>
  <p class="organisations">${counted(view.cities, t.countCities)} · ${counted(view.vendors, t.countVendors)}</p>
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
