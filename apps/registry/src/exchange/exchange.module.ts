import { Module } from '@nestjs/common';
import { ExchangeController, SourceConformanceController } from './exchange.controller.js';
import { ExchangeRepository } from './exchange.repository.js';
import { ExchangeService } from './exchange.service.js';
import { AgreementModule } from '../agreements/index.js';
import { PrivacyRecordModule } from '../privacy-records/index.js';
import { StandardModule } from '../standards/index.js';

@Module({
  imports: [AgreementModule, PrivacyRecordModule, StandardModule],
  controllers: [ExchangeController, SourceConformanceController],
  providers: [ExchangeService, ExchangeRepository],
  // The public register's source page shows the conformance record.
  exports: [ExchangeService],
})
export class ExchangeModule {}
