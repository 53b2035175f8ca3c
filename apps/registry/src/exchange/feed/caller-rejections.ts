import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../kernel/auth/principal.js';
import type { RejectionsQuery } from '../exchange.dto.js';
import { decodeRejectionCursor, encodeRejectionCursor } from './cursors.js';
import { FeedRepository, type StoredRejection } from './feed.repository.js';

@Injectable()
export class CallerRejections {
  constructor(@Inject(FeedRepository) private readonly feed: FeedRepository) {}

  /** The caller's organisation's own refused events, newest first. */
  async page(principal: Principal, query: RejectionsQuery): Promise<{ items: StoredRejection[]; nextCursor: string | null }> {
    const before = query.cursor === undefined ? null : decodeRejectionCursor(query.cursor);
    const limit = query.limit ?? 50;
    const rows = await this.feed.rejections(principal.organisationId, before, limit + 1);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeRejectionCursor(items[items.length - 1]!.rejectionId) : null };
  }
}
