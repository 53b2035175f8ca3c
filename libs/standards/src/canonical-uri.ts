import semver from 'semver';

/**
 * The one base of every standard schema's canonical URI (`$id`, and the `dataschema` of events).
 *
 * A schema's identity must not depend on where a registry runs, so it is this fixed base followed by
 * a path that every Plaza registry also serves: `/standards/<id>/<version>/schema.json`. To fetch a
 * schema from a given registry, keep the path and replace the base with that registry's origin.
 *
 * The host lies under `.example`, a name reserved by RFC 2606 / RFC 6761 that is never delegated:
 * the URI is an identifier, not a locator, and nobody can ever register the domain and answer for
 * it with a different schema. Published `$id`s are immutable, so this value must never change.
 */
export const CANONICAL_SCHEMA_BASE = 'https://schemas.plaza.example';

/** A standard id: lowercase words separated by single hyphens, 3 to 64 characters. */
export const STANDARD_ID_PATTERN = /^(?=.{3,64}$)[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Whether `id` is a well-formed standard id (see {@link STANDARD_ID_PATTERN}). */
export function isStandardId(id: string): boolean {
  return STANDARD_ID_PATTERN.test(id);
}

/**
 * Whether `version` is a release version `MAJOR.MINOR.PATCH` (no pre-release, no build metadata,
 * no `v` prefix): the only form a published standard version takes.
 */
export function isReleaseVersion(version: string): boolean {
  return semver.valid(version) === version && semver.prerelease(version) === null && !version.includes('+');
}

/** The path, identical on every registry, at which a version's schema is served. */
export function canonicalSchemaPath(standardId: string, version: string): string {
  assertIdAndVersion(standardId, version);
  return `/standards/${standardId}/${version}/schema.json`;
}

/** The canonical URI of a version's schema: its `$id` and the `dataschema` of its events. */
export function canonicalSchemaUri(standardId: string, version: string): string {
  return CANONICAL_SCHEMA_BASE + canonicalSchemaPath(standardId, version);
}

/**
 * Reads a canonical schema URI (or its bare path, as a registry receives it in a request) back into
 * its standard id and version; null when it is not of that form. Exact: no query, fragment, trailing
 * slash or other base is accepted.
 */
export function parseCanonicalSchemaUri(uriOrPath: string): { standardId: string; version: string } | null {
  const path = uriOrPath.startsWith(CANONICAL_SCHEMA_BASE + '/') ? uriOrPath.slice(CANONICAL_SCHEMA_BASE.length) : uriOrPath;
  const match = /^\/standards\/([^/]+)\/([^/]+)\/schema\.json$/.exec(path);
  if (!match) return null;
  const [, standardId, version] = match as unknown as [string, string, string];
  if (!isStandardId(standardId) || !isReleaseVersion(version)) return null;
  return { standardId, version };
}

function assertIdAndVersion(standardId: string, version: string): void {
  if (!isStandardId(standardId)) throw new RangeError(`not a standard id: ${JSON.stringify(standardId)}`);
  if (!isReleaseVersion(version)) throw new RangeError(`not a MAJOR.MINOR.PATCH version: ${JSON.stringify(version)}`);
}
