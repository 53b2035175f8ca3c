import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROPOSALS_DIR, STANDARDS_DIR } from '../test-support/paths.js';
import { FolderError } from './folder-error.js';
import { loadProposalsFolder, parseProposal, type ProposalDescriptor } from './proposals-folder.js';
import { loadStandardsFolder } from './standards-folder.js';

function proposal(frontMatter: string, body = '## Motivation\n\nBecause.\n'): string {
  return `---\n${frontMatter.trim()}\n---\n${body}`;
}

const ACCEPTED = `
number: 12
title: {en: Noise 1.2.0, fr: Bruit 1.2.0}
status: accepted
authors: [quebec, "Ville de Montréal"]
standard: noise-level-observation
version: "1.2.0"
kind: new-version
decided: 2026-11-02
`;

function problemsOf(text: string, file = '0012-noise.md'): string[] {
  const result = parseProposal(text, file);
  if (!('problems' in result)) throw new Error('parsed');
  return result.problems;
}

describe('the shipped proposals', () => {
  it('parse, numbered from 1 without gaps', async () => {
    const proposals = await loadProposalsFolder(PROPOSALS_DIR);
    expect(proposals.map((p) => p.number)).toEqual(proposals.map((_, i) => i + 1));
    for (const p of proposals) {
      expect(p.file).toBe(`${String(p.number).padStart(4, '0')}-${p.slug}.md`);
      expect(p.body).toMatch(/## Motivation[\s\S]*## Change[\s\S]*## Compatibility/);
    }
  });

  it('include the accepted proposal that introduced every shipped version', async () => {
    const proposals = await loadProposalsFolder(PROPOSALS_DIR);
    const standards = await loadStandardsFolder(STANDARDS_DIR);
    for (const standard of standards) {
      for (const [index, version] of standard.versions.entries()) {
        const found = proposals.filter((p) => p.standard === standard.id && p.version === version.version);
        expect(found).toHaveLength(1);
        expect(found[0]).toMatchObject({ status: 'accepted', kind: index === 0 ? 'new-standard' : 'new-version' });
        expect(found[0]!.decided).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }
    expect(proposals.every((p) => standards.some((s) => s.id === p.standard))).toBe(true);
  });
});

describe('parseProposal', () => {
  it('refuses a title that is not in both English and French', () => {
    expect(problemsOf(proposal(ACCEPTED.replace('title: {en: Noise 1.2.0, fr: Bruit 1.2.0}', 'title: Noise 1.2.0')))).toEqual([
      expect.stringContaining('"title" must have exactly an English ("en") and a French ("fr") text'),
    ]);
  });

  it('reads the front matter and the text', () => {
    expect(parseProposal(proposal(ACCEPTED), '0012-noise.md')).toEqual<ProposalDescriptor>({
      number: 12,
      slug: 'noise',
      title: { en: 'Noise 1.2.0', fr: 'Bruit 1.2.0' },
      status: 'accepted',
      authors: ['quebec', 'Ville de Montréal'],
      standard: 'noise-level-observation',
      version: '1.2.0',
      kind: 'new-version',
      decided: '2026-11-02',
      body: '## Motivation\n\nBecause.\n',
      file: '0012-noise.md',
    });
  });

  it('accepts a draft without a decision date', () => {
    const draft = ACCEPTED.replace('status: accepted', 'status: draft').replace(/decided: .*/, '');
    const result = parseProposal(proposal(draft), '0012-noise.md');
    expect(result).toMatchObject({ status: 'draft' });
    expect(result).not.toHaveProperty('decided');
  });

  it.each([
    ['a file name without a number', ACCEPTED, 'noise.md', 'a proposal file is named NNNN-slug.md'],
    ['a number that contradicts the file name', ACCEPTED, '0013-noise.md', '"number" is 12 but the file name says 13'],
    ['an e-mail address as author', ACCEPTED.replace('quebec', 'jane@quebec.example'), undefined, 'never e-mail addresses'],
    ['no authors', ACCEPTED.replace(/authors: .*/, 'authors: []'), undefined, '"authors" must be a non-empty list'],
    ['an unknown status', ACCEPTED.replace('status: accepted', 'status: approved'), undefined, '"status" must be one of'],
    ['an unknown kind', ACCEPTED.replace('kind: new-version', 'kind: patch'), undefined, '"kind" must be one of'],
    ['an accepted proposal without a decision date', ACCEPTED.replace(/decided: .*/, ''), undefined, '"decided" is required'],
    ['a decision date on a proposal under review', ACCEPTED.replace('status: accepted', 'status: review'), undefined, '"decided" must be absent'],
    ['an impossible date', ACCEPTED.replace(/decided: .*/, 'decided: "2026-02-30"'), undefined, '"decided" must be a date'],
    ['a version YAML reads as a number', ACCEPTED.replace('"1.2.0"', '1.2'), undefined, '"version" must be a MAJOR.MINOR.PATCH version'],
    ['a bad standard id', ACCEPTED.replace('noise-level-observation', 'Noise Level'), undefined, '"standard" must be a standard id'],
    ['an unknown key', `${ACCEPTED}\nvotes: 3`, undefined, 'unexpected front matter key "votes"'],
  ])('refuses %s', (_label, frontMatter, file, expected) => {
    expect(problemsOf(proposal(frontMatter), file)).toEqual([expect.stringContaining(expected)]);
  });

  it('refuses a proposal without text', () => {
    expect(problemsOf(proposal(ACCEPTED, '\n'))).toEqual(['the proposal has no text after its front matter']);
  });

  it('refuses front matter that is missing, not YAML, or in another language, without evaluating it', () => {
    expect(problemsOf('# Just a title\n')).toEqual([expect.stringContaining('must start with YAML front matter')]);
    expect(problemsOf('---\nnumber: [1\n---\ntext\n')).toEqual([expect.stringContaining('not valid YAML')]);
    const script = '---js\n{ number: (globalThis.plazaProposalEvaluated = 12) }\n---\ntext\n';
    expect(problemsOf(script)).toEqual([expect.stringContaining('must start with YAML front matter')]);
    expect((globalThis as Record<string, unknown>).plazaProposalEvaluated).toBeUndefined();
  });
});

describe('loadProposalsFolder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plaza-proposals-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses two files with the same number and names each bad file', async () => {
    await writeFile(join(dir, '0012-noise.md'), proposal(ACCEPTED));
    await writeFile(join(dir, '0012-noise-again.md'), proposal(ACCEPTED));
    await writeFile(join(dir, '0013-broken.md'), 'no front matter');
    await writeFile(join(dir, 'README.md'), '# ignored');
    const error = await loadProposalsFolder(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FolderError);
    expect((error as FolderError).problems).toEqual([
      { file: '0012-noise.md', message: 'number 12 is also used by 0012-noise-again.md' },
      { file: '0013-broken.md', message: expect.stringContaining('must start with YAML front matter') },
    ]);
  });
});
