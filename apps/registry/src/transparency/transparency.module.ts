import { Module } from '@nestjs/common';
import { CheckpointPublisher } from './checkpoint-publisher.js';
import { JOURNAL_CHANGES, JournalChangesRepository } from './journal-changes.repository.js';
import { LogMetrics } from './log-metrics.js';
import { LogSigner } from './log-signer.js';
import { PublishedSize } from './published-size.js';
import { SignerElection } from './signer-election.js';
import { SignedNoteController, TransparencyController, WellKnownController } from './transparency.controller.js';
import { TransparencyRepository } from './transparency.repository.js';
import { TransparencyService } from './transparency.service.js';
import { TileController } from './tiles/tile.controller.js';
import { TileService } from './tiles/tile.service.js';
import { WitnessPublisher } from './witnessing/witness-publisher.js';
import { WitnessingRepository } from './witnessing/witnessing.repository.js';
import { WitnessingService } from './witnessing/witnessing.service.js';
import { WithholdState } from './withhold-state.use-case.js';

@Module({
  controllers: [TransparencyController, SignedNoteController, WellKnownController, TileController],
  providers: [
    TransparencyService, TransparencyRepository, LogSigner, PublishedSize, SignerElection, CheckpointPublisher, TileService, WitnessingService, WitnessingRepository, WitnessPublisher,
    JournalChangesRepository, { provide: JOURNAL_CHANGES, useExisting: JournalChangesRepository }, LogMetrics, WithholdState,
  ],
  exports: [TransparencyService, JOURNAL_CHANGES],
})
export class TransparencyModule {}
