import { type Html, html } from '../html.js';
import type { Locale } from '../i18n.js';

/** What the frame of every page needs besides its content. */
export interface PageFrame {
  locale: Locale;
  title: string;
  /** The same page in the other language (path and query, lang swapped). */
  otherLanguageHref: string;
  demo: boolean;
  /** Which navigation entry is this page's, for aria-current. */
  section: 'home' | 'sources' | 'agreements' | 'privacy' | 'standards' | 'proposals' | 'log' | null;
  /** Module scripts of the register's own (served from /assets): only the map and the log check. */
  scripts?: string[];
  styles?: string[];
  /** Change feeds of what this page shows (a source's, a city's), offered before the whole registry's, which every page offers. */
  feeds?: FeedLink[];
}

/** An Atom change feed a page offers to feed readers. */
export interface FeedLink {
  title: string;
  href: string;
}

export function layout(frame: PageFrame, content: Html): Html {
  const { locale, section } = frame;
  const { t } = locale;
  const other = locale.lang === 'en' ? 'fr' : 'en';
  const nav: [PageFrame['section'], string, string][] = [
    ['home', '/', t.navHome],
    ['sources', '/sources', t.navSources],
    ['agreements', '/agreements', t.navAgreements],
    ['privacy', '/privacy-records', t.navPrivacy],
    ['standards', '/standards', t.navStandards],
    ['proposals', '/proposals', t.navProposals],
    ['log', '/log', t.navLog],
  ];
  return html`<!doctype html>
<html lang="${locale.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · ${t.siteName}</title>
<link rel="stylesheet" href="/assets/site.css">
${(frame.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
<link rel="alternate" hreflang="${other}" href="${frame.otherLanguageHref}">
<link rel="alternate" type="text/turtle" title="DCAT-AP catalogue" href="/catalog.ttl">
<link rel="alternate" type="application/ld+json" title="DCAT-AP catalogue" href="/catalog.jsonld">
${[...(frame.feeds ?? []), { title: t.feedRegistry, href: locale.href('/feeds/changes.atom') }].map((feed) => html`<link rel="alternate" type="application/atom+xml" title="${feed.title}" href="${feed.href}">`)}
</head>
<body>
<a class="skip-link" href="#main">${t.skipToContent}</a>
<header class="site-header">
  <div class="bar">
    <a class="brand" href="${locale.href('/')}">${t.siteName}</a>
    <a class="language" href="${frame.otherLanguageHref}" hreflang="${other}" lang="${other}" aria-label="${t.switchLanguageLabel}">${t.switchLanguage}</a>
  </div>
  <nav aria-label="${t.mainNavigation}">
    <ul>
      ${nav.map(([id, path, label]) => html`<li><a href="${locale.href(path)}"${id === section ? html` aria-current="page"` : ''}>${label}</a></li>`)}
    </ul>
  </nav>
</header>
${frame.demo ? html`<p class="demo-banner" role="note">${t.demoBanner}</p>` : ''}
<main id="main" tabindex="-1">
${content}
</main>
<footer class="site-footer">
  <p>${t.footerData} <a href="/docs">${t.footerApi}</a></p>
</footer>
${(frame.scripts ?? []).map((src) => html`<script type="module" src="${src}"></script>`)}
</body>
</html>
`;
}

/** A record's place in the transparency log, linked to the log page that shows and proves it. */
export function logIndex(locale: Locale, index: number | null): Html {
  if (index === null) return html``;
  return html`<p class="log-index">${locale.t.logIndex} <a href="${locale.href('/log', { index })}">${locale.t.logIndexLink(index)}</a></p>`;
}

/** Rows of label / value, as a description list. */
/** An option of a filter's select, selected when it is the value the page was asked for ('' when none). */
export function option(value: string, label: string, selected: string | undefined): Html {
  return html`<option value="${value}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
}

export function facts(rows: [string, Html | string | null | undefined][]): Html {
  return html`<dl class="facts">${rows.filter(([, value]) => value !== null && value !== undefined && value !== '').map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`)}</dl>`;
}

export function statusBadge(kind: string, label: string): Html {
  return html`<span class="badge badge-${kind}">${label}</span>`;
}
