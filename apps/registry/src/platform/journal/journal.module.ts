import { type DynamicModule, Global, Module } from '@nestjs/common';
import { JOURNALED_KINDS, type JournaledKind } from './journaled-kind.js';
import { JournalRepository } from './journal.repository.js';
import { UnitOfWork } from './unit-of-work.js';

/** The unit of work, for every feature, and the list of journaled kinds the composition root gives it. */
@Global()
@Module({})
export class JournalModule {
  static forRoot(kinds: readonly JournaledKind[]): DynamicModule {
    return {
      module: JournalModule,
      providers: [UnitOfWork, JournalRepository, { provide: JOURNALED_KINDS, useValue: kinds }],
      exports: [UnitOfWork, JOURNALED_KINDS],
    };
  }
}
