import { Readable } from 'node:stream';
import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../kernel/auth/decorators.js';
import { EXPORT_FILES, type ExportFile, fileName } from './export-files.js';
import { ExportIndexResponse } from './exports.dto.js';
import { ExportsService } from './exports.service.js';

const REFLECTS = 'ETag and the file name carry the journal size when its build began, a lower bound: every change below it is in the file, and records changed during the build are in their later state (see journalSize at GET /exports).';

/**
 * The full exports of the public register, served from files on disk: a reader, however slow, holds a file open and
 * never a database connection. Caches revalidate with the ETag, which changes with every new export.
 */
@ApiTags('exports')
@Controller('exports')
@Public()
export class ExportsController {
  constructor(@Inject(ExportsService) private readonly exports: ExportsService) {}

  @Get()
  @Header('cache-control', 'no-cache')
  @ApiOperation({ summary: 'The latest full export: the journal size it reflects, when it was built, and its files (503 until the first is built)' })
  index(): Promise<ExportIndexResponse> {
    return this.exports.index();
  }

  @Get('register.jsonl')
  @ApiOperation({ summary: `Every public record as JSON Lines: {"kind", "journalIndex", "record"} a line, the record as the API serves it. ${REFLECTS}` })
  @ApiProduces(EXPORT_FILES.register.mediaType)
  register(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.send('register', request, reply);
  }

  @Get('sources.csv')
  @ApiOperation({ summary: `Every source as CSV, a row each with its journal index; cells a spreadsheet would run as formulas are escaped. ${REFLECTS}` })
  @ApiProduces(EXPORT_FILES.sources.mediaType)
  sources(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.send('sources', request, reply);
  }

  private async send(file: ExportFile, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { manifest, handle } = await this.exports.open(file);
    const etag = `"${file}-${manifest.journalSize}"`;
    void reply
      .header('etag', etag)
      .header('cache-control', 'public, no-cache')
      .header('last-modified', new Date(manifest.builtAt).toUTCString())
      .header('content-disposition', `attachment; filename="plaza-${fileName(file, manifest.journalSize)}"`)
      .type(EXPORT_FILES[file].mediaType);
    if (request.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) {
      await handle.close();
      await reply.status(304).send();
      return;
    }
    void reply.header('content-length', manifest.bytes[file]);
    if (request.method === 'HEAD') {
      // fastify reads a stream sent to HEAD to its end: the file is not read for a HEAD, only its length is told.
      await handle.close();
      await reply.send(Readable.from([]));
      return;
    }
    // The stream closes the file when it ends or the client goes away.
    await reply.send(handle.createReadStream());
  }
}
