// The feeds feature's port: what other features may use. Everything else in this folder is internal.
export { FeedModule } from './feeds.module.js';
