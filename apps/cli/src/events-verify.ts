import { Buffer } from 'node:buffer';
import type { JsonWebKey } from 'node:crypto';
import { type CloudEventInput, decodeBase64, readBinary, SCHEME_VERSION, scanStructured, verify } from '#plaza/dsse';

/**
 * `plaza events verify`: a party to an agreement reads a source's events back from the registry and checks each
 * producer's signature itself, over the bytes the registry kept, with the signing key's public history. It trusts
 * the registry for nothing but transport: a changed byte, a key that was not valid when the registry received the
 * event, or an item whose listed attributes differ from the signed ones is reported.
 */

/** An item of GET /api/v1/exchange/events, as far as the verifier reads it. */
export interface ServedEvent {
  sequence: string;
  source: string;
  id: string;
  type: string;
  time: string;
  receivedAt: string;
  mode: 'structured' | 'batch' | 'binary';
  scheme: string;
  /** Structured and batch mode: the exact text of the event object as received. */
  event?: string;
  /** Binary mode: the `ce-*` and Content-Type headers as received, in order, and the body. */
  headers?: [string, string][];
  bodyBase64?: string;
}

/** The public history of a signing key (GET /api/v1/signing-keys/{kid}). */
interface KeyHistory {
  kid: string;
  organisation: string;
  jwk: JsonWebKey;
  validFrom: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface EventCheck {
  sequence: string;
  source: string;
  id: string;
  ok: boolean;
  kid?: string;
  organisation?: string;
  problem?: string;
}

export type GetFetch = (url: string, init: { headers: Record<string, string> }) => Promise<Response>;

export interface VerifyServedOptions {
  apiKey: string;
  type?: string;
  /** The organisation whose keys must have signed (a city passes its source's operator). */
  signer?: string;
  fetch?: GetFetch;
}

/** Reads every page of a source's events and verifies each one; one check per event, in sequence order. */
export async function verifyServedEvents(registry: string, source: string, options: VerifyServedOptions): Promise<EventCheck[]> {
  const fetchImpl: GetFetch = options.fetch ?? ((url, init) => fetch(url, init));
  const get = async <T>(path: string, auth: boolean): Promise<T> => {
    const response = await fetchImpl(new URL(path, registry).toString(), { headers: auth ? { authorization: `Bearer ${options.apiKey}` } : {} });
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
    return (await response.json()) as T;
  };
  const keys = new Map<string, KeyHistory | null>();
  const history = async (kid: string): Promise<KeyHistory | null> => {
    if (!keys.has(kid)) {
      keys.set(kid, await get<KeyHistory>(`/api/v1/signing-keys/${encodeURIComponent(kid)}`, false).catch(() => null));
    }
    return keys.get(kid)!;
  };

  const checks: EventCheck[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ source, limit: '100', ...(options.type ? { type: options.type } : {}), ...(cursor ? { cursor } : {}) });
    const page = await get<{ items: ServedEvent[]; nextCursor: string | null }>(`/api/v1/exchange/events?${query}`, true);
    for (const item of page.items) checks.push(await checkServedEvent(item, history, options.signer));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return checks;
}

/** Verifies one served event against the public history of the key that signed it. */
export async function checkServedEvent(item: ServedEvent, history: (kid: string) => Promise<KeyHistory | null>, signer?: string): Promise<EventCheck> {
  const base = { sequence: item.sequence, source: item.source, id: item.id };
  const failed = (problem: string, extra: Partial<EventCheck> = {}): EventCheck => ({ ...base, ok: false, ...extra, problem });
  if (item.scheme !== SCHEME_VERSION) return failed(`signed under scheme ${JSON.stringify(item.scheme)}, which this verifier does not implement (${SCHEME_VERSION})`);
  let event: CloudEventInput;
  try {
    event = receivedEvent(item);
  } catch (error) {
    return failed(`the served bytes cannot be read: ${(error as Error).message}`);
  }

  const refused: string[] = [];
  const accepted = new Map<string, KeyHistory>();
  const receivedAt = Date.parse(item.receivedAt);
  const result = await verify(event, async (kid) => {
    const key = await history(kid);
    const problem = !key
      ? 'no such key in the registry'
      : signer !== undefined && key.organisation !== signer
        ? `the key belongs to ${key.organisation}, not ${signer}`
        : keyProblemAt(key, receivedAt);
    if (problem) {
      refused.push(`${kid}: ${problem}`);
      return undefined;
    }
    accepted.set(kid, key!);
    return key!.jwk;
  });
  if (!result.ok) return failed(result.code === 'unknown_key' && refused.length > 0 ? refused.join('; ') : `${result.code}: ${result.message}`);
  const key = accepted.get(result.keyid)!;
  const signed = result.event.attributes;
  for (const name of ['source', 'id', 'type', 'time'] as const) {
    if (String(signed[name]) !== item[name]) return failed(`the item lists ${name} ${JSON.stringify(item[name])}, the signed event says ${JSON.stringify(signed[name])}`, { kid: key.kid, organisation: key.organisation });
  }
  return { ...base, ok: true, kid: key.kid, organisation: key.organisation };
}

function keyProblemAt(key: KeyHistory, at: number): string | null {
  if (Number.isNaN(at)) return 'the item has no receipt time to judge the key by';
  if (Date.parse(key.validFrom) > at) return 'the key was not valid yet when the registry received the event';
  if (key.expiresAt && Date.parse(key.expiresAt) <= at) return 'the key had expired when the registry received the event';
  if (key.revokedAt && Date.parse(key.revokedAt) <= at) return 'the key was revoked when the registry received the event';
  return null;
}

/** The event exactly as the registry received it. */
function receivedEvent(item: ServedEvent): CloudEventInput {
  if (item.mode === 'binary') {
    if (!item.headers || item.bodyBase64 === undefined) throw new Error('a binary-mode item needs headers and bodyBase64');
    const body = decodeBase64(item.bodyBase64);
    if (!body) throw new Error('bodyBase64 is not base64');
    return readBinary(item.headers, body);
  }
  if (typeof item.event !== 'string') throw new Error('a structured or batch item needs the event text');
  return scanStructured(Buffer.from(item.event, 'utf8'));
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
