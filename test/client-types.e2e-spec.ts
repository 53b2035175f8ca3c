import { readFileSync } from 'node:fs';
import { CLIENT_TYPES_PATH, registryApiTypes } from '../apps/registry/src/composition/client-types.js';

/** libs/client's committed types are what `npm run client:generate` makes from the registry's OpenAPI document now. */
describe("libs/client's generated types", () => {
  it('are current: regenerating them from the registry changes nothing (else run npm run client:generate)', async () => {
    expect(await registryApiTypes()).toBe(readFileSync(CLIENT_TYPES_PATH, 'utf8'));
  }, 120_000);
});
