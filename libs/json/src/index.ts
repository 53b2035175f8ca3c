export { canonicalJson } from './canonical.js';
export { findDuplicateMember } from './duplicates.js';
