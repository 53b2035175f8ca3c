import { Inject, Injectable } from '@nestjs/common';
import { type ExchangeKey, type ExchangeStandard, type ExchangeVersion, RegistryReadModel } from '../registry-read-model.js';

/** What check 2 and check 5's stateless half need before any transaction: the keys by kid, the standards by type with their versions by dataschema. */
export interface Lookups {
  keys: ExchangeKey[];
  standards: ExchangeStandard[];
  versions: ExchangeVersion[];
}

/**
 * The registry as phase 2 reads it, outside the storing transaction. Nothing read here decides alone: every key is
 * judged again under lock in phase 3, in the transaction that stores the events.
 */
@Injectable()
export class RegistryLookups {
  constructor(@Inject(RegistryReadModel) private readonly registry: RegistryReadModel) {}

  async lookup(kids: string[], types: string[], schemaUris: string[]): Promise<Lookups> {
    const [keys, found] = await Promise.all([this.registry.keys(kids), this.registry.standards(types, schemaUris)]);
    return { keys, ...found };
  }
}
