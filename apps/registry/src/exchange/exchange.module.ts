import { Module } from '@nestjs/common';
import { AgreementModule } from '../agreements/agreement.module.js';
import { PrivacyRecordModule } from '../privacy-records/privacy-record.module.js';
import { StandardModule } from '../standards/standard.module.js';
import { ExchangeController, SourceConformanceController } from './exchange.controller.js';
import { ExchangeRepository } from './exchange.repository.js';
import { ExchangeService } from './exchange.service.js';

@Module({
  imports: [AgreementModule, PrivacyRecordModule, StandardModule],
  controllers: [ExchangeController, SourceConformanceController],
  providers: [ExchangeService, ExchangeRepository],
  // The public register's source page shows the conformance record.
  exports: [ExchangeService],
})
export class ExchangeModule {}
