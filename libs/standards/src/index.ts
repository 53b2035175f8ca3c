/**
 * @plaza/standards: the public standards catalogue as plain TypeScript (no Nest, no database).
 *
 * - Canonical schema URIs: CANONICAL_SCHEMA_BASE + `/standards/<id>/<version>/schema.json`.
 * - The `standards/` and `proposals/` folders: loadStandardsFolder, loadProposalsFolder, parseProposal,
 *   writeStandardVersion (export back to the folder).
 * - Validation: SchemaValidator (ajv 2020-12 + formats, one hardened path for every schema,
 *   linear-time patterns), checkSchemaSafety, checkStandardSchemaIdentity.
 * - Compatibility between versions: see ./compatibility.
 * - Generated data types of every shipped version: StandardDataTypes and one namespace per version.
 *
 * The type generator (generate-types.ts) is deliberately not exported: it depends on a development
 * dependency and runs only through `npm run standards:types`.
 */
export {
  CANONICAL_SCHEMA_BASE,
  STANDARD_ID_PATTERN,
  canonicalSchemaPath,
  canonicalSchemaUri,
  isReleaseVersion,
  isStandardId,
  parseCanonicalSchemaUri,
} from './canonical-uri.js';
export { checkStandardSchemaIdentity } from './standard-schema.js';
export { FolderError, type FolderProblem } from './catalogue/folder-error.js';
export {
  formatJsonFile,
  loadStandardsFolder,
  schemaDigest,
  writeStandardVersion,
  type ExampleDescriptor,
  type LoadStandardsOptions,
  type LocalizedText,
  type StandardDescriptor,
  type StandardMetadata,
  type StandardVersionDescriptor,
  type StandardVersionFiles,
} from './catalogue/standards-folder.js';
export {
  loadProposalsFolder,
  parseProposal,
  PROPOSAL_KINDS,
  PROPOSAL_STATUSES,
  type ProposalDescriptor,
  type ProposalKind,
  type ProposalStatus,
} from './catalogue/proposals-folder.js';
export {
  ALLOWED_FORMATS,
  DEFAULT_SCHEMA_LIMITS,
  JSON_SCHEMA_2020_12,
  checkSchemaSafety,
  escapePointerToken,
  resolvePointer,
  type SchemaLimits,
  type SchemaProblem,
} from './validation/schema-safety.js';
export { compileLinearRegExp, MAX_PATTERN_LENGTH, PatternRefusedError, type LinearRegExp } from './validation/linear-regexp.js';
export {
  SchemaRefusedError,
  SchemaValidator,
  UnknownSchemaError,
  type ValidationIssue,
  type ValidationResult,
} from './validation/schema-validator.js';
export * from './generated/index.js';
export * from './compatibility/index.js';
