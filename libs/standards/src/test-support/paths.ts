import { fileURLToPath } from 'node:url';

/** The repository root, seen from this source file (libs/standards/src/test-support/). Tests only. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const STANDARDS_DIR = fileURLToPath(new URL('../../../../standards', import.meta.url));
export const PROPOSALS_DIR = fileURLToPath(new URL('../../../../proposals', import.meta.url));
export const GENERATED_DIR = fileURLToPath(new URL('../generated', import.meta.url));
