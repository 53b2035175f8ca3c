import { ApiProperty } from '@nestjs/swagger';
import type { ExportManifest } from './export-files.js';

export class ExportFileResponse {
  @ApiProperty({ description: 'Where to download it' }) url: string;
  @ApiProperty() mediaType: string;
  @ApiProperty({ description: 'Its size in bytes' }) bytes: number;
}

/** The latest complete export: which journal size it reflects, when it was built, and its files. */
export class ExportIndexResponse {
  @ApiProperty({ description: 'The journal size when the build began, a lower bound (the build reads in many short reads, not one snapshot): every change below it is in the export; a record changed during the build is in its later state, with its later journalIndex (this size or more); a reference may name a record created during the build that is not in the export' })
  journalSize: number;
  @ApiProperty() startedAt: string;
  @ApiProperty() builtAt: string;
  @ApiProperty({ description: 'Lines of register.jsonl: every public record' }) records: number;
  @ApiProperty({ description: 'Rows of sources.csv' }) sources: number;
  @ApiProperty({ type: ExportFileResponse }) register: ExportFileResponse;
  @ApiProperty({ type: ExportFileResponse }) sourcesCsv: ExportFileResponse;

  static from(m: ExportManifest, publicUrl: string, mediaTypes: { register: string; sources: string }): ExportIndexResponse {
    return {
      journalSize: m.journalSize, startedAt: m.startedAt, builtAt: m.builtAt, records: m.records, sources: m.sources,
      register: { url: `${publicUrl}/exports/register.jsonl`, mediaType: mediaTypes.register, bytes: m.bytes.register },
      sourcesCsv: { url: `${publicUrl}/exports/sources.csv`, mediaType: mediaTypes.sources, bytes: m.bytes.sources },
    };
  }
}
