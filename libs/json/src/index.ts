export { canonicalJson } from './canonical.js';
export { escapeToken, findDuplicateMember, inspectJson, type InspectOptions, type JsonFinding, type JsonFlaw } from './inspect.js';
