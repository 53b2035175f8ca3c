import { create } from 'xmlbuilder2';
import { xmlText } from '../kernel/text/xml-text.js';

const ATOM = 'http://www.w3.org/2005/Atom';
const XML = 'http://www.w3.org/XML/1998/namespace';

export interface AtomLink {
  rel: 'self' | 'alternate' | 'first' | 'next' | 'related';
  href: string;
  type?: string;
  title?: string;
}

export interface AtomEntry {
  id: string;
  title: string;
  updated: Date;
  summary: string;
  category: string;
  links: AtomLink[];
}

export interface AtomFeed {
  id: string;
  lang: string;
  title: string;
  subtitle: string;
  updated: Date;
  author: { name: string; uri: string };
  links: AtomLink[];
  entries: AtomEntry[];
}

/**
 * An Atom 1.0 document (RFC 4287), with the paging links of RFC 5005. Every text is plain text, escaped by the XML
 * writer: a record's name is never read as markup, and a character XML cannot carry becomes U+FFFD.
 */
export function writeAtom(feed: AtomFeed): string {
  const root = create({ version: '1.0', encoding: 'utf-8' }).ele(ATOM, 'feed').att(XML, 'xml:lang', feed.lang);
  root.ele('id').txt(feed.id);
  root.ele('title').txt(xmlText(feed.title));
  root.ele('subtitle').txt(xmlText(feed.subtitle));
  root.ele('updated').txt(feed.updated.toISOString());
  root.ele('author').ele('name').txt(xmlText(feed.author.name)).up().ele('uri').txt(feed.author.uri);
  root.ele('generator').txt('Plaza');
  for (const link of feed.links) root.ele('link', attributes(link));
  for (const entry of feed.entries) {
    const element = root.ele('entry');
    element.ele('id').txt(entry.id);
    element.ele('title', { type: 'text' }).txt(xmlText(entry.title));
    element.ele('updated').txt(entry.updated.toISOString());
    for (const link of entry.links) element.ele('link', attributes(link));
    element.ele('category', { term: entry.category });
    element.ele('summary', { type: 'text' }).txt(xmlText(entry.summary));
  }
  return root.end({ prettyPrint: true, wellFormed: true });
}

function attributes(link: AtomLink): Record<string, string> {
  return { rel: link.rel, href: link.href, ...(link.type ? { type: link.type } : {}), ...(link.title ? { title: xmlText(link.title) } : {}) };
}
