import { Module } from '@nestjs/common';
import { STANDARD_DIRECTORY } from './standard-directory.js';
import { SchemaController, StandardController } from './standard.controller.js';
import { StandardPublisher } from './standard-publisher.js';
import { StandardRepository } from './standard.repository.js';
import { StandardService } from './standard.service.js';
import { StandardsCatalogue } from './standards-catalogue.js';
import { StandardsImport } from './standards-import.js';

@Module({
  controllers: [StandardController, SchemaController],
  providers: [{ provide: STANDARD_DIRECTORY, useExisting: StandardRepository }, StandardService, StandardRepository, StandardPublisher, StandardsCatalogue, StandardsImport],
  exports: [StandardPublisher, StandardsCatalogue, StandardService, STANDARD_DIRECTORY],
})
export class StandardModule {}
