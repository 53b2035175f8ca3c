import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { TransparencyError, TransparencyErrorCode } from './transparency-error.js';
import { TransparencyRepository, WITHHOLDING } from './transparency.repository.js';
import { recordWithholding } from './withholding-record.js';

/**
 * The operator withholds the state an entry recorded, typed in error (personal information in a public field): its kept
 * text is erased and never disclosed again, and the withholding is itself an entry, so every history shows it. The
 * entry and its digest stay: the log does not change, only what it lets anyone check.
 */
@Injectable()
export class WithholdState {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(TransparencyRepository) private readonly log: TransparencyRepository,
  ) {}

  async execute(principal: Principal, index: number): Promise<void> {
    await this.uow.run(actorOf(principal), async (tx) => {
      const target = await this.log.lockForWithholding(tx.manager, index);
      if (!target) throw new TransparencyError(TransparencyErrorCode.IndexOutOfRange, `There is no entry ${index} in the log.`);
      if (!target.kept || target.subjectType === WITHHOLDING) {
        throw new TransparencyError(
          TransparencyErrorCode.StateNotKept,
          target.kept ? `Entry ${index} is a withholding: it holds no record's content.` : `Entry ${index} predates kept states: the registry holds no state of it to withhold.`,
        );
      }
      if (target.withheld) throw new TransparencyError(TransparencyErrorCode.StateAlreadyWithheld, `The state entry ${index} recorded is already withheld.`);
      await this.log.withhold(tx.manager, index);
      recordWithholding(tx, index, target);
    });
  }
}
