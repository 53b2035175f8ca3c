export { canonicalJson } from './canonical.js';
export { escapeToken, findDuplicateMember, inspectJson, type InspectOptions, type JsonFinding, type JsonFlaw } from './inspect.js';
export { assertStrictJson, type JsonMember, JsonReadError, type JsonReadErrorCode, StrictJsonReader, type StrictReadOptions } from './strict-reader.js';
