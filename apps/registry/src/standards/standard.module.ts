import { Module } from '@nestjs/common';
import { SchemaController, StandardController } from './standard.controller.js';
import { StandardPublisher } from './standard-publisher.js';
import { StandardRepository } from './standard.repository.js';
import { StandardService } from './standard.service.js';
import { StandardsCatalogue } from './standards-catalogue.js';
import { StandardsImport } from './standards-import.js';

@Module({
  controllers: [StandardController, SchemaController],
  providers: [StandardService, StandardRepository, StandardPublisher, StandardsCatalogue, StandardsImport],
  exports: [StandardRepository, StandardPublisher, StandardsCatalogue, StandardService],
})
export class StandardModule {}
