import { ExchangeError } from './exchange-error.js';
import type { BatchResponse, EventAcceptedResponse } from './exchange.dto.js';
import type { Outcome, OutcomeStatus, Submission } from './submit/outcomes.js';

// The HTTP answer to a submission: its status code depends on what became of the events, so it is decided here,
// beside the controller, rather than by a DTO.

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
