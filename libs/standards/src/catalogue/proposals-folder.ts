import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import matter from 'gray-matter';
import { isReleaseVersion, isStandardId } from '../canonical-uri.js';
import { FolderError, type FolderProblem } from './folder-error.js';

export const PROPOSAL_STATUSES = ['draft', 'review', 'voting', 'accepted', 'rejected', 'withdrawn'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export const PROPOSAL_KINDS = ['new-standard', 'new-version', 'deprecation'] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];

/** A proposal file: its front matter, checked, and its Markdown text. */
export interface ProposalDescriptor {
  number: number;
  /** The file name's slug: `0003-parking-occupancy` has the slug `parking-occupancy`. */
  slug: string;
  /** In English and French, like every text Plaza shows people. */
  title: { en: string; fr: string };
  status: ProposalStatus;
  /** Organisations (slugs or names) that wrote it; never personal e-mail addresses. */
  authors: string[];
  standard: string;
  /** The version introduced (new-standard, new-version) or deprecated (deprecation). */
  version: string;
  kind: ProposalKind;
  /** `YYYY-MM-DD`; present exactly when the status is accepted, rejected or withdrawn. */
  decided?: string;
  /** The Markdown text after the front matter. */
  body: string;
  /** The file name, relative to the proposals folder. */
  file: string;
}

const FILE_PATTERN = /^(\d{4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$/;
const FRONT_MATTER_KEYS = ['number', 'title', 'status', 'authors', 'standard', 'version', 'kind', 'decided'];
const DECIDED_STATUSES: readonly ProposalStatus[] = ['accepted', 'rejected', 'withdrawn'];

const refuseEngine = (): never => {
  throw new Error('only YAML front matter is allowed');
};

/**
 * Parses one proposal file's text. `fileName` must be `NNNN-slug.md` and agree with the front
 * matter's `number`. Returns the problems instead when there are any.
 *
 * The front matter must be YAML opened by a bare `---` line: gray-matter would otherwise pick an
 * engine from the opening line, and its JavaScript engine evaluates the text.
 */
export function parseProposal(text: string, fileName: string): ProposalDescriptor | { problems: string[] } {
  const problems: string[] = [];
  const name = FILE_PATTERN.exec(fileName);
  if (!name) problems.push('a proposal file is named NNNN-slug.md (four digits, then lowercase words separated by hyphens)');

  if (!/^---\r?\n/.test(text)) return { problems: [...problems, 'the file must start with YAML front matter opened by a "---" line'] };
  let data: Record<string, unknown>;
  let body: string;
  try {
    const parsed = matter(text, {
      language: 'yaml',
      engines: { javascript: refuseEngine, js: refuseEngine, coffee: refuseEngine, coffeescript: refuseEngine, cson: refuseEngine },
    });
    data = parsed.data as Record<string, unknown>;
    body = parsed.content;
  } catch (error) {
    return { problems: [...problems, `the front matter is not valid YAML (${(error as Error).message.split('\n')[0]})`] };
  }

  for (const key of Object.keys(data)) if (!FRONT_MATTER_KEYS.includes(key)) problems.push(`unexpected front matter key "${key}"`);
  const { number, title, status, authors, standard, version, kind } = data;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 9999) {
    problems.push('"number" must be an integer from 1 to 9999');
  } else if (name && Number(name[1]) !== number) {
    problems.push(`"number" is ${number} but the file name says ${Number(name[1])}`);
  }
  const bilingual = title as { en?: unknown; fr?: unknown } | null;
  const isText = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  if (typeof bilingual !== 'object' || bilingual === null || !isText(bilingual.en) || !isText(bilingual.fr) || Object.keys(bilingual).length !== 2) {
    problems.push('"title" must have exactly an English ("en") and a French ("fr") text');
  }
  if (!PROPOSAL_STATUSES.includes(status as ProposalStatus)) problems.push(`"status" must be one of ${PROPOSAL_STATUSES.join(', ')}`);
  if (!Array.isArray(authors) || authors.length === 0 || !authors.every((a) => typeof a === 'string' && a.trim() !== '')) {
    problems.push('"authors" must be a non-empty list of organisations');
  } else if (authors.some((a) => (a as string).includes('@'))) {
    problems.push('"authors" names organisations (slugs or names), never e-mail addresses');
  }
  if (typeof standard !== 'string' || !isStandardId(standard)) problems.push('"standard" must be a standard id');
  if (typeof version !== 'string' || !isReleaseVersion(version)) problems.push('"version" must be a MAJOR.MINOR.PATCH version (quote it in YAML)');
  if (!PROPOSAL_KINDS.includes(kind as ProposalKind)) problems.push(`"kind" must be one of ${PROPOSAL_KINDS.join(', ')}`);
  const decided = readDate(data.decided);
  if (data.decided !== undefined && decided === null) problems.push('"decided" must be a date written YYYY-MM-DD');
  const needsDecision = DECIDED_STATUSES.includes(status as ProposalStatus);
  if (needsDecision && data.decided === undefined) problems.push(`"decided" is required when the status is ${String(status)}`);
  if (!needsDecision && data.decided !== undefined && PROPOSAL_STATUSES.includes(status as ProposalStatus)) {
    problems.push(`"decided" must be absent while the status is ${String(status)}`);
  }
  if (body.trim() === '') problems.push('the proposal has no text after its front matter');

  if (problems.length > 0) return { problems };
  const proposal: ProposalDescriptor = {
    number: number as number,
    slug: name![2]!,
    title: { en: (bilingual!.en as string).trim(), fr: (bilingual!.fr as string).trim() },
    status: status as ProposalStatus,
    authors: (authors as string[]).map((a) => a.trim()),
    standard: standard as string,
    version: version as string,
    kind: kind as ProposalKind,
    body,
    file: fileName,
  };
  if (decided) proposal.decided = decided;
  return proposal;
}

/**
 * Reads every `NNNN-slug.md` of a proposals folder (README.md is skipped), sorted by number.
 * Numbers must be unique. All problems are thrown together as one {@link FolderError}.
 */
export async function loadProposalsFolder(dir: string): Promise<ProposalDescriptor[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw new FolderError(dir, [{ file: '.', message: `cannot read the folder (${(error as Error).message})` }]);
  }
  const problems: FolderProblem[] = [];
  const proposals: ProposalDescriptor[] = [];
  const numbers = new Map<number, string>();
  for (const name of names) {
    if (name === 'README.md') continue;
    const text = await readFile(join(dir, name), 'utf8').catch((error: Error) => {
      problems.push({ file: name, message: `cannot be read (${error.message})` });
      return null;
    });
    if (text === null) continue;
    const result = parseProposal(text, name);
    if ('problems' in result) {
      for (const message of result.problems) problems.push({ file: name, message });
      continue;
    }
    const other = numbers.get(result.number);
    if (other) problems.push({ file: name, message: `number ${result.number} is also used by ${other}` });
    numbers.set(result.number, name);
    proposals.push(result);
  }
  if (problems.length > 0) throw new FolderError(dir, problems);
  return proposals.sort((a, b) => a.number - b.number);
}

/** YAML reads an unquoted 2026-01-31 as a Date (UTC midnight); accept that or the same text. */
function readDate(value: unknown): string | null {
  let text: string | null = null;
  if (value instanceof Date && !Number.isNaN(value.getTime())) text = value.toISOString().slice(0, 10);
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) text = value;
  if (text === null) return null;
  const check = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(check.getTime()) && check.toISOString().slice(0, 10) === text ? text : null;
}
