import { performance } from 'node:perf_hooks';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { canonicalJson } from '#plaza/json';
import { linearRegExpEngine } from './linear-regexp.js';
import {
  ALLOWED_FORMATS,
  checkSchemaSafety,
  DEFAULT_SCHEMA_LIMITS,
  escapePointerToken,
  type SchemaLimits,
  type SchemaProblem,
} from './schema-safety.js';

// ajv-formats is CommonJS with `export default`; under NodeNext the default import is the module object.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

/** One reason why data does not satisfy a schema. */
export interface ValidationIssue {
  /** JSON pointer into the validated data ("" is the whole value); for a missing or unexpected property, the property's own pointer. */
  pointer: string;
  /** A plain sentence. */
  message: string;
  /** The JSON Schema keyword that failed (`required`, `type`, `enum`, ...), stable enough for error codes. */
  keyword: string;
}

/** The outcome of validating data. */
export interface ValidationResult {
  valid: boolean;
  /** Empty when valid. Validation stops at the first failure (see {@link SchemaValidator}), so there is one issue. */
  errors: ValidationIssue[];
}

/** A schema was refused: it broke a safety rule or a limit, or ajv could not compile it. */
export class SchemaRefusedError extends Error {
  override readonly name = 'SchemaRefusedError';
  constructor(readonly problems: SchemaProblem[]) {
    super(`schema refused: ${problems.map((p) => `${p.pointer || '(root)'}: ${p.message}`).join('; ')}`);
  }
}

/** `validate` was asked for a schema id that was never added. */
export class UnknownSchemaError extends Error {
  override readonly name = 'UnknownSchemaError';
  constructor(readonly schemaId: string) {
    super(`no schema with $id ${schemaId} has been added`);
  }
}

interface Entry {
  validate: ValidateFunction;
  canonical: string;
}

/**
 * Compiles JSON Schemas (2020-12) once, caches them by `$id`, and validates data against them.
 *
 * Every schema goes through the same hardened path, whether it comes from the repository's
 * `standards/` folder or from a proposal:
 * 1. {@link checkSchemaSafety}: size, depth, keyword count, local references only, no `$data`,
 *    no recursion, linear-time patterns, allowed formats (problems carry JSON pointers);
 * 2. the 2020-12 meta-schema, then ajv in strict mode, with a fresh ajv instance per schema: no
 *    schema can reach another one, and nothing is ever loaded from the network (no `loadSchema`);
 * 3. a measured compile-time budget ({@link SchemaLimits.maxCompileMillis}). ajv compiles
 *    synchronously and cannot be interrupted, so the budget refuses a schema after the fact; the
 *    static limits are what keep that compilation short in the first place.
 *
 * Patterns run on re2js (linear time). Validation stops at the first failure (`allErrors: false`):
 * ajv's own advice for untrusted data, since collecting every error can cost far more than
 * validating. `ownProperties` is on, so inherited names such as `constructor` never count as present.
 */
export class SchemaValidator {
  readonly limits: Readonly<SchemaLimits>;
  private readonly entries = new Map<string, Entry>();

  constructor(limits: Partial<SchemaLimits> = {}) {
    this.limits = Object.freeze({ ...DEFAULT_SCHEMA_LIMITS, ...limits });
  }

  /**
   * Runs every check and a trial compilation without caching anything: the whole verdict on a
   * schema submitted in a proposal. An empty list means {@link add} would accept it.
   */
  inspect(schema: unknown): SchemaProblem[] {
    const outcome = this.compile(schema);
    return 'problems' in outcome ? outcome.problems : [];
  }

  /**
   * Checks, compiles and caches a schema under its `$id` (which it must have); returns the `$id`.
   * Adding the same schema again (same canonical JSON) is a no-op; a different schema under an
   * `$id` already present is refused, because a published version never changes.
   * @throws SchemaRefusedError
   */
  add(schema: unknown): string {
    const id = typeof schema === 'object' && schema !== null ? (schema as { $id?: unknown }).$id : undefined;
    const existing = typeof id === 'string' ? this.entries.get(id) : undefined;
    if (existing && typeof id === 'string') {
      if (canonicalJson(schema) === existing.canonical) return id;
      throw new SchemaRefusedError([{ pointer: '/$id', message: `a different schema with $id ${id} is already loaded` }]);
    }
    const outcome = this.compile(schema);
    if ('problems' in outcome) throw new SchemaRefusedError(outcome.problems);
    this.entries.set(outcome.id, { validate: outcome.validate, canonical: canonicalJson(schema) });
    return outcome.id;
  }

