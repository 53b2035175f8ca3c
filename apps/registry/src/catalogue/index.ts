// The catalogue feature's port: what other features may use. Everything else in this folder is internal.
export { CatalogueModule } from './catalogue.module.js';
