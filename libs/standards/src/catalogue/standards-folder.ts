import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { canonicalJson, findDuplicateMember } from '#plaza/json';
import { canonicalSchemaPath, canonicalSchemaUri, isReleaseVersion, isStandardId } from '../canonical-uri.js';
import { checkStandardSchemaIdentity } from '../standard-schema.js';
import { FolderError, type FolderProblem } from './folder-error.js';

/** A text in both of Plaza's languages. */
export interface LocalizedText {
  en: string;
  fr: string;
}

/** The contents of `standards/<id>/standard.json`. */
export interface StandardMetadata {
  id: string;
  title: LocalizedText;
  description: LocalizedText;
  /** The CloudEvents `type` of events that carry this standard's data. */
  type: string;
  /** SPDX licence identifier of the standard's text and schemas. */
  licence: string;
}

/** A standard as found in the folder, with its versions in ascending semver order. */
export interface StandardDescriptor extends StandardMetadata {
  /** Path of standard.json, relative to the standards folder. */
  file: string;
  versions: StandardVersionDescriptor[];
}

/** An example beside a version: `examples/valid-<name>.json` or `examples/invalid-<name>.json`. */
export interface ExampleDescriptor {
  /** The file name without `valid-`/`invalid-` and `.json`. */
  name: string;
  expected: 'valid' | 'invalid';
  /** Path relative to the standards folder. */
  file: string;
  data: unknown;
}

/** One version of a standard: its schema and examples. */
export interface StandardVersionDescriptor {
  standardId: string;
  version: string;
  /** The schema's `$id` (see CANONICAL_SCHEMA_BASE). */
  schemaUri: string;
  /** The path every registry serves the schema at. */
  schemaPath: string;
  schema: Record<string, unknown>;
  /** `sha256:<hex>` of the schema's RFC 8785 canonical JSON: compare it to detect a changed published version. */
  digest: string;
  /** Path of schema.json, relative to the standards folder. */
  file: string;
  /** Sorted by file name. */
  examples: ExampleDescriptor[];
}

export interface LoadStandardsOptions {
  /** Require at least one valid and one invalid example beside each version (default true). */
  requireExamples?: boolean;
}

const STANDARD_KEYS = ['id', 'title', 'description', 'type', 'licence'];
/** A CloudEvents type in reverse-DNS style, e.g. `org.plaza.air-quality-observation`. */
const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+$/;
/** An SPDX licence identifier (or a simple expression of them). */
const LICENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.+-]*(?: (?:AND|OR|WITH) [A-Za-z0-9][A-Za-z0-9.+-]*)*$/;
const EXAMPLE_PATTERN = /^(valid|invalid)-([a-z0-9][a-z0-9._-]*)\.json$/;
/** Files tolerated beside the structure (documentation). */
const IGNORED_FILES = new Set(['README.md']);

/** `sha256:<hex>` of the canonical JSON of a schema: the identity of a published version's content. */
export function schemaDigest(schema: unknown): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(schema), 'utf8').digest('hex');
}

