import { SOURCE_COLUMNS, sourcesCsv } from './sources-csv.js';

/** The CSV text of one row (only the columns given; the others are empty), without its header. */
async function row(values: Record<string, unknown>): Promise<string> {
  const out = sourcesCsv();
  const chunks: string[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  out.end(values);
  await new Promise((resolve) => out.on('end', resolve));
  const [header, line] = chunks.join('').split('\n');
  expect(header).toBe(SOURCE_COLUMNS.join(','));
  return line!;
}

/** The row whose name_en cell is written `cell` and every other is empty. */
const withName = (cell: string) => `${','.repeat(SOURCE_COLUMNS.indexOf('name_en'))}${cell}${','.repeat(SOURCE_COLUMNS.length - 1 - SOURCE_COLUMNS.indexOf('name_en'))}`;

describe('sources.csv', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['+1+2', `'+1+2`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1:A2)', `'@SUM(A1:A2)`],
    ['\t=1+1', `'\t=1+1`],
    ['\r=1+1', `"'\r=1+1"`],
    ['＝1+1', `'＝1+1`],
  ])('escapes a text cell a spreadsheet would run as a formula: %j', async (name, written) => {
    expect(await row({ name_en: name })).toBe(withName(written));
  });

  it('leaves other texts as they are, quoted only where CSV needs it', async () => {
    expect(await row({ name_en: 'Pont "Jacques-Cartier", voie 2' })).toBe(withName('"Pont ""Jacques-Cartier"", voie 2"'));
    expect(await row({ name_en: 'a = b' })).toBe(withName('a = b'));
  });

  it('writes numbers with their sign and booleans as true and false', async () => {
    expect(await row({ journal_index: -3, personal_information: false })).toMatch(/^,-3,(,*)false,/);
  });
});
