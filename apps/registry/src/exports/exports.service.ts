import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { ExportBuilder } from './export-builder.js';
import { EXPORT_FILES, type ExportFile, type ExportManifest, type OpenExport } from './export-files.js';
import { ExportsError, ExportsErrorCode } from './exports-error.js';
import { ExportIndexResponse } from './exports.dto.js';

/** What the export routes serve: the latest complete export, from its folder, never from the database. */
@Injectable()
export class ExportsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ExportBuilder) private readonly builder: ExportBuilder,
  ) {}

  async index(): Promise<ExportIndexResponse> {
    return ExportIndexResponse.from(await this.latest(), this.config.publicUrl, { register: EXPORT_FILES.register.mediaType, sources: EXPORT_FILES.sources.mediaType });
  }

  async latest(): Promise<ExportManifest> {
    return (await this.builder.folder.latest()) ?? notBuilt();
  }

  /** One file of the latest export, opened: the caller streams it and closes it. */
  async open(file: ExportFile): Promise<OpenExport> {
    return (await this.builder.folder.open(file)) ?? notBuilt();
  }
}

function notBuilt(): never {
  throw new ExportsError(ExportsErrorCode.NotBuiltYet, 'The registry builds its first export in the background after it starts: retry after the time Retry-After gives.');
}