/** How Plaza writes JSON files: two-space indentation and a final newline. */
export function formatJsonFile(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/**
 * Reads and checks a `standards/` folder:
 * `<id>/standard.json` ({@link StandardMetadata}, `id` equal to the folder name, no other members,
 * English and French texts, a unique CloudEvents type) and `<id>/<MAJOR.MINOR.PATCH>/schema.json`
 * (`$schema` 2020-12, `$id` the canonical URI of that id and version, root type object) with
 * `examples/valid-*.json` and `examples/invalid-*.json`. JSON files with duplicate member names are
 * refused. Every problem in the folder is collected and thrown together as one {@link FolderError},
 * each naming its file. Schemas are not compiled here: add them to a `SchemaValidator` for that.
 */
export async function loadStandardsFolder(dir: string, options: LoadStandardsOptions = {}): Promise<StandardDescriptor[]> {
  const requireExamples = options.requireExamples ?? true;
  const problems: FolderProblem[] = [];
  const standards: StandardDescriptor[] = [];

  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch (error) {
    throw new FolderError(dir, [{ file: '.', message: `cannot read the folder (${(error as Error).message})` }]);
  }

  for (const name of entries) {
    if (IGNORED_FILES.has(name)) continue;
    if (!(await isDirectory(join(dir, name)))) {
      problems.push({ file: name, message: 'unexpected file: the folder holds one folder per standard' });
      continue;
    }
    if (!isStandardId(name)) {
      problems.push({ file: name, message: 'not a standard id (lowercase words separated by hyphens, 3 to 64 characters)' });
      continue;
    }
    const standard = await loadStandard(dir, name, requireExamples, problems);
    if (standard) standards.push(standard);
  }

  const byType = new Map<string, string>();
  for (const standard of standards) {
    const other = byType.get(standard.type);
    if (other) problems.push({ file: standard.file, message: `the type "${standard.type}" is already used by ${other}` });
    else byType.set(standard.type, standard.id);
  }

  if (problems.length > 0) throw new FolderError(dir, problems);
  return standards;
}

async function loadStandard(
  root: string,
  id: string,
  requireExamples: boolean,
  problems: FolderProblem[],
): Promise<StandardDescriptor | null> {
  const file = `${id}/standard.json`;
  const before = problems.length;
  const metadata = await readJson(root, file, problems);
  if (metadata !== undefined) checkMetadata(metadata, id, file, problems);

  const versions: StandardVersionDescriptor[] = [];
  for (const name of (await readdir(join(root, id))).sort()) {
    if (name === 'standard.json' || IGNORED_FILES.has(name)) continue;
    const relative = `${id}/${name}`;
    if (!(await isDirectory(join(root, relative)))) {
      problems.push({ file: relative, message: 'unexpected file: a standard holds standard.json and one folder per version' });
    } else if (!isReleaseVersion(name)) {
      problems.push({ file: relative, message: 'a version folder must be named MAJOR.MINOR.PATCH (semantic version, no pre-release)' });
    } else {
      const version = await loadVersion(root, id, name, requireExamples, problems);
      if (version) versions.push(version);
    }
  }
  if (versions.length === 0 && problems.length === before) problems.push({ file: id, message: 'the standard has no version' });
  if (problems.length > before) return null;

  versions.sort((a, b) => semver.compare(a.version, b.version));
  const { title, description, type, licence } = metadata as StandardMetadata;
  return { id, title, description, type, licence, file, versions };
}

function checkMetadata(value: unknown, folderId: string, file: string, problems: FolderProblem[]): void {
  const report = (message: string): void => void problems.push({ file, message });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return report('must be a JSON object');
  const doc = value as Record<string, unknown>;
  for (const key of Object.keys(doc)) if (!STANDARD_KEYS.includes(key)) report(`unexpected member "${key}"`);
  if (doc.id !== folderId) report(`"id" must be "${folderId}", the name of its folder`);
  for (const key of ['title', 'description'] as const) {
    const text = doc[key] as Record<string, unknown> | undefined;
    if (typeof text !== 'object' || text === null || Array.isArray(text)) {
      report(`"${key}" must be an object with "en" and "fr" texts`);
      continue;
    }
    for (const lang of ['en', 'fr']) {
      if (typeof text[lang] !== 'string' || (text[lang] as string).trim() === '') report(`"${key}.${lang}" must be a non-empty text`);
    }
    for (const lang of Object.keys(text)) if (lang !== 'en' && lang !== 'fr') report(`"${key}" has an unexpected language "${lang}"`);
  }
  if (typeof doc.type !== 'string' || !EVENT_TYPE_PATTERN.test(doc.type)) {
    report('"type" must be a CloudEvents type in reverse-DNS form, such as "org.plaza.air-quality-observation"');
  }
  if (typeof doc.licence !== 'string' || !LICENCE_PATTERN.test(doc.licence)) report('"licence" must be an SPDX licence identifier');
}

async function loadVersion(
  root: string,
  standardId: string,
  version: string,
  requireExamples: boolean,
  problems: FolderProblem[],
): Promise<StandardVersionDescriptor | null> {
  const before = problems.length;
  const base = `${standardId}/${version}`;
  const file = `${base}/schema.json`;
  const schema = await readJson(root, file, problems);
  if (schema !== undefined) {
    for (const p of checkStandardSchemaIdentity(schema, standardId, version)) {
      problems.push({ file, message: `${p.pointer}: ${p.message}` });
    }
  }

  for (const name of (await readdir(join(root, base))).sort()) {
    if (name !== 'schema.json' && name !== 'examples' && !IGNORED_FILES.has(name)) {
      problems.push({ file: `${base}/${name}`, message: 'unexpected file: a version holds schema.json and examples/' });
    }
  }

  const examples: ExampleDescriptor[] = [];
  const examplesDir = `${base}/examples`;
  const names = (await isDirectory(join(root, examplesDir))) ? (await readdir(join(root, examplesDir))).sort() : [];
  for (const name of names) {
    const match = EXAMPLE_PATTERN.exec(name);
    const exampleFile = `${examplesDir}/${name}`;
    if (!match) {
      problems.push({ file: exampleFile, message: 'an example is named valid-<name>.json or invalid-<name>.json' });
      continue;
    }
    const data = await readJson(root, exampleFile, problems);
    if (data !== undefined) examples.push({ name: match[2]!, expected: match[1] as 'valid' | 'invalid', file: exampleFile, data });
  }
  if (requireExamples) {
    for (const expected of ['valid', 'invalid'] as const) {
      if (!names.some((n) => n.startsWith(`${expected}-`))) {
        problems.push({ file: examplesDir, message: `at least one ${expected}-*.json example is required` });
      }
    }
  }

  if (problems.length > before) return null;
  return {
    standardId,
    version,
    schemaUri: canonicalSchemaUri(standardId, version),
    schemaPath: canonicalSchemaPath(standardId, version),
    schema: schema as Record<string, unknown>,
    digest: schemaDigest(schema),
    file,
    examples,
  };
}

/** Reads and parses a JSON file, refusing duplicate member names; undefined after reporting a problem. */
async function readJson(root: string, file: string, problems: FolderProblem[]): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(root, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push({ file, message: code === 'ENOENT' ? 'missing' : `cannot be read (${(error as Error).message})` });
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    problems.push({ file, message: `not valid JSON (${(error as Error).message})` });
    return undefined;
  }
  const duplicate = findDuplicateMember(text);
  if (duplicate !== null) {
    problems.push({ file, message: `the member ${duplicate} appears twice` });
    return undefined;
  }
  return value;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** What {@link writeStandardVersion} writes. */
export interface StandardVersionFiles {
  standard: StandardMetadata;
  version: string;
  schema: Record<string, unknown>;
  examples?: { name: string; expected: 'valid' | 'invalid'; data: unknown }[];
}

/**
 * Writes a version into a `standards/` folder in the layout {@link loadStandardsFolder} reads (for
 * exporting versions published at run time). Creates `standard.json` when the standard is new. A
 * version already in the folder is never overwritten: `'unchanged'` when its schema has the same
 * digest, an error naming the file otherwise. Checks the schema's identity first; it does not
 * compile it (the registry did, before publishing).
 */
export async function writeStandardVersion(dir: string, files: StandardVersionFiles): Promise<'written' | 'unchanged'> {
  const { standard, version, schema } = files;
  const identity = checkStandardSchemaIdentity(schema, standard.id, version);
  const schemaFile = `${standard.id}/${version}/schema.json`;
  if (identity.length > 0) {
    throw new FolderError(dir, identity.map((p) => ({ file: schemaFile, message: `${p.pointer}: ${p.message}` })));
  }
  const existing: FolderProblem[] = [];
  const current = (await isDirectory(join(dir, standard.id, version))) ? await readJson(dir, schemaFile, existing) : undefined;
  if (current !== undefined || existing.length > 0) {
    if (current !== undefined && schemaDigest(current) === schemaDigest(schema)) return 'unchanged';
    throw new FolderError(dir, [
      { file: schemaFile, message: `version ${version} of ${standard.id} is already in the folder with a different schema; a published version never changes` },
    ]);
  }
  const metadataPath = join(dir, standard.id, 'standard.json');
  if (!(await exists(metadataPath))) {
    const { id, title, description, type, licence } = standard;
    await mkdir(join(dir, standard.id), { recursive: true });
    await writeFile(metadataPath, formatJsonFile({ id, title, description, type, licence }), { flag: 'wx' });
  }
  await mkdir(join(dir, standard.id, version, 'examples'), { recursive: true });
  await writeFile(join(dir, schemaFile), formatJsonFile(schema), { flag: 'wx' });
  for (const example of files.examples ?? []) {
    const name = `${example.expected}-${example.name}.json`;
    if (!EXAMPLE_PATTERN.test(name)) throw new RangeError(`bad example name: ${JSON.stringify(example.name)}`);
    await writeFile(join(dir, standard.id, version, 'examples', name), formatJsonFile(example.data), { flag: 'wx' });
  }
  return 'written';
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
