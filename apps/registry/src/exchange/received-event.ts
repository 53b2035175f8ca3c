// Temporary: bench/json-readers.ts (not the exchange's to edit) still imports the readers from here. Once its imports
// point at ./submit/read.js and ./submit/standard-check.js, delete this file.
export { readBatch, readRefusal, readStructured } from './submit/read.js';
export { readData } from './submit/standard-check.js';
