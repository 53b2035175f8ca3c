/**
 * @plaza/client: the typed client for a Plaza registry's API. This entry needs no Node: it runs in browsers too.
 * Signing, verifying and the gateway and consumer helpers are in `@plaza/client/node` (they use node:crypto).
 * See libs/client/README.md.
 */
export { createRegistryClient, ok, RegistryProblem, type Problem, type RegistryClient, type RegistryClientOptions } from './client.js';
export type { components, operations, paths } from './registry-api.js';
