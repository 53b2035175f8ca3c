import { Module } from '@nestjs/common';
import { TransparencyModule } from '../transparency/index.js';
import { WitnessController } from './witness.controller.js';
import { WitnessRepository } from './witness.repository.js';
import { WitnessService } from './witness.service.js';
import { WitnessSigner } from './witness-signer.js';

@Module({
  // The transparency port gives the log's key, which the witness's must not be.
  imports: [TransparencyModule],
  controllers: [WitnessController],
  providers: [WitnessService, WitnessRepository, WitnessSigner],
})
export class WitnessModule {}
