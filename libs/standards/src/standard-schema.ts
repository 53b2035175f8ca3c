import { canonicalSchemaUri } from './canonical-uri.js';
import { JSON_SCHEMA_2020_12, type SchemaProblem } from './validation/schema-safety.js';

/**
 * Checks what makes a schema the schema OF a given standard version, beyond being safe (see
 * `checkSchemaSafety`) and valid: `$schema` is JSON Schema 2020-12, `$id` is the version's
 * canonical URI, and the root describes an object (an event's `data`). Used by the folder loader
 * and meant for proposals, so that both apply the same rule.
 */
export function checkStandardSchemaIdentity(schema: unknown, standardId: string, version: string): SchemaProblem[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return [{ pointer: '', message: 'a schema must be a JSON object' }];
  }
  const problems: SchemaProblem[] = [];
  const doc = schema as Record<string, unknown>;
  if (doc.$schema !== JSON_SCHEMA_2020_12) {
    problems.push({ pointer: '/$schema', message: `"$schema" must be "${JSON_SCHEMA_2020_12}"` });
  }
  const expected = canonicalSchemaUri(standardId, version);
  if (doc.$id !== expected) {
    problems.push({ pointer: '/$id', message: `"$id" must be the canonical URI "${expected}", not ${JSON.stringify(doc.$id)}` });
  }
  if (doc.type !== 'object') {
    problems.push({ pointer: '/type', message: 'the root of a standard schema must be "type": "object" (it describes an event\'s data)' });
  }
  return problems;
}
