import { Module } from '@nestjs/common';
import { CheckpointPublisher } from './checkpoint-publisher.js';
import { LogSigner } from './log-signer.js';
import { TransparencyController, WellKnownController } from './transparency.controller.js';
import { TransparencyRepository } from './transparency.repository.js';
import { TransparencyService } from './transparency.service.js';

@Module({
  controllers: [TransparencyController, WellKnownController],
  providers: [TransparencyService, TransparencyRepository, LogSigner, CheckpointPublisher],
  exports: [TransparencyService],
})
export class TransparencyModule {}
