import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../kernel/auth/decorators.js';
import { TileService } from './tile.service.js';

/**
 * Tiles have a per-address limit of their own, far above the API's: they are cheap (one indexed read of at most 256
 * rows) and cacheable, and a monitor catching up a million entries fetches about 8,000 of them.
 */
export const TILE_REQUESTS_PER_MINUTE = 20_000;

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** A partial tile stays right for its checkpoint, but may be dropped once its full tile exists (as a checkpoint: a few seconds). */
const SHORT_LIVED = 'public, max-age=5';

const gzipped = promisify(gzip);

/** Whether an Accept-Encoding header accepts gzip (named, or `*`, with a non-zero quality). */
function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    return (coding === 'gzip' || coding === '*') && !params.some((param) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(param));
  });
}

/** The log as C2SP tlog-tiles under the prefix `/log` (c2sp.org/tlog-tiles). */
@ApiTags('transparency log')
@Controller('log')
export class TileController {
  constructor(@Inject(TileService) private readonly tiles: TileService) {}

  // One handler for both kinds of path: a tile index is several path segments (x001/x234/067).
  @Get('tile/*')
  @Public()
  // Not a @PublicRead (its RouteConfig would replace this one): full tiles are immutable, cached by clients and CDNs.
  @RouteConfig({ rateLimit: { max: TILE_REQUESTS_PER_MINUTE, timeWindow: 60_000 } })
  @ApiOperation({
    summary: 'A tile of the log (C2SP tlog-tiles): tile/<L>/<N>[.p/<W>] (hashes) or tile/entries/<N>[.p/<W>] (the entries, length-prefixed)',
    description:
      'Only tiles of a published checkpoint (a signed one; with witnesses configured, one that met its quorum, as GET /log/checkpoint): full tiles once such a checkpoint covers them (immutable), partial tiles only for a size that has one. ' +
      'A path that is not canonical is a 400 (log.tile_path_invalid); a tile no checkpoint has is a 404 (log.tile_not_published).',
  })
  // The document names the wildcard `path`, as @nestjs/swagger renders `*`.
  @ApiParam({ name: 'path', description: 'The rest of the tile path, after tile/', example: '0/x001/234.p/5' })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'Raw 32-byte hashes, or entries each as a big-endian uint16 length and its bytes (gzip when accepted)' })
  @ApiBadRequestResponse({ description: 'Not a tile path (log.tile_path_invalid)' })
  @ApiNotFoundResponse({ description: 'No signed checkpoint has this tile (log.tile_not_published)' })
  async tile(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const tile = await this.tiles.read(`tile/${(request.params as { '*': string })['*']}`);
    void reply.type('application/octet-stream').header('cache-control', tile.full ? IMMUTABLE : SHORT_LIVED);
    if (tile.entries) void reply.header('vary', 'accept-encoding');
    if (tile.entries && acceptsGzip(request.headers['accept-encoding'])) {
      void reply.header('content-encoding', 'gzip').send(await gzipped(tile.bytes));
      return;
    }
    void reply.send(Buffer.from(tile.bytes.buffer, tile.bytes.byteOffset, tile.bytes.byteLength));
  }
}
