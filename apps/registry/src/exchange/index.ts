// The exchange feature's port: what other features may use. Everything else in this folder is internal.
export { ExchangeModule } from './exchange.module.js';
export { SourceConformance } from './feed/source-conformance.js';
export { ConformanceResponse } from './exchange.dto.js';
