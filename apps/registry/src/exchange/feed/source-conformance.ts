import { Inject, Injectable } from '@nestjs/common';
import { ConformanceResponse } from '../exchange.dto.js';
import { RegistryReadModel } from '../registry-read-model.js';
import { FeedRepository } from './feed.repository.js';
import { SourceError, SourceErrorCode } from '../../sources/index.js';

/** A source's public conformance record (the API's and the public register's source page). */
@Injectable()
export class SourceConformance {
  constructor(
    @Inject(FeedRepository) private readonly feed: FeedRepository,
    @Inject(RegistryReadModel) private readonly registry: RegistryReadModel,
  ) {}

  /** Counts by outcome of the source's events whose signature verified: accepted, and rejected by code. */
  async of(sourceId: string): Promise<ConformanceResponse> {
    const source = await this.registry.findSource({ id: sourceId });
    if (!source) throw new SourceError(SourceErrorCode.NotFound, `There is no data source ${sourceId}.`);
    return ConformanceResponse.from(source, await this.feed.conformance(source.id));
  }
}
