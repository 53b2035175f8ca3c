// The exports feature's port: what other features may use. Everything else in this folder is internal.
export { ExportsModule } from './exports.module.js';
export { ExportBuilder } from './export-builder.js';
