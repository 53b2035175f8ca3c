import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CONFIG = join(REPO, '.dependency-cruiser.cjs');
const DEPCRUISE = join(REPO, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const SCANNED = ['apps', 'libs', 'test', 'bench', 'demo'];

/** Runs the project's rules (.dependency-cruiser.cjs, as `npm run rules` does) over the folders of `cwd`. */
function cruise(cwd: string): { passed: boolean; output: string } {
  const folders = SCANNED.filter((folder) => spawnSync('test', ['-d', join(cwd, folder)]).status === 0);
  const run = spawnSync(process.execPath, [DEPCRUISE, ...folders, '--config', CONFIG, '--output-type', 'err'], { cwd, encoding: 'utf8' });
  return { passed: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

/** A minimal tree laid out like the repository: a kernel, a platform, two features with ports, a library, a composition root. */
const LAWFUL: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2023', strict: true } }),
  'libs/json/src/index.ts': 'export const parse = (text: string): unknown => JSON.parse(text);\n',
  'apps/registry/src/kernel/errors/plaza-error.ts': "import { parse } from '../../../../../libs/json/src/index.js';\nexport class PlazaError extends Error {}\nexport const read = parse;\n",
  'apps/registry/src/platform/journal/unit-of-work.ts': "import { PlazaError } from '../../kernel/errors/plaza-error.js';\nexport class UnitOfWork { error = PlazaError; }\n",
  'apps/registry/src/organisations/organisation.repository.ts': "import { UnitOfWork } from '../platform/journal/unit-of-work.js';\nexport class OrganisationRepository { uow = UnitOfWork; }\n",
  'apps/registry/src/organisations/index.ts': "export { OrganisationRepository as OrganisationDirectory } from './organisation.repository.js';\n",
  'apps/registry/src/sources/source.service.ts': "import { OrganisationDirectory } from '../organisations/index.js';\nexport class SourceService { organisations = OrganisationDirectory; }\n",
  'apps/registry/src/sources/index.ts': "export { SourceService } from './source.service.js';\n",
  'apps/registry/src/composition/app.module.ts': "import { SourceService } from '../sources/index.js';\nimport { OrganisationRepository } from '../organisations/organisation.repository.js';\nexport const modules = [SourceService, OrganisationRepository];\n",
  'apps/registry/src/main.ts': "import { modules } from './composition/app.module.js';\nexport default modules;\n",
  'apps/cli/src/main.ts': "import { parse } from '../../../libs/json/src/index.js';\nexport default parse;\n",
  'bench/run.ts': "import { modules } from '../test/support/app.js';\nexport default modules;\n",
  'test/support/app.ts': "export { modules } from '../../apps/registry/src/composition/app.module.js';\n",
};

/** One deliberate violation of each rule: the file it adds (or replaces) in the lawful tree. */
const VIOLATIONS: [rule: string, file: string, text: string][] = [
  ['libs-import-no-app', 'libs/json/src/reach.ts', "import { UnitOfWork } from '../../../apps/registry/src/platform/journal/unit-of-work.js';\nexport default UnitOfWork;\n"],
  ['kernel-imports-no-feature', 'apps/registry/src/kernel/auth/guard.ts', "import { SourceService } from '../../sources/index.js';\nexport default SourceService;\n"],
  ['kernel-imports-no-feature', 'apps/registry/src/kernel/auth/settings.ts', "import { UnitOfWork } from '../../platform/journal/unit-of-work.js';\nexport default UnitOfWork;\n"],
  ['platform-imports-no-feature', 'apps/registry/src/platform/journal/kinds.ts', "import { OrganisationDirectory } from '../../organisations/index.js';\nexport default OrganisationDirectory;\n"],
  ['features-meet-at-their-ports', 'apps/registry/src/sources/source.repository.ts', "import { OrganisationRepository } from '../organisations/organisation.repository.js';\nexport default OrganisationRepository;\n"],
  ['only-the-entry-knows-the-composition-root', 'apps/registry/src/sources/modules.ts', "import { modules } from '../composition/app.module.js';\nexport default modules;\n"],
  ['cli-uses-libs-only', 'apps/cli/src/server.ts', "import { SourceService } from '../../registry/src/sources/index.js';\nexport default SourceService;\n"],
  ['tests-do-not-reach-into-bench', 'test/support/load.ts', "import run from '../../bench/run.js';\nexport default run;\n"],
  ['no-module-cycle', 'apps/registry/src/organisations/organisation.repository.ts', "import { UnitOfWork } from '../platform/journal/unit-of-work.js';\nimport { OrganisationDirectory } from './index.js';\nexport class OrganisationRepository { uow = UnitOfWork; self = () => OrganisationDirectory; }\n"],
  ['no-folder-cycle', 'apps/registry/src/organisations/source-count.ts', "import { SourceService } from '../sources/index.js';\nexport default SourceService;\n"],
];

function build(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'plaza-rules-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

describe('the architecture rules (.dependency-cruiser.cjs)', () => {
  const trees: string[] = [];
  afterAll(() => trees.forEach((tree) => rmSync(tree, { recursive: true, force: true })));

  it('pass on the repository itself', () => {
    const { passed, output } = cruise(REPO);
    expect({ passed, output }).toEqual({ passed: true, output: expect.any(String) });
  });

  it('pass on a lawful tree laid out like the repository', () => {
    const tree = build(LAWFUL);
    trees.push(tree);
    expect(cruise(tree)).toEqual({ passed: true, output: expect.any(String) });
  });

  it.each(VIOLATIONS)('fail on a deliberate violation of %s (%s)', (rule, file, text) => {
    const tree = build({ ...LAWFUL, [file]: text });
    trees.push(tree);
    const { passed, output } = cruise(tree);
    expect(passed).toBe(false);
    expect(output).toContain(rule);
  });
});