  /** Whether a schema with this `$id` has been added. */
  has(schemaId: string): boolean {
    return this.entries.has(schemaId);
  }

  /** The `$id`s of every added schema, in the order they were added. */
  ids(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Validates data (already parsed JSON) against the schema with this `$id`.
   * @throws UnknownSchemaError when no such schema was added
   */
  validate(schemaId: string, data: unknown): ValidationResult {
    const entry = this.entries.get(schemaId);
    if (!entry) throw new UnknownSchemaError(schemaId);
    if (entry.validate(data)) return { valid: true, errors: [] };
    return { valid: false, errors: (entry.validate.errors ?? []).map(toIssue) };
  }

  private compile(schema: unknown): { id: string; validate: ValidateFunction } | { problems: SchemaProblem[] } {
    const problems = checkSchemaSafety(schema, this.limits);
    if (problems.length > 0) return { problems };
    const id = (schema as { $id?: unknown }).$id;
    if (typeof id !== 'string' || id === '') return { problems: [{ pointer: '/$id', message: 'the schema must have an "$id"' }] };

    const meta = metaValidator();
    if (!meta.validateSchema(schema as object)) {
      return {
        problems: (meta.errors ?? []).map((e) => ({ pointer: e.instancePath, message: `not a valid JSON Schema 2020-12: ${e.message ?? e.keyword}` })),
      };
    }
    const ajv = createAjv({ meta: false, validateSchema: false });
    const started = performance.now();
    let validate: ValidateFunction;
    try {
      // A copy: ajv keeps a reference to the schema it compiles, and callers keep theirs.
      validate = ajv.compile(structuredClone(schema) as object);
    } catch (error) {
      return { problems: [compileProblem(error)] };
    }
    const millis = performance.now() - started;
    if (millis > this.limits.maxCompileMillis) {
      return {
        problems: [{ pointer: '', message: `compiling took ${Math.round(millis)} ms, over the limit of ${this.limits.maxCompileMillis} ms` }],
      };
    }
    return { id, validate };
  }
}

let sharedMetaValidator: Ajv2020 | undefined;

/**
 * One ajv instance, shared, checks schemas against the 2020-12 meta-schema: compiling the
 * meta-schema is most of the cost of a fresh instance, so each schema's own instance skips it.
 */
function metaValidator(): Ajv2020 {
  sharedMetaValidator ??= createAjv({});
  return sharedMetaValidator;
}

function createAjv(extra: { meta?: boolean; validateSchema?: boolean }): Ajv2020 {
  const ajv = new Ajv2020({
    ...extra,
    strict: true,
    // "at least one of" (anyOf of required lists over the parent's properties) is legitimate.
    strictRequired: false,
    allowUnionTypes: true,
    allErrors: false,
    $data: false,
    ownProperties: true,
    validateFormats: true,
    unicodeRegExp: true,
    code: { regExp: linearRegExpEngine },
  });
  addFormats(ajv, { mode: 'full', formats: [...ALLOWED_FORMATS] });
  return ajv;
}

/** ajv's compile errors carry no pointer; strict-mode messages often quote the schema path. */
function compileProblem(error: unknown): SchemaProblem {
  const message = error instanceof Error ? error.message : String(error);
  const at = /at "#?([^"]*)"/.exec(message);
  const pointer = at?.[1] && at[1].startsWith('/') ? at[1] : '';
  return { pointer, message: `ajv cannot compile the schema: ${message}` };
}

function toIssue(error: ErrorObject): ValidationIssue {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        pointer: `${error.instancePath}/${escapePointerToken(String(params.missingProperty))}`,
        message: 'is required but missing',
        keyword: error.keyword,
      };
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return {
        pointer: `${error.instancePath}/${escapePointerToken(String(params.additionalProperty ?? params.unevaluatedProperty))}`,
        message: 'is not a property the schema allows',
        keyword: error.keyword,
      };
    case 'enum':
      return {
        pointer: error.instancePath,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        keyword: error.keyword,
      };
    case 'const':
      return { pointer: error.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}`, keyword: error.keyword };
    default:
      return { pointer: error.instancePath, message: error.message ?? `fails "${error.keyword}"`, keyword: error.keyword };
  }
}
