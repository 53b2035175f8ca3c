// The health feature's port: what other features may use. Everything else in this folder is internal.
export { HealthModule } from './health.module.js';
