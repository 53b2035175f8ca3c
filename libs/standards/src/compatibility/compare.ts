/**
 * The public entry points: compare two schemas, check a candidate against the history of its major, and decide
 * the version bump a change needs.
 */
import semver from 'semver';
import { type SchemaObject, isPlainObject, SCHEMA_ARRAY_KEYWORDS, SCHEMA_KEYWORDS, SCHEMA_MAP_KEYWORDS } from './schema.js';
import { type Finding, inclusionFindings } from './subset.js';
import type {
  CompatibilityMode, CompatibilityReport, Direction, HistoryReport, Incompatibility, JsonSchema, VersionedIncompatibility,
  VersionedSchema,
} from './types.js';

/** Options for {@link compareSchemas} and {@link checkAgainstHistory}. */
export interface CompareOptions {
  /**
   * Further keywords to treat as annotations, beyond the standard ones (`title`, `description`, `examples`,
   * `$comment`, `deprecated`, `default`, `readOnly`, `writeOnly`, `$id`, `$schema`, `$defs`, `content*`, ...):
   * for example vendor keywords the validator is configured to ignore. Any other unknown keyword is undecidable.
   */
  annotations?: readonly string[];
}

/**
 * The coalition's rule: a minor or patch version must be BACKWARD compatible with every earlier version of its
 * major (BACKWARD_TRANSITIVE); anything else needs a new major.
 *
 * Why backward, and transitive: events are kept as received and read back later by cursor, each naming the exact
 * version it was written with, so a consumer that upgrades to the newest version of a major must still read
 * everything written under any earlier version of that major. Producers need no coordination: they move to a new
 * minor when they choose, since each event is validated against the version it names. FULL would freeze a
 * standard: adding an optional property breaks forward compatibility of a closed model and backward compatibility
 * of an open one, so almost no useful change would ever be a minor one.
 */
export const COALITION_MODE: CompatibilityMode = 'BACKWARD_TRANSITIVE';

/**
 * Compares two JSON Schemas (draft 2020-12) for the `data` of an event.
 *
 * `backward` holds when every instance valid under `previous` is valid under `next` (consumers on `next` read data
 * written with `previous`); `forward` holds when every instance valid under `next` is valid under `previous`
 * (consumers still on `previous` read data written with `next`). The verdicts are proofs: a construct the checker
 * cannot decide counts as incompatible, with an `undecidable` explanation.
 *
 * Content models are compared exactly by that definition. With `additionalProperties` absent or `true` (an open
 * model) an undeclared property may hold any value, so declaring a new constrained property in an open model
 * breaks backward compatibility, and removing a constrained property from it breaks forward compatibility. With
 * `additionalProperties: false` (a closed model) a new optional property is backward compatible but breaks
 * forward compatibility, and removing a property breaks backward compatibility.
 *
 * @example
 * ```ts
 * const report = compareSchemas(
 *   { type: 'object', properties: { pm25: { type: 'number' } } },
 *   { type: 'object', properties: { pm25: { type: 'number' } }, required: ['pm25'] },
 * );
 * report.backward; // false
 * report.incompatibilities[0]; // { pointer: '/required/0', direction: 'backward', kind: 'property-became-required', ... }
 * ```
 */
export function compareSchemas(previous: JsonSchema, next: JsonSchema, options: CompareOptions = {}): CompatibilityReport {
  const extra = new Set(options.annotations ?? []);
  const prev = extra.size > 0 ? stripKeywords(previous, extra) : previous;
  const nxt = extra.size > 0 ? stripKeywords(next, extra) : next;
  const backward = attach(inclusionFindings(prev, nxt, 'backward'), 'backward');
  const forward = attach(inclusionFindings(nxt, prev, 'forward'), 'forward');
  return {
    backward: backward.length === 0,
    forward: forward.length === 0,
    full: backward.length === 0 && forward.length === 0,
    incompatibilities: [...backward, ...forward],
  };
}

function attach(findings: Finding[], direction: Direction): Incompatibility[] {
  return findings.map((f) => ({ pointer: f.pointer, direction, kind: f.kind, message: f.message }));
}

