import type { SignView } from '../public-site.service.js';
import { signSides, signSvg } from './sign.js';

const text = (en: string, fr = en) => ({ en, fr });

/** A source with every text as long as the registry accepts: the sign must still hold on one page. */
function longView(): SignView {
  const long = text('word '.repeat(800).trim(), 'mot '.repeat(1000).trim());
  return {
    source: {
      id: '59a8dc22-4714-4b44-894b-4aaa392bf530', name: text('N'.repeat(200)), purpose: long, technology: 'camera', kind: 'sensor',
      measures: Array.from({ length: 30 }, (_, i) => text(`measure ${i} `.repeat(15))), personalInformation: true, status: 'retired', statusChangedAt: '2026-12-01T00:00:00Z',
      owner: { slug: 'city', name: text('City') }, operator: { slug: 'city', name: text('City') },
    },
    owner: { privacyContact: { name: text('Privacy office'), email: 'privacy@city.example' } },
    agreement: null,
    privacyRecord: null,
  } as unknown as SignView;
}

describe('a source’s sign', () => {
  it('cuts a long text on the sign, says what the registry does not hold, and that a retired source is retired', () => {
    const [en, fr] = signSides(longView());
    const purpose = en!.facts.find((f) => f.label === 'Why')!.lines[0]!;
    expect(purpose.length).toBeLessThanOrEqual(261);
    expect(purpose.endsWith('…')).toBe(true);
    expect(en!.facts.find((f) => f.label === 'Data-sharing agreement')!.lines).toEqual(['None in force in the register.']);
    expect(en!.facts.find((f) => f.label === 'How long data is kept')!.lines).toEqual(['Not stated.']);
    expect(en!.status).toMatch(/^Retired on December 1, 2026/);
    expect(fr!.facts.find((f) => f.label === 'Durée de conservation des données')!.lines).toEqual(['Non précisé.']);
    expect(en!.facts.find((f) => f.label === 'Who is accountable')!.lines).toEqual(['Owned and operated by City.']);
  });

  it('keeps every line of the SVG within the page and above the QR code, however long the texts', async () => {
    for (const [paper, height] of [['letter', 2794], ['a4', 2970]] as const) {
      const svg = await signSvg(signSides(longView()), paper, 'https://register.example/sources/59a8dc22-4714-4b44-894b-4aaa392bf530');
      const qrTop = Number(/<g transform="translate\(120 (\d+)\)">/.exec(svg)![1]);
      const columns = [...svg.matchAll(/<g xml:lang="(?:en|fr)">([\s\S]*?)<\/g>/g)].map((m) => m[1]!);
      expect(columns).toHaveLength(2);
      for (const column of columns) {
        const ys = [...column.matchAll(/<text x="[\d.]+" y="(\d+)"/g)].map((m) => Number(m[1]));
        expect(Math.max(...ys)).toBeLessThan(qrTop);
      }
      expect(Math.max(...[...svg.matchAll(/ y="(\d+)"/g)].map((m) => Number(m[1])))).toBeLessThan(height);
    }
  });

  it('writes a name stored with a character XML cannot carry (U+FFFF) as U+FFFD: the SVG stays well-formed', async () => {
    const view = longView();
    (view.source as { name: { en: string; fr: string } }).name = text('Capteur \uFFFF nord');
    const svg = await signSvg(signSides(view), 'letter', 'https://register.example/sources/59a8dc22-4714-4b44-894b-4aaa392bf530');
    expect(svg).not.toContain('\uFFFF');
    expect(svg).toContain('Capteur \uFFFD nord');
  });
});
