/**
 * Public types of the compatibility checker.
 *
 * @packageDocumentation
 */

/** A JSON Schema (draft 2020-12): a boolean schema or a schema object, as parsed from JSON. */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/**
 * Which way a change breaks.
 *
 * - `backward`: consumers using the NEW schema may fail to read data written with the OLD one
 *   (some instance valid under the previous schema is not valid under the next).
 * - `forward`: consumers still using the OLD schema may fail to read data written with the NEW one
 *   (some instance valid under the next schema is not valid under the previous).
 */
export type Direction = 'backward' | 'forward';

/**
 * Stable codes for the kinds of incompatibility. Each names the change from the previous schema to the next one;
 * most come in pairs, one for each direction (a narrowing breaks backward, the matching widening breaks forward).
 * Adding a bound where there was none counts as moving it from infinity (`maximum-lowered` covers "a maximum was
 * added"); likewise `pattern-changed`, `format-changed`, `const-changed` and `multipleOf-changed` cover a keyword
 * that was added, removed or changed, and the message says which.
 */
export const INCOMPATIBILITY_KINDS = [
  'type-narrowed',
  'type-widened',
  'type-changed',
  'property-type-changed',
  'enum-value-removed',
  'enum-value-added',
  'const-changed',
  'minimum-raised',
  'minimum-lowered',
  'maximum-lowered',
  'maximum-raised',
  'multipleOf-changed',
  'minLength-raised',
  'minLength-lowered',
  'maxLength-lowered',
  'maxLength-raised',
  'pattern-changed',
  'format-changed',
  'items-changed',
  'minItems-raised',
  'minItems-lowered',
  'maxItems-lowered',
  'maxItems-raised',
  'uniqueItems-added',
  'uniqueItems-removed',
  'property-became-required',
  'required-added',
  'required-removed',
  'property-removed-from-closed-model',
  'property-added-to-closed-model',
  'property-added-to-open-model',
  'property-removed-from-open-model',
  'additional-properties-closed',
  'additional-properties-opened',
  'minProperties-raised',
  'minProperties-lowered',
  'maxProperties-lowered',
  'maxProperties-raised',
  'dependentRequired-added',
  'dependentRequired-removed',
  'schema-became-false',
  'schema-was-false',
  'undecidable',
] as const;

/** One of {@link INCOMPATIBILITY_KINDS}. */
export type IncompatibilityKind = (typeof INCOMPATIBILITY_KINDS)[number];

/** One reason why two schemas are not compatible in one direction. */
export interface Incompatibility {
  /**
   * JSON pointer (RFC 6901) to the keyword responsible, e.g. `/properties/pm25/maximum`. Where the two schemas have
   * the same shape it is valid in both; otherwise it points into the schema that holds the constraint being
   * violated (the next schema for `backward`, the previous one for `forward`). Through a `$ref` it follows the
   * referenced definition.
   */
  pointer: string;
  /** The direction this change breaks. */
  direction: Direction;
  /** A stable code for the kind of change. */
  kind: IncompatibilityKind;
  /** A plain English sentence for a coalition member. */
  message: string;
}

/** The result of comparing a previous schema with a next one. */
export interface CompatibilityReport {
  /** Every instance valid under the previous schema is valid under the next one (proven). */
  backward: boolean;
  /** Every instance valid under the next schema is valid under the previous one (proven). */
  forward: boolean;
  /** Both `backward` and `forward`. */
  full: boolean;
  /** Every reason found, backward ones first; empty exactly when `full` is true. */
  incompatibilities: Incompatibility[];
}

/**
 * Compatibility modes, in the schema-registry sense. The transitive ones check a candidate against every earlier
 * version given (of its major); the others against the immediate predecessor only.
 */
export type CompatibilityMode =
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE';

/** A published schema version. */
export interface VersionedSchema {
  /** Semantic version, e.g. `1.2.0`. */
  version: string;
  schema: JsonSchema;
}

/** The result of checking a candidate schema against the earlier versions of its major. */
export interface HistoryReport {
  /** One report per earlier version, oldest first (each compares that version, as previous, with the candidate). */
  versions: Array<{ version: string; report: CompatibilityReport }>;
  /** The immediate predecessor (the highest earlier version), or `undefined` when there is no history. */
  latest: string | undefined;
  /** Compatibility with the immediate predecessor (true when there is none). */
  backward: boolean;
  forward: boolean;
  full: boolean;
  /** Compatibility with every earlier version (true when there is none). */
  backwardTransitive: boolean;
  forwardTransitive: boolean;
  fullTransitive: boolean;
}

/** An incompatibility together with the earlier version it was found against. */
export interface VersionedIncompatibility extends Incompatibility {
  version: string;
}
