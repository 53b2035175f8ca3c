// The operator feature's port: what other features may use. Everything else in this folder is internal.
export { OperatorModule } from './operator.module.js';