/**
 * Checks a candidate schema against earlier versions, normally every published version of the candidate's major
 * (the caller chooses the list; retired versions included, since data written with them still exists).
 *
 * Each earlier version is compared as `previous` with the candidate as `next`. Versions are ordered by semantic
 * version when they all parse, otherwise kept in the order given; the last is the immediate predecessor.
 */
export function checkAgainstHistory(candidate: JsonSchema, earlier: readonly VersionedSchema[], options: CompareOptions = {}): HistoryReport {
  const ordered = earlier.every((e) => semver.valid(e.version) !== null)
    ? [...earlier].sort((x, y) => semver.compare(x.version, y.version))
    : [...earlier];
  const versions = ordered.map((e) => ({ version: e.version, report: compareSchemas(e.schema, candidate, options) }));
  const last = versions[versions.length - 1];
  return {
    versions,
    latest: last?.version,
    backward: last?.report.backward ?? true,
    forward: last?.report.forward ?? true,
    full: last?.report.full ?? true,
    backwardTransitive: versions.every((v) => v.report.backward),
    forwardTransitive: versions.every((v) => v.report.forward),
    fullTransitive: versions.every((v) => v.report.full),
  };
}

function isHistory(report: CompatibilityReport | HistoryReport): report is HistoryReport {
  return 'versions' in report;
}

/**
 * Whether a report satisfies a compatibility mode. A single {@link CompatibilityReport} is a history of one
 * version, so transitive and non-transitive modes agree on it.
 */
export function isCompatible(report: CompatibilityReport | HistoryReport, mode: CompatibilityMode = COALITION_MODE): boolean {
  if (!isHistory(report)) {
    if (mode.startsWith('BACKWARD')) return report.backward;
    if (mode.startsWith('FORWARD')) return report.forward;
    return report.full;
  }
  switch (mode) {
    case 'BACKWARD': return report.backward;
    case 'BACKWARD_TRANSITIVE': return report.backwardTransitive;
    case 'FORWARD': return report.forward;
    case 'FORWARD_TRANSITIVE': return report.forwardTransitive;
    case 'FULL': return report.full;
    case 'FULL_TRANSITIVE': return report.fullTransitive;
  }
}

/**
 * The smallest version bump a change needs under `mode` (by default the coalition's rule,
 * {@link COALITION_MODE}): `major` when it is incompatible, otherwise `minor` (a patch is also allowed for a
 * compatible change; which of the two to use is the author's call, not the checker's).
 */
export function requiredBump(report: CompatibilityReport | HistoryReport, mode: CompatibilityMode = COALITION_MODE): 'major' | 'minor' {
  return isCompatible(report, mode) ? 'minor' : 'major';
}

/**
 * The incompatibilities that violate `mode`, each with the earlier version it was found against: what to list when
 * a minor or patch version is refused.
 */
export function breakingChanges(report: HistoryReport, mode: CompatibilityMode = COALITION_MODE): VersionedIncompatibility[] {
  const directions: Direction[] = mode.startsWith('BACKWARD') ? ['backward'] : mode.startsWith('FORWARD') ? ['forward'] : ['backward', 'forward'];
  const scope = mode.endsWith('_TRANSITIVE') ? report.versions : report.versions.slice(-1);
  return scope.flatMap(({ version, report: r }) =>
    r.incompatibilities.filter((i) => directions.includes(i.direction)).map((i) => ({ version, ...i })));
}

/** A copy of a schema without the given keywords at any schema position (member names of `properties` stay). */
function stripKeywords(schema: JsonSchema, keywords: ReadonlySet<string>): JsonSchema {
  if (!isPlainObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (keywords.has(key)) continue;
    if (SCHEMA_KEYWORDS.has(key) && (isPlainObject(value) || typeof value === 'boolean')) out[key] = stripKeywords(value, keywords);
    else if ((SCHEMA_MAP_KEYWORDS.has(key) || key === '$defs' || key === 'definitions') && isPlainObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripKeywords(v as JsonSchema, keywords)]));
    } else if (SCHEMA_ARRAY_KEYWORDS.has(key) && Array.isArray(value)) out[key] = value.map((v) => stripKeywords(v as JsonSchema, keywords));
    else out[key] = value;
  }
  return out as SchemaObject;
}

