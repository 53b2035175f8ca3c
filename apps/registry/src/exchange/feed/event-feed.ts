import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../kernel/auth/principal.js';
import { ExchangeError, ExchangeErrorCode } from '../exchange-error.js';
import type { EventFeedQuery } from '../exchange.dto.js';
import { RegistryReadModel } from '../registry-read-model.js';
import { FeedAccess } from './feed-access.js';
import { decodePosition, encodePosition, FEED_START } from './cursors.js';
import { FeedRepository, type StoredEvent } from './feed.repository.js';

/** A page of a source's feed: its events, and the cursors to read on from them. */
export interface FeedPage {
  events: StoredEvent[];
  /** More events are available now from here; null when this page reached the end. */
  nextCursor: string | null;
  /** The position after these events: to poll later for events accepted since. */
  pollCursor: string;
}

@Injectable()
export class EventFeed {
  constructor(
    @Inject(FeedRepository) private readonly feed: FeedRepository,
    @Inject(RegistryReadModel) private readonly registry: RegistryReadModel,
    @Inject(FeedAccess) private readonly access: FeedAccess,
  ) {}

  /**
   * A page of a source's accepted events, for the caller. The owning city reads them all; a vendor only while it is
   * a party to an agreement version in force now covering the source (as for submitting: a suspended, terminated or
   * expired agreement shares nothing), and only the event types that version covers. Anything else is a 404.
   */
  async page(principal: Principal, query: EventFeedQuery): Promise<FeedPage> {
    const notFound = () => new ExchangeError(ExchangeErrorCode.SourceNotFound, 'No source with this CloudEvents source value is one whose events you may read.');
    const source = await this.registry.findSource({ ceSource: query.source });
    if (!source) throw notFound();
    const covered = await this.access.coverage(principal.organisationId, source, new Date());
    if (covered !== null) {
      if (covered.length === 0) throw notFound();
      if (query.type !== undefined) {
        const { standards } = await this.registry.standards([query.type], []);
        if (!standards.some((s) => covered.some((c) => c.standard === s.id))) throw notFound();
      }
    }
    const after = query.cursor === undefined ? FEED_START : decodePosition(query.cursor);
    const limit = query.limit ?? 100;
    const rows = await this.feed.eventsAfter([source.id], after, limit + 1, { type: query.type ?? null, covered });
    const events = rows.slice(0, limit);
    const last = events[events.length - 1];
    const position = encodePosition(last ? { xid: last.xid, sequence: last.sequence } : after);
    return { events, nextCursor: rows.length > limit ? position : null, pollCursor: position };
  }
}
