import { ExchangeError } from './exchange-error.js';
import type { BatchResponse, EventAcceptedResponse } from './exchange.dto.js';
import type { Outcome, OutcomeStatus, Submission } from './submit/outcomes.js';

// The HTTP answer to a submission: its status code depends on what became of the events, so it is decided here,
// beside the controller, rather than by a DTO.

/** One event's result as answered: only the members it has, in a fixed order. */
interface Result {
  index?: number;
  status: OutcomeStatus;
  source?: string;
  id?: string;
  sequence?: string;
  receivedAt?: string;
  code?: string;
  check?: string;
  detail?: string;
  errors?: { pointer: string; detail: string }[];
}

// Members set one by one rather than spread in: a batch answers up to a thousand of these.
function resultOf(o: Outcome, inBatch: boolean): Result {
  const result: Result = inBatch ? { index: o.index, status: o.status } : { status: o.status };
  if (o.source !== undefined) result.source = o.source;
  if (o.id !== undefined) result.id = o.id;
  if (o.sequence !== undefined) result.sequence = o.sequence;
  if (o.receivedAt) result.receivedAt = o.receivedAt.toISOString();
  if (inBatch && o.refusal) {
    result.code = o.refusal.code;
    result.check = o.refusal.check;
    result.detail = o.refusal.detail;
    if (o.refusal.errors) result.errors = o.refusal.errors;
  }
  return result;
}

/** The HTTP answer to a submission: a single event's status (201 when accepted now), a batch's results, or a refused single event's problem. */
export function answerOf(submission: Submission): { statusCode: number; body: EventAcceptedResponse | BatchResponse } {
  if (submission.mode !== 'batch') {
    const [outcome] = submission.outcomes as [Outcome];
    if (outcome.refusal) throw ExchangeError.refusing(outcome.refusal);
    return { statusCode: outcome.status === 'accepted' ? 201 : 200, body: resultOf(outcome, false) as EventAcceptedResponse };
  }
  const tally = { accepted: 0, duplicates: 0, rejected: 0 };
  for (const { status } of submission.outcomes) {
    if (status === 'duplicate') tally.duplicates += 1;
    else if (status === 'rejected') tally.rejected += 1;
    else tally.accepted += 1;
  }
  return { statusCode: 200, body: { ...tally, results: submission.outcomes.map((o) => resultOf(o, true)) } as BatchResponse };
}
