import { Inject, Injectable } from '@nestjs/common';
import type { ConformanceResponse } from '../exchange.dto.js';
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
    const rows = await this.feed.conformance(source.id);
    const accepted = rows.find((r) => r.code === 'accepted');
    const refused = rows.filter((r) => r.code !== 'accepted');
    return {
      source: source.id,
      ceSource: source.ceSource,
      accepted: accepted?.count ?? 0,
      rejected: refused.reduce((sum, r) => sum + r.count, 0),
      rejectedByCode: Object.fromEntries(refused.map((r) => [r.code, r.count])),
      lastAcceptedAt: accepted ? accepted.lastReceivedAt.toISOString() : null,
    };
  }
}
