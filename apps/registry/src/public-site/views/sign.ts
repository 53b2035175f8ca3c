import QRCode from 'qrcode';
import { Html, html } from '../html.js';
import { LANGS, Locale } from '../i18n.js';
import type { SignPaper } from '../public-site.dto.js';
import type { SignView } from '../public-site.service.js';
import { xmlText } from '../../kernel/text/xml-text.js';

/**
 * A source's sign, after Toronto's Digital Trust for Places and Routines (DTPR): purpose, technology, data,
 * accountable organisation, retention and access, with a QR code to learn more. Both languages on the one sign, as
 * Canadian signs are. Every line is a fact of the registry's data or says plainly that the registry holds none.
 */

/** One element of the sign in one language: its label and its sentences. */
export interface SignFact {
  label: string;
  lines: string[];
}

/** The sign in one language. */
export interface SignSide {
  lang: (typeof LANGS)[number];
  heading: string;
  name: string;
  /** Set unless the source is active: retired, planned or suspended, and since when. */
  status: string | null;
  facts: SignFact[];
  learnMore: string;
}

/** Long texts are cut on a sign, which must fit one page; the whole text is on the page the QR code leads to. */
const MAX_TEXT = 260;

function brief(text: string, max = MAX_TEXT): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

function side(locale: Locale, view: SignView): SignSide {
  const { t } = locale;
  const { source, owner, agreement, privacyRecord } = view;
  const list = (items: string[]) => new Intl.ListFormat(locale.lang === 'en' ? 'en-CA' : 'fr-CA', { type: 'conjunction' }).format(items);
  const status = source.status === 'active' ? null
    : source.status === 'retired' ? t.signRetired(locale.date(source.statusChangedAt))
      : t.signStatus(t.sourceStatus[source.status]!, locale.date(source.statusChangedAt));
  const version = agreement?.version;
  const vendors = version ? list(version.vendors.map((v) => locale.text(v.name))) : null;
  const retention = privacyRecord ? t.signRetentionRecord(locale.duration(privacyRecord.retention))
    : version ? t.signRetentionAgreement(locale.duration(version.retention)) : t.notStated;
  const contact = owner.privacyContact;
  return {
    lang: locale.lang,
    heading: t.signHeading,
    name: locale.text(source.name),
    status,
    facts: [
      { label: t.signPurpose, lines: [brief(locale.text(source.purpose))] },
      { label: t.signTechnology, lines: [`${t.technology[source.technology] ?? source.technology} (${t.sourceKind[source.kind]!.toLowerCase()})`] },
      { label: t.signData, lines: [brief(list(source.measures.map((m) => locale.text(m))))] },
      {
        label: t.signPersonal,
        lines: source.personalInformation
          ? [t.signPersonalYes, ...(privacyRecord ? [t.signPersonalElements(brief(list(privacyRecord.personalInformationElements.map((e) => locale.text(e)))))] : [])]
          : [t.signPersonalNo],
      },
      { label: t.signAccountable, lines: [t.signOwnedOperated(locale.text(source.owner.name), locale.text(source.operator.name))] },
      {
        label: t.signAgreement,
        lines: agreement && version
          ? [t.signAgreementIs(`${locale.text(version.city.name)} — ${vendors}`, version.number, locale.date(version.validUntil)), t.signReference(agreement.id)]
          : [t.signAgreementNone],
      },
      {
        label: t.signAssessment,
        lines: privacyRecord
          ? [t.signAssessmentIs(brief(locale.text(privacyRecord.title), 120), locale.date(privacyRecord.decidedAt ?? privacyRecord.updatedAt)), t.signReference(privacyRecord.id)]
          : [t.signAssessmentNone],
      },
      { label: t.signRetention, lines: [retention] },
      { label: t.signAccess, lines: version ? [t.signAccessVendors(vendors!), version.onwardSharing ? t.signOnwardYes : t.signOnwardNo] : [t.signAccessNone] },
      { label: t.signContact, lines: [locale.text(contact.name), contact.email, ...(contact.url && /^https?:\/\//.test(contact.url) ? [contact.url] : [])] },
    ],
    learnMore: t.signLearnMore,
  };
}

/** The sign's two sides, English then French. */
export function signSides(view: SignView): SignSide[] {
  return LANGS.map((lang) => side(new Locale(lang), view));
}

/** The source's public page, where the QR code leads: the page follows the phone's language. */
export function signTarget(publicUrl: string, sourceId: string): string {
  return `${publicUrl}/sources/${sourceId}`;
}

/** The QR code of an address, as an SVG element drawn by the qrcode library (paths only: no text from the record). */
export async function qrCode(url: string, width?: number): Promise<Html> {
  return new Html(await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, ...(width ? { width } : {}) }));
}

/** The sign as a page of the register: the tools on screen, the sign alone on paper (sign.css). */
export function signPage(locale: Locale, view: SignView, sides: SignSide[], paper: SignPaper, qr: Html, target: string): Html {
  const { t } = locale;
  const id = view.source.id;
  const paperLink = (value: SignPaper, label: string) => value === paper
    ? html`<li><a href="${locale.href(`/sources/${id}/sign`, { paper: value })}" aria-current="page">${label}</a></li>`
    : html`<li><a href="${locale.href(`/sources/${id}/sign`, { paper: value })}">${label}</a></li>`;
  return html`
<div class="sign-tools">
  <p class="breadcrumb"><a href="${locale.href(`/sources/${id}`)}">${t.signBack}</a></p>
  <h1>${t.signTitle(locale.text(view.source.name))}</h1>
  <p>${t.signIntro}</p>
  <nav aria-label="${t.signPaper}"><p>${t.signPaper}${t.colon}</p><ul class="inline">${paperLink('letter', t.signLetter)}${paperLink('a4', t.signA4)}</ul></nav>
  <p><a href="/sources/${id}/sign.svg?paper=${paper}" download>${t.signDownload} (${paper === 'a4' ? t.signA4 : t.signLetter})</a></p>
</div>
<article class="sign sign-${paper}" aria-label="${t.signTitle(locale.text(view.source.name))}">
  <header class="sign-header">${sides.map((s) => html`<p lang="${s.lang}">${s.heading}</p>`)}</header>
  ${sides[0]!.status ? html`<p class="sign-status">${sides.map((s) => html`<span lang="${s.lang}">${s.status}</span> `)}</p>` : ''}
  <div class="sign-columns">
    ${sides.map((s) => html`<section lang="${s.lang}" aria-labelledby="sign-${s.lang}">
      <h2 id="sign-${s.lang}">${s.name}</h2>
      <dl>${s.facts.map((f) => html`<div><dt>${f.label}</dt>${f.lines.map((line) => html`<dd>${line}</dd>`)}</div>`)}</dl>
    </section>`)}
  </div>
  <footer class="sign-footer">
    <div class="sign-qr" role="img" aria-label="${t.signQrLabel}">${qr}</div>
    <div>${sides.map((s) => html`<p lang="${s.lang}">${s.learnMore}</p>`)}<p class="sign-url">${target}</p></div>
  </footer>
</article>`;
}

/** Paper sizes in tenths of a millimetre: the SVG's user unit. */
const PAPER: Record<SignPaper, { width: number; height: number; css: [string, string] }> = {
  letter: { width: 2159, height: 2794, css: ['8.5in', '11in'] },
  a4: { width: 2100, height: 2970, css: ['210mm', '297mm'] },
};
const MARGIN = 120;
const GAP = 80;
const QR_SIZE = 420;
const BLUE = '#0b4f8a';
// An average glyph of a sans-serif face is about half its size wide: enough to wrap lines without measuring fonts.
const GLYPH = 0.53;

function wrap(text: string, size: number, width: number): string[] {
  const max = Math.max(8, Math.floor(width / (size * GLYPH)));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (next.length <= max) line = next;
    else {
      if (line) lines.push(line);
      // A word longer than the line (an address, a reference) is broken where it must be.
      let rest = word;
      while (rest.length > max) {
        lines.push(rest.slice(0, max));
        rest = rest.slice(max);
      }
      line = rest;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Text laid out from (x, y) down, each line a <text>; stops at `bottom`, the last line shown ending in an ellipsis. */
class Column {
  readonly parts: Html[] = [];
  private cut = false;

  constructor(private readonly x: number, public y: number, private readonly width: number, private readonly bottom: number) {}

  text(text: string, size: number, options: { bold?: boolean; colour?: string; after?: number } = {}): void {
    for (const line of wrap(text, size, this.width)) {
      if (this.cut) return;
      if (this.y + size > this.bottom) {
        this.cut = true;
        this.parts.push(html`<text x="${this.x}" y="${this.y}" font-size="${size}">…</text>`);
        return;
      }
      this.y += size;
      this.parts.push(html`<text x="${this.x}" y="${this.y}" font-size="${size}"${options.bold ? html` font-weight="bold"` : ''}${options.colour ? html` fill="${options.colour}"` : ''}>${line}</text>`);
      this.y += Math.round(size * 0.3);
    }
    this.y += options.after ?? 0;
  }
}

/**
 * The sign as an SVG document for print shops and other tools: the same sides as the page, real text (wrapped here,
 * since SVG does not wrap), the QR code drawn by the qrcode library, every record text escaped by the `html` tag.
 */
export async function signSvg(sides: SignSide[], paper: SignPaper, target: string): Promise<string> {
  const { width, height, css } = PAPER[paper];
  const inner = width - 2 * MARGIN;
  const columnWidth = (inner - GAP) / 2;
  const header = 230;
  let top = MARGIN + header + 40;
  const banner = sides[0]!.status
    ? html`<rect x="${MARGIN}" y="${top}" width="${inner}" height="110" fill="#8a1c1c"/>${sides.map((s, i) => html`<text xml:lang="${s.lang}" x="${MARGIN + 30}" y="${top + 45 + i * 45}" font-size="34" font-weight="bold" fill="#ffffff">${s.status}</text>`)}`
    : '';
  if (banner) top += 150;
  const bottom = height - MARGIN - QR_SIZE - 60;
  const columns = sides.map((s, i) => {
    const column = new Column(MARGIN + i * (columnWidth + GAP), top, columnWidth, bottom);
    column.text(s.name, 42, { bold: true, after: 24 });
    for (const fact of s.facts) {
      column.text(fact.label, 30, { bold: true, colour: BLUE });
      for (const line of fact.lines) column.text(line, 28);
      column.y += 18;
    }
    return html`<g xml:lang="${s.lang}">${column.parts}</g>`;
  });
  const qrTop = height - MARGIN - QR_SIZE;
  const learn = new Column(MARGIN + QR_SIZE + 50, qrTop + 60, inner - QR_SIZE - 50, height - MARGIN);
  for (const s of sides) learn.text(s.learnMore, 32, { after: 10 });
  learn.text(target, 32, { bold: true, colour: BLUE });
  const title = sides.map((s) => `${s.heading} — ${s.name}`).join(' / ');
  const svg = html`<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${css[0]}" height="${css[1]}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" fill="#1a1a1a">
<title>${title}</title>
<rect width="${width}" height="${height}" fill="#ffffff"/>
<rect x="${MARGIN}" y="${MARGIN}" width="${inner}" height="${header}" rx="24" fill="${BLUE}"/>
${sides.map((s, i) => html`<text xml:lang="${s.lang}" x="${MARGIN + 50}" y="${MARGIN + 95 + i * 90}" font-size="${i === 0 ? 72 : 60}" font-weight="bold" fill="#ffffff">${s.heading}</text>`)}
${banner}
${columns}
<g transform="translate(${MARGIN} ${qrTop})">${await qrCode(target, QR_SIZE)}</g>
${learn.parts}
</svg>
`;
  // Only the records' texts can hold what XML cannot carry (stored before text for people refused it).
  return xmlText(svg.markup);
}
