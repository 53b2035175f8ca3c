import { parseFeed } from '@rowanmanning/feed-parser';
import { writeAtom } from './atom.js';

const feed = (title: string) =>
  writeAtom({
    id: 'tag:plaza.example,2026-03-04:feeds/changes', lang: 'fr', title: 'Changements', subtitle: 'Tout', updated: new Date('2026-03-04T05:06:07Z'),
    author: { name: 'Opérateur', uri: 'https://plaza.example' }, links: [{ rel: 'self', href: 'https://plaza.example/feeds/changes.atom?a=1&lang=fr' }],
    entries: [{ id: 'tag:plaza.example,2026-03-04:journal/7', title, updated: new Date('2026-03-04T05:06:07Z'), summary: 'Entrée 7', category: 'source', links: [] }],
  });

describe('the Atom writer', () => {
  it('keeps a name that looks like markup as text, and URLs as they are', () => {
    const parsed = parseFeed(feed('Montréal a enregistré la source « <script>alert(1)</script> & co »'));
    expect(parsed.items[0]!.title).toBe('Montréal a enregistré la source « <script>alert(1)</script> & co »');
    expect(parsed.language).toBe('fr');
    expect(parsed.self).toBe('https://plaza.example/feeds/changes.atom?a=1&lang=fr');
  });

  it('writes a character XML cannot carry (a control character, U+FFFF) as U+FFFD: the feed still parses', () => {
    expect(parseFeed(feed('a \u0001 b \uFFFF c')).items[0]!.title).toBe('a \uFFFD b \uFFFD c');
  });
});
