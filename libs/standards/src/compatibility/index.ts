/**
 * Compatibility of JSON Schema (draft 2020-12) versions for the `data` of an event, in the schema-registry sense,
 * with every incompatibility explained. Plain TypeScript: no framework, no database.
 *
 * ## Definitions
 * - BACKWARD: every instance valid under the previous schema is valid under the next one (consumers on the new
 *   version read data written with the old one). FORWARD: the converse. FULL: both.
 * - Transitive variants check a candidate against every earlier version given, normally all of its major
 *   ({@link checkAgainstHistory}).
 * - The coalition's rule is {@link COALITION_MODE} = BACKWARD_TRANSITIVE: a minor or patch version must be
 *   backward compatible with every earlier version of its major; otherwise {@link requiredBump} says `major`.
 *
 * ## Verdicts are proofs
 * `backward: true` means inclusion was proven. Whatever the checker cannot prove counts as incompatible: a proven
 * counterexample gets a specific kind (`maximum-lowered`, ...), a step it cannot take gets `undecidable` and says
 * why. Patterns and formats are compared by text (`pattern-changed`, `format-changed`), except that listed values
 * (`enum`, `const`) are checked against them one by one.
 *
 * ## Open and closed content models
 * A property name that a schema does not declare takes its value from `additionalProperties`: anything when it is
 * absent or `true` (an open model), nothing when it is `false` (a closed model). Applying the definition exactly:
 *
 * | change                                   | backward                               | forward                               |
 * |------------------------------------------|----------------------------------------|---------------------------------------|
 * | closed model, add optional property      | compatible                             | `property-added-to-closed-model`      |
 * | closed model, remove optional property   | `property-removed-from-closed-model`   | compatible                            |
 * | open model, add constrained property     | `property-added-to-open-model`         | compatible                            |
 * | open model, add unconstrained property   | compatible                             | compatible                            |
 * | open model, remove constrained property  | compatible                             | `property-removed-from-open-model`     |
 * | close an open model                      | `additional-properties-closed`         | compatible                            |
 * | open a closed model                      | compatible                             | `additional-properties-opened`        |
 *
 * Adding a constrained property to an open model breaks backward compatibility because data written before may
 * already carry that name with any value; registries that call it compatible are wrong by their own definition.
 * Under BACKWARD, closed models are therefore the ones that can grow in minor versions.
 *
 * ## What is understood
 * `type` (string or array; `integer` ⊂ `number`), `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`,
 * `exclusiveMaximum` (exact, with integer rounding), `multipleOf` (integer factors), `minLength`, `maxLength`,
 * `pattern`, `format`, `items`, `prefixItems`, `minItems`, `maxItems`, `uniqueItems`, `properties`, `required`,
 * `additionalProperties` (boolean or schema), `minProperties`, `maxProperties`, `dependentRequired`, nested schemas
 * with JSON pointers, local `$ref` (`#/...`, also recursive), `allOf`, `anyOf` and `oneOf` (alternatives told apart
 * by type or by a required discriminating property), and annotations, which are ignored (`title`, `description`,
 * `examples`, `$comment`, `deprecated`, `default`, `readOnly`, `writeOnly`, `$id`, `$schema`, `$defs`, `content*`).
 *
 * ## Undecidable on purpose
 * In the constraining schema: `$ref` to another document or an anchor, `$dynamicRef`, `patternProperties`,
 * `dependentSchemas`, `propertyNames` (unless equal), `contains` (unless equal), `unevaluatedProperties`,
 * `unevaluatedItems`, `not` and `if`/`then`/`else` (unless provably disjoint or satisfied), `oneOf` alternatives
 * that may overlap, unknown keywords, and schemas beyond the work limits. In the constrained schema the same
 * keywords are set aside (sound, since they only restrict), and any finding they could explain away becomes
 * `undecidable`.
 */
export {
  COALITION_MODE, breakingChanges, checkAgainstHistory, compareSchemas, isCompatible, requiredBump,
  type CompareOptions,
} from './compare.js';
export {
  INCOMPATIBILITY_KINDS,
  type CompatibilityMode, type CompatibilityReport, type Direction, type HistoryReport, type Incompatibility,
  type IncompatibilityKind, type JsonSchema, type VersionedIncompatibility, type VersionedSchema,
} from './types.js';
