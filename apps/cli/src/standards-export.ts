import { writeStandardVersion } from '#plaza/standards';

interface VersionSummary {
  version: string;
  origin: 'baseline' | 'proposal';
}

interface StandardDetail {
  id: string;
  title: { en: string; fr: string };
  description: { en: string; fr: string };
  type: string;
  licence: string;
  versions: VersionSummary[];
}

export interface ExportResult {
  standard: string;
  version: string;
  outcome: 'written' | 'unchanged';
}

/**
 * Writes the versions a registry published through proposals (or every version, with `all`) into a
 * `standards/` folder, in the layout the registry imports, so the repository and the registry agree.
 * A version already in the folder is left alone when identical and refused when different.
 */
export async function exportStandards(registry: string, dir: string, all: boolean): Promise<ExportResult[]> {
  const results: ExportResult[] = [];
  for (const id of await standardIds(registry)) {
    const standard = await getJson<StandardDetail>(registry, `/api/v1/standards/${encodeURIComponent(id)}`);
    for (const summary of standard.versions.filter((v) => all || v.origin === 'proposal')) {
      const version = await getJson<{ schema: Record<string, unknown>; examples: Record<string, unknown> }>(
        registry,
        `/api/v1/standards/${encodeURIComponent(id)}/versions/${encodeURIComponent(summary.version)}`,
      );
      const examples = Object.entries(version.examples).map(([file, data]) => {
        const [, expected, name] = /^(valid|invalid)-(.+)\.json$/.exec(file)!;
        return { name: name!, expected: expected as 'valid' | 'invalid', data };
      });
      const { title, description, type, licence } = standard;
      const outcome = await writeStandardVersion(dir, { standard: { id, title, description, type, licence }, version: summary.version, schema: version.schema, examples });
      results.push({ standard: id, version: summary.version, outcome });
    }
  }
  return results;
}

async function standardIds(registry: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { id: string }[]; nextCursor: string | null } = await getJson(registry, `/api/v1/standards?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    ids.push(...page.items.map((s) => s.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

async function getJson<T>(registry: string, path: string): Promise<T> {
  const response = await fetch(new URL(path, registry));
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}
