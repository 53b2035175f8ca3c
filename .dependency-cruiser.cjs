/**
 * The architecture's executable description (ARCHITECTURE.md explains it). `npm run rules` checks every import of
 * the registry, the CLI, the libraries, the tests and the benchmarks against these rules; CI fails on any violation.
 * Layers, from the ground up: libs/ -> kernel/ -> platform/ -> features -> composition/ (+ main.ts).
 */
const SRC = '^apps/registry/src';
/**
 * The features: every folder of the registry but the three layers below and above them. Each exposes one port, its
 * index.ts, and nothing else of it may be imported from outside its folder; a new feature folder is covered at once.
 */
const FEATURES = require('node:fs')
  .readdirSync('apps/registry/src', { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !['kernel', 'platform', 'composition'].includes(entry.name))
  .map((entry) => entry.name);

module.exports = {
  forbidden: [
    {
      name: 'libs-import-no-app',
      comment: 'A library under libs/ has no reason to know an application: apps build on libs, never the reverse.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'kernel-imports-no-feature',
      comment: 'The kernel (errors, auth, http, paging, text, logging) is the ground floor: it imports only itself and libs. Features register what it needs through small interfaces (AUTHENTICATOR, PROBLEM_SETTINGS).',
      severity: 'error',
      from: { path: `${SRC}/kernel/` },
      to: { path: `${SRC}/`, pathNot: `${SRC}/kernel/` },
    },
    {
      name: 'platform-imports-no-feature',
      comment: 'The platform (config, database, journal, scheduler) sits on the kernel and knows no feature: the composition root hands it the entities and the journaled kinds.',
      severity: 'error',
      from: { path: `${SRC}/platform/` },
      to: { path: `${SRC}/`, pathNot: [`${SRC}/kernel/`, `${SRC}/platform/`] },
    },
    {
      name: 'features-meet-at-their-ports',
      comment: "A feature imports another feature only through that feature's index.ts (its port), never its internals. The composition root is exempt: it wires the internals together.",
      severity: 'error',
      from: { path: `${SRC}/([^/]+)/`, pathNot: `${SRC}/composition/` },
      to: { path: `${SRC}/(${FEATURES.join('|')})/`, pathNot: [`${SRC}/$1/`, `${SRC}/(${FEATURES.join('|')})/index\\.ts$`] },
    },
    {
      name: 'only-the-entry-knows-the-composition-root',
      comment: 'The composition root is the top floor: only main.ts (and the tests, which start the registry as main.ts does) may import it.',
      severity: 'error',
      from: { path: `${SRC}/`, pathNot: [`${SRC}/composition/`, `${SRC}/main\\.ts$`] },
      to: { path: `${SRC}/composition/` },
    },
    {
      name: 'cli-uses-libs-only',
      comment: 'The plaza command talks to a registry over HTTP, with the libraries; it never imports the server.',
      severity: 'error',
      from: { path: '^apps/cli/' },
      to: { path: '^apps/registry/' },
    },
    {
      name: 'tests-do-not-reach-into-bench',
      comment: 'Test support stands on its own; benchmarks may use test support, never the reverse.',
      severity: 'error',
      from: { path: '^test/' },
      to: { path: '^bench/' },
    },
    {
      name: 'no-module-cycle',
      comment: 'No import cycle between files.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'No cycle between folders either: two features that need each other are one feature, or one of them needs a port.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Unit specs sit beside the code they test and may use test support; the rules are about the code itself.
    exclude: { path: ['^dist/', 'node_modules', '\\.spec\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
