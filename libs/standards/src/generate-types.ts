import { basename } from 'node:path';
import { compile } from 'json-schema-to-typescript';
import { loadStandardsFolder } from './catalogue/standards-folder.js';

/**
 * Generates TypeScript types for every version of every standard in a `standards/` folder with
 * json-schema-to-typescript. Deliberately not exported from the library's index: it needs
 * json-schema-to-typescript, a development dependency, and is only run by
 * `npm run standards:types` (generate-types.main.ts) and by the test that catches stale files.
 *
 * Output, keyed by file name (relative to libs/standards/src/generated/):
 * - `<id>-v<major>_<minor>_<patch>.ts` per version; its root type is named after the standard
 *   (`air-quality-observation` -> `AirQualityObservation`), its `$defs` after their titles;
 * - `index.ts`, re-exporting each version's module as a type-only namespace
 *   (`AirQualityObservationV1_1_0`) and mapping `"<id>@<version>"` to the root type in
 *   `StandardDataTypes`.
 * Every file starts with a banner saying it is generated.
 */
export async function generateTypes(standardsDir: string): Promise<Map<string, string>> {
  const standards = await loadStandardsFolder(standardsDir);
  const folderName = basename(standardsDir);
  const files = new Map<string, string>();
  const index: { module: string; namespace: string; key: string; root: string }[] = [];

  for (const standard of standards) {
    const root = pascalCase(standard.id);
    for (const version of standard.versions) {
      const suffix = version.version.replace(/\./g, '_');
      const module = `${standard.id}-v${suffix}`;
      // A copy whose root title is the type name: json-schema-to-typescript would otherwise name
      // the root after whatever title the schema has, or after its $id.
      const schema = { ...structuredClone(version.schema), title: root };
      const source = await compile(schema as Parameters<typeof compile>[0], root, {
        bannerComment: banner(`${folderName}/${version.file}`, version.schemaUri),
        additionalProperties: false,
        strictIndexSignatures: true,
        unknownAny: true,
        declareExternallyReferenced: true,
        enableConstEnums: false,
        // Bounded arrays become tuples only when short (a GeoJSON position), not 8-way unions.
        maxItems: 3,
        format: true,
        // Never resolve anything outside the schema (the standards' schemas only use local refs).
        $refOptions: { resolve: { external: false } },
      });
      files.set(`${module}.ts`, source);
      index.push({ module, namespace: `${root}V${suffix}`, key: `${standard.id}@${version.version}`, root });
    }
  }

  const lines = [banner(`${folderName}/<id>/<version>/schema.json (every version)`, null).trimEnd(), ''];
  for (const entry of index) lines.push(`export type * as ${entry.namespace} from './${entry.module}.js';`);
  for (const entry of index) lines.push(`import type { ${entry.root} as ${entry.namespace}Data } from './${entry.module}.js';`);
  lines.push('', '/** The type of the `data` of each standard version, keyed by `"<id>@<version>"`. */');
  lines.push('export interface StandardDataTypes {');
  for (const entry of index) lines.push(`  '${entry.key}': ${entry.namespace}Data;`);
  lines.push('}', '');
  files.set('index.ts', lines.join('\n'));
  return files;
}

function banner(source: string, uri: string | null): string {
  return [
    '/*',
    ' * GENERATED FILE - DO NOT EDIT.',
    ` * Source: ${source}${uri ? ` (${uri})` : ''}`,
    ' * Regenerate with `npm run standards:types` (libs/standards/src/generate-types.ts).',
    ' */',
    '',
  ].join('\n');
}

/** `air-quality-observation` -> `AirQualityObservation`. */
export function pascalCase(id: string): string {
  return id
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
