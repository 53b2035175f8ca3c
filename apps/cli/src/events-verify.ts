import { type EventCheck, type KeyHistory, type ServedEvent, verifyServedEvent } from '#plaza/client/node';

/**
 * `plaza events verify`: a party to an agreement reads a source's events back from the registry and checks each
 * producer's signature itself, with libs/client's consumer (over the bytes the registry kept, with the signing
 * key's public history). What is left here is the check of one item, as the command reports it, and the printing.
 */
export { type EventCheck, type ServedEvent, verifyServedEvents } from '#plaza/client/node';

/** Verifies one served event against the public history of the key that signed it. */
export async function checkServedEvent(item: ServedEvent, history: (kid: string) => Promise<KeyHistory | null>, signer?: string): Promise<EventCheck> {
  return (await verifyServedEvent(item, history, signer !== undefined ? { signer } : {})).check;
}

/** One line per event, then the totals. */
export function formatChecks(checks: EventCheck[]): string {
  const lines = checks.map((c) =>
    c.ok ? `ok   ${c.sequence} ${c.source} ${c.id}  signed by ${c.organisation} with ${c.kid}` : `FAIL ${c.sequence} ${c.source} ${c.id}  ${c.problem}`,
  );
  const bad = checks.filter((c) => !c.ok).length;
  const events = `${checks.length} event${checks.length === 1 ? '' : 's'}`;
  lines.push(bad === 0 ? `${events}: every signature verifies` : `${events}: ${bad} failed verification`);
  return `${lines.join('\n')}\n`;
}
