import { Inject, Injectable } from '@nestjs/common';
import { parseTilePath, readEntryBundle, readHashTile, sizesWithTile, TILE_WIDTH, TilePathError } from '#plaza/merkle';
import { TileError, TileErrorCode } from './tile-error.js';
import { TransparencyRepository } from '../transparency.repository.js';
import { WitnessingService } from '../witnessing/witnessing.service.js';

export interface ServedTile {
  readonly bytes: Uint8Array;
  /** An entry bundle (the entries themselves) rather than a hash tile. */
  readonly entries: boolean;
  /** A full tile never changes; a partial one is served only while a published checkpoint has it. */
  readonly full: boolean;
}

/**
 * The log as C2SP tlog-tiles, read from the stored subtree hashes and the journal's entry bytes (libs/merkle does the
 * reading; nothing is rehashed). Only tiles of a published tree are served: a full tile once some published checkpoint
 * covers it, a partial tile only for a size that has one, so a client never sees a tile it cannot check. A published
 * checkpoint is a signed one, or with witnesses configured one that met its quorum (as GET /log/checkpoint serves).
 */
@Injectable()
export class TileService {
  constructor(
    @Inject(TransparencyRepository) private readonly log: TransparencyRepository,
    @Inject(WitnessingService) private readonly witnessing: WitnessingService,
  ) {}

  /** `path` is relative to the log's prefix: `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`. */
  async read(path: string): Promise<ServedTile> {
    const resource = this.parse(path);
    const tile = resource.kind === 'entries' ? { level: 0, index: resource.index, width: resource.width } : resource;
    const { min, max } = sizesWithTile(tile);
    const published = this.witnessing.publishesOnlyWitnessed ? await this.witnessing.smallestWitnessedSizeFrom(min) : await this.log.smallestSignedSizeFrom(min);
    if (published === null || published > max) {
      throw new TileError(TileErrorCode.NotPublished, `No published checkpoint has ${path}: fetch the checkpoint, then only the tiles of its size.`);
    }
    const bytes = resource.kind === 'entries' ? await readEntryBundle((start, end) => this.log.entryBytes(start, end), resource) : await readHashTile(this.log.store(), tile);
    return { bytes, entries: resource.kind === 'entries', full: tile.width === TILE_WIDTH };
  }

  private parse(path: string) {
    try {
      return parseTilePath(path);
    } catch (error) {
      if (error instanceof TilePathError) throw new TileError(TileErrorCode.PathInvalid, `${error.message}.`);
      throw error;
    }
  }
}
