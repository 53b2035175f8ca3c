// The public-site feature's port: what other features may use. Everything else in this folder is internal.
export { PublicSiteModule } from './public-site.module.js';
