import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CANONICAL_SCHEMA_BASE } from '../canonical-uri.js';
import { STANDARDS_DIR } from '../test-support/paths.js';
import { FolderError } from './folder-error.js';
import { formatJsonFile, loadStandardsFolder, schemaDigest, writeStandardVersion } from './standards-folder.js';

const NOISE = 'noise-level-observation';

describe('loadStandardsFolder on the shipped folder', () => {
  it('returns typed descriptors with versions in semver order', async () => {
    const standards = await loadStandardsFolder(STANDARDS_DIR);
    expect(standards.map((s) => s.id)).toEqual(['air-quality-observation', NOISE, 'parking-occupancy', 'traffic-flow-observation']);
    const noise = standards.find((s) => s.id === NOISE)!;
    expect(noise).toMatchObject({
      type: 'org.plaza.noise-level-observation',
      licence: 'CC-BY-4.0',
      title: { en: 'Noise level observation', fr: 'Observation du niveau de bruit' },
      file: `${NOISE}/standard.json`,
    });
    expect(noise.versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0']);
    const [first] = noise.versions;
    expect(first).toMatchObject({
      standardId: NOISE,
      version: '1.0.0',
      schemaUri: `${CANONICAL_SCHEMA_BASE}/standards/${NOISE}/1.0.0/schema.json`,
      schemaPath: `/standards/${NOISE}/1.0.0/schema.json`,
      file: `${NOISE}/1.0.0/schema.json`,
    });
    expect(first!.schema.$id).toBe(first!.schemaUri);
    expect(first!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first!.examples.map((e) => `${e.expected}-${e.name}`)).toContain('valid-night-street');
  });

  it('keeps every shipped file in the formatting the export writes', async () => {
    for (const standard of await loadStandardsFolder(STANDARDS_DIR)) {
      for (const version of standard.versions) {
        expect(await readFile(join(STANDARDS_DIR, version.file), 'utf8')).toBe(formatJsonFile(version.schema));
      }
    }
  });
});

describe('loadStandardsFolder errors', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plaza-standards-'));
    await cp(join(STANDARDS_DIR, NOISE), join(dir, NOISE), { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function problems(): Promise<{ file: string; message: string }[]> {
    try {
      await loadStandardsFolder(dir);
    } catch (error) {
      expect(error).toBeInstanceOf(FolderError);
      return (error as FolderError).problems;
    }
    throw new Error('the folder loaded');
  }
  async function editJson(file: string, edit: (value: Record<string, unknown>) => void): Promise<void> {
    const value = JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>;
    edit(value);
    await writeFile(join(dir, file), formatJsonFile(value));
  }

  it('loads the copied standard as it is', async () => {
    expect((await loadStandardsFolder(dir)).map((s) => s.id)).toEqual([NOISE]);
  });

  it('names standard.json when its id, texts, type or licence are wrong', async () => {
    await editJson(`${NOISE}/standard.json`, (s) => {
      s.id = 'noise';
      delete (s.title as Record<string, unknown>).fr;
      s.type = 'Noise Level';
      s.licence = 'free for all';
      s.owner = 'me';
    });
    const found = await problems();
    const file = `${NOISE}/standard.json`;
    expect(found).toEqual(
      expect.arrayContaining([
        { file, message: 'unexpected member "owner"' },
        { file, message: `"id" must be "${NOISE}", the name of its folder` },
        { file, message: '"title.fr" must be a non-empty text' },
        { file, message: expect.stringContaining('"type" must be a CloudEvents type') },
        { file, message: '"licence" must be an SPDX licence identifier' },
      ]),
    );
    expect(found).toHaveLength(5);
  });

  it('names a version folder that is not MAJOR.MINOR.PATCH', async () => {
    await rename(join(dir, NOISE, '1.1.0'), join(dir, NOISE, '1.1'));
    expect(await problems()).toEqual([{ file: `${NOISE}/1.1`, message: expect.stringContaining('MAJOR.MINOR.PATCH') }]);
  });

  it('refuses pre-release version folders', async () => {
    await rename(join(dir, NOISE, '1.1.0'), join(dir, NOISE, '1.1.0-rc.1'));
    expect(await problems()).toEqual([{ file: `${NOISE}/1.1.0-rc.1`, message: expect.stringContaining('no pre-release') }]);
  });

  it('names the schema whose $id is not the canonical URI of its id and version', async () => {
    await editJson(`${NOISE}/1.1.0/schema.json`, (s) => {
      s.$id = `${CANONICAL_SCHEMA_BASE}/standards/${NOISE}/1.0.0/schema.json`;
    });
    expect(await problems()).toEqual([
      { file: `${NOISE}/1.1.0/schema.json`, message: expect.stringMatching(/^\/\$id: "\$id" must be the canonical URI ".*\/1\.1\.0\/schema\.json"/) },
    ]);
  });

  it('names the schema that is not JSON Schema 2020-12', async () => {
    await editJson(`${NOISE}/1.0.0/schema.json`, (s) => {
      s.$schema = 'http://json-schema.org/draft-07/schema#';
    });
    expect(await problems()).toEqual([{ file: `${NOISE}/1.0.0/schema.json`, message: expect.stringContaining('2020-12') }]);
  });

  it('requires valid and invalid examples, named valid-*.json or invalid-*.json', async () => {
    const examples = join(dir, NOISE, '1.0.0', 'examples');
    await rm(join(examples, 'invalid-below-floor.json'));
    await rm(join(examples, 'invalid-meter-class-number.json'));
    await rm(join(examples, 'invalid-missing-laeq.json'));
    await writeFile(join(examples, 'example.json'), '{}');
    expect(await problems()).toEqual([
      { file: `${NOISE}/1.0.0/examples/example.json`, message: expect.stringContaining('valid-<name>.json') },
      { file: `${NOISE}/1.0.0/examples`, message: 'at least one invalid-*.json example is required' },
    ]);
  });

  it('names files that are not JSON, or have a member twice', async () => {
    await writeFile(join(dir, NOISE, '1.0.0', 'examples', 'valid-broken.json'), '{"laeq": 40,');
    await writeFile(join(dir, NOISE, '1.1.0', 'examples', 'valid-twice.json'), '{"laeq": 40, "laeq": 200}');
    expect(await problems()).toEqual([
      { file: `${NOISE}/1.0.0/examples/valid-broken.json`, message: expect.stringContaining('not valid JSON') },
      { file: `${NOISE}/1.1.0/examples/valid-twice.json`, message: 'the member /laeq appears twice' },
    ]);
  });

  it('names a missing schema.json and unexpected files', async () => {
    await rm(join(dir, NOISE, '1.1.0', 'schema.json'));
    await writeFile(join(dir, NOISE, '1.1.0', 'notes.txt'), 'x');
    await writeFile(join(dir, 'stray.json'), '{}');
    expect(await problems()).toEqual([
      { file: `${NOISE}/1.1.0/schema.json`, message: 'missing' },
      { file: `${NOISE}/1.1.0/notes.txt`, message: expect.stringContaining('unexpected file') },
      { file: 'stray.json', message: expect.stringContaining('unexpected file') },
    ]);
  });

  it('refuses two standards with the same CloudEvents type', async () => {
    await cp(join(dir, NOISE), join(dir, 'noise-copy'), { recursive: true });
    await editJson('noise-copy/standard.json', (s) => {
      s.id = 'noise-copy';
    });
    for (const v of ['1.0.0', '1.1.0']) {
      await editJson(`noise-copy/${v}/schema.json`, (s) => {
        s.$id = `${CANONICAL_SCHEMA_BASE}/standards/noise-copy/${v}/schema.json`;
      });
    }
    // Folders are read in name order: noise-copy comes first, so the original is the duplicate.
    expect(await problems()).toEqual([{ file: `${NOISE}/standard.json`, message: 'the type "org.plaza.noise-level-observation" is already used by noise-copy' }]);
  });

  it('says when the folder itself cannot be read, and the message lists every problem with its file', async () => {
    await expect(loadStandardsFolder(join(dir, 'nowhere'))).rejects.toThrow(/cannot read the folder/);
    await rm(join(dir, NOISE, '1.0.0', 'schema.json'));
    await expect(loadStandardsFolder(dir)).rejects.toThrow(`${NOISE}/1.0.0/schema.json: missing`);
  });
});

describe('writeStandardVersion', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plaza-export-'));
    await cp(join(STANDARDS_DIR, NOISE), join(dir, NOISE), { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a new version that the loader then reads, and is idempotent', async () => {
    const [standard] = await loadStandardsFolder(dir);
    const schema = { ...standard!.versions[1]!.schema, $id: `${CANONICAL_SCHEMA_BASE}/standards/${NOISE}/1.2.0/schema.json` };
    const examples = standard!.versions[1]!.examples.map(({ name, expected, data }) => ({ name, expected, data }));
    expect(await writeStandardVersion(dir, { standard: standard!, version: '1.2.0', schema, examples })).toBe('written');
    const [reloaded] = await loadStandardsFolder(dir);
    expect(reloaded!.versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0', '1.2.0']);
    expect(reloaded!.versions[2]!.digest).toBe(schemaDigest(schema));
    expect(await writeStandardVersion(dir, { standard: standard!, version: '1.2.0', schema })).toBe('unchanged');
  });

  it('never overwrites a version with a different schema, and checks the $id', async () => {
    const [standard] = await loadStandardsFolder(dir);
    const changed = { ...standard!.versions[0]!.schema, description: 'changed' };
    await expect(writeStandardVersion(dir, { standard: standard!, version: '1.0.0', schema: changed })).rejects.toThrow(/already in the folder with a different schema/);
    await expect(writeStandardVersion(dir, { standard: standard!, version: '2.0.0', schema: changed })).rejects.toThrow(/must be the canonical URI/);
  });

  it('creates standard.json for a new standard', async () => {
    const [noise] = await loadStandardsFolder(dir);
    const out = join(dir, 'empty');
    await mkdir(out);
    const standard = { ...noise!, id: 'street-light-status', type: 'org.plaza.street-light-status' };
    const schema = { ...noise!.versions[0]!.schema, $id: `${CANONICAL_SCHEMA_BASE}/standards/street-light-status/1.0.0/schema.json` };
    await writeStandardVersion(out, {
      standard,
      version: '1.0.0',
      schema,
      examples: [
        { name: 'one', expected: 'valid', data: {} },
        { name: 'two', expected: 'invalid', data: [] },
      ],
    });
    const [loaded] = await loadStandardsFolder(out);
    expect(loaded).toMatchObject({ id: 'street-light-status', type: 'org.plaza.street-light-status', title: noise!.title });
    expect(Object.keys(JSON.parse(await readFile(join(out, 'street-light-status', 'standard.json'), 'utf8')))).toEqual([
      'id',
      'title',
      'description',
      'type',
      'licence',
    ]);
  });
});
