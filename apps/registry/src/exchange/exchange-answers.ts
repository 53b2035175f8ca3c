import { ExchangeError } from './exchange-error.js';
import type { BatchResponse, EventAcceptedResponse, EventFeedResponse, RejectionPage, ServedEvent } from './exchange.dto.js';
import type { FeedPage } from './feed/event-feed.js';
import type { StoredRejection } from './feed/feed.repository.js';
import type { Outcome, OutcomeStatus, Submission } from './submit/outcomes.js';

// The exchange's HTTP answers, from what its services return.

/** The HTTP answer to a submission: a single event's status (201 when accepted now), a batch's results, or a refused single event's problem. */
export function answerOf(submission: Submission): { statusCode: number; body: EventAcceptedResponse | BatchResponse } {
  const view = (o: Outcome) => ({
    status: o.status, ...(o.source !== undefined ? { source: o.source } : {}), ...(o.id !== undefined ? { id: o.id } : {}),
    ...(o.sequence !== undefined ? { sequence: o.sequence } : {}), ...(o.receivedAt ? { receivedAt: o.receivedAt.toISOString() } : {}),
  });
  if (submission.mode !== 'batch') {
    const [outcome] = submission.outcomes as [Outcome];
    if (outcome.refusal) throw ExchangeError.refusing(outcome.refusal);
    return { statusCode: outcome.status === 'accepted' ? 201 : 200, body: view(outcome) as EventAcceptedResponse };
  }
  const tally = (...statuses: OutcomeStatus[]) => submission.outcomes.filter((o) => statuses.includes(o.status)).length;
  return {
    statusCode: 200,
    body: {
      accepted: tally('accepted', 'valid'),
      duplicates: tally('duplicate'),
      rejected: tally('rejected'),
      results: submission.outcomes.map((o) => ({
        index: o.index, ...view(o),
        ...(o.refusal ? { code: o.refusal.code, check: o.refusal.check, detail: o.refusal.detail, ...(o.refusal.errors ? { errors: o.refusal.errors } : {}) } : {}),
      })),
    },
  };
}

/** A page of the feed: each event exactly as received (the event object's text, or a binary message's headers and body). */
export function feedAnswer(page: FeedPage): EventFeedResponse {
  return {
    items: page.events.map((row): ServedEvent => ({
      sequence: row.sequence, source: row.source, id: row.id, type: row.type, time: row.timeText, receivedAt: row.receivedAt.toISOString(),
      mode: row.mode, scheme: row.scheme, keyid: row.keyid,
      ...(row.mode === 'binary' ? { headers: row.headers ?? [], bodyBase64: row.received.toString('base64') } : { event: row.received.toString('utf8') }),
    })),
    nextCursor: page.nextCursor,
    pollCursor: page.pollCursor,
  };
}

export function rejectionsAnswer(page: { items: StoredRejection[]; nextCursor: string | null }): RejectionPage {
  return { items: page.items.map((r) => ({ ...r, receivedAt: r.receivedAt.toISOString() })), nextCursor: page.nextCursor };
}
