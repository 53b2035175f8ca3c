import { Global, Module } from '@nestjs/common';
import { RegistryChanges } from './registry-changes.js';

/** The registry's change notices, for the unit of work (which sends them) and the per-process caches (which listen). */
@Global()
@Module({ providers: [RegistryChanges], exports: [RegistryChanges] })
export class RegistryChangesModule {}
