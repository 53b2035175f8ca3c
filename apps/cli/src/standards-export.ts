import { createRegistryClient, ok, type RegistryClient } from '#plaza/client/node';
import { writeStandardVersion } from '#plaza/standards';

export interface ExportResult {
  standard: string;
  version: string;
  outcome: 'written' | 'unchanged';
}

/**
 * Writes the versions a registry published through proposals (or every version, with `all`) into a
 * `standards/` folder, in the layout the registry imports, so the repository and the registry agree.
 * A version already in the folder is left alone when identical and refused when different. It reads through
 * libs/client's typed client; a refusal is the library's RegistryProblem.
 */
export async function exportStandards(registry: string, dir: string, all: boolean): Promise<ExportResult[]> {
  const client = createRegistryClient({ baseUrl: registry });
  const results: ExportResult[] = [];
  for (const id of await standardIds(client)) {
    const standard = await ok(client.GET('/api/v1/standards/{id}', { params: { path: { id } } }));
    for (const summary of standard.versions.filter((v) => all || v.origin === 'proposal')) {
      const version = await ok(client.GET('/api/v1/standards/{id}/versions/{version}', { params: { path: { id, version: summary.version } } }));
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

async function standardIds(client: RegistryClient): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { id: string }[]; nextCursor: string | null } = await ok(client.GET('/api/v1/standards', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
    ids.push(...page.items.map((s) => s.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}
