import { Foundation1732280000000 } from './1732280000000-foundation.js';

/** Every migration, in order. The registry runs the pending ones at start. */
export const MIGRATIONS = [Foundation1732280000000];
