import type { EventOutcome, EventStatus, SignedMessage } from '#plaza/client/node';

/**
 * `plaza events sign|send`: a vendor's side of the exchange, on libs/client's gateway (which signs with libs/dsse
 * and sends through the typed client). What is left here is how the command prints messages and answers.
 */
export {
  allAccepted, BATCH_LIMIT, eventTexts, sendMessages, signingKeyFromJwk, signMessages, toBinary,
  type EventMode, type EventOutcome, type EventStatus, type SendOptions, type SignedMessage,
} from '#plaza/client/node';

/** What `plaza events sign` prints: the body (structured, batch), or the headers, a blank line and the body (binary). */
export function formatMessage(message: SignedMessage): string {
  const body = message.body.toString('utf8');
  if (message.mode !== 'binary') return `${body}\n`;
  return `${Object.entries(message.headers).map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${body}\n`;
}

/** One line per event (with a line per schema or terms error), then a count by status. */
export function formatOutcomes(outcomes: EventOutcome[]): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    const tail =
      o.status === 'rejected' || o.status === 'failed'
        ? `${o.code ?? ''}${o.check ? ` (${o.check})` : ''}${o.detail ? `${o.code ? ': ' : ''}${o.detail}` : ''}`
        : o.sequence !== undefined
          ? `sequence ${o.sequence}`
          : '';
    lines.push(`${o.status.padEnd(9)} ${o.source} ${o.id}${tail ? `  ${tail}` : ''}`);
    for (const e of o.errors ?? []) lines.push(`          ${e.pointer ?? ''} ${e.detail ?? e.message ?? ''}`.trimEnd());
  }
  const counts = new Map<EventStatus, number>();
  for (const o of outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  lines.push(`${outcomes.length} event${outcomes.length === 1 ? '' : 's'}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
