/**
 * `plaza subscriptions ...`: a party's webhook subscriptions to sources' events, managed over the registry's HTTP API
 * (`/api/v1/subscriptions`, the CloudEvents Subscriptions draft's terms). Refusals are RFC 9457 problems; their
 * `detail` is what the person at the terminal reads.
 */

/** `deleted` is only ever the answer to a delete. */
export type SubscriptionState = 'validating' | 'active' | 'paused' | 'failing' | 'ended' | 'deleted';

/** A subscription as the registry serves it. */
export interface Subscription {
  id: string;
  protocol: 'HTTP';
  sink: string;
  source: string | null;
  types: string[] | null;
  filters: unknown[];
  config: { batching: boolean; maxbatchsize: number; requestrate: number; allowedrate: number | null };
  sinkcredential: boolean;
  state: SubscriptionState;
  stateReason: string | null;
  createdAt: string;
  updatedAt: string;
  journalIndex: number | null;
  delivery?: {
    cursor: string;
    delivered: number;
    lastDeliveredSequence: string | null;
    lastDeliveredAt: string | null;
    lag: number;
    attempts: number;
    lastError: string | null;
    nextAttemptAt: string | null;
  };
}

/** What `plaza subscriptions create` asks for; absent fields take the registry's defaults. */
export interface NewSubscription {
  sink: string;
  source?: string;
  types?: string[];
  filters?: unknown[];
  token?: string;
  batching?: boolean;
  maxBatchSize?: number;
  rate?: number;
}

export type RewindTo = { cursor: string } | { time: string };

export type JsonFetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;

export interface RegistryAccess {
  registry: string;
  apiKey: string;
  fetch?: JsonFetch;
}

/** A refusal by the registry, carrying its problem's `detail` (or title) and `code`. */
export class RegistryProblem extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

async function call<T>(access: RegistryAccess, method: string, path: string, body?: unknown): Promise<T> {
  const url = new URL(path, access.registry).toString();
  const fetchImpl: JsonFetch = access.fetch ?? ((u, init) => fetch(u, init));
  const headers: Record<string, string> = { authorization: `Bearer ${access.apiKey}`, accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetchImpl(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (error) {
    throw new Error(`no answer from ${url}: ${(error as Error).message}`);
  }
  const text = await response.text();
  let answer: unknown;
  try {
    answer = text ? JSON.parse(text) : undefined;
  } catch {
    throw new RegistryProblem(`${method} ${path} answered ${response.status} without JSON`, response.status);
  }
  if (!response.ok) {
    const problem = (answer ?? {}) as { detail?: string; title?: string; code?: string };
    const said = problem.detail ?? problem.title ?? `${method} ${path} answered ${response.status}`;
    throw new RegistryProblem(problem.code ? `${said} (${problem.code})` : said, response.status, problem.code);
  }
  return answer as T;
}

const at = (id: string, action = '') => `/api/v1/subscriptions/${encodeURIComponent(id)}${action}`;

/** POST /api/v1/subscriptions: the registry then runs the handshake with the sink before it delivers anything. */
export function createSubscription(access: RegistryAccess, wanted: NewSubscription): Promise<Subscription> {
  const config = {
    ...(wanted.batching !== undefined ? { batching: wanted.batching } : {}),
    ...(wanted.maxBatchSize !== undefined ? { maxbatchsize: wanted.maxBatchSize } : {}),
    ...(wanted.rate !== undefined ? { requestrate: wanted.rate } : {}),
  };
  return call(access, 'POST', '/api/v1/subscriptions', {
    protocol: 'HTTP',
    sink: wanted.sink,
    ...(wanted.source !== undefined ? { source: wanted.source } : {}),
    ...(wanted.types?.length ? { types: wanted.types } : {}),
    ...(wanted.filters?.length ? { filters: wanted.filters } : {}),
    ...(wanted.token !== undefined ? { sinkcredential: { credentialtype: 'ACCESSTOKEN', accesstoken: wanted.token } } : {}),
    ...(Object.keys(config).length > 0 ? { config } : {}),
  });
}

/** Every subscription of the caller's organisation, all pages, oldest first. */
export async function listSubscriptions(access: RegistryAccess): Promise<Subscription[]> {
  const all: Subscription[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '100', ...(cursor ? { cursor } : {}) });
    const page: { items: Subscription[]; nextCursor: string | null } = await call(access, 'GET', `/api/v1/subscriptions?${query}`);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

export const getSubscription = (access: RegistryAccess, id: string): Promise<Subscription> => call(access, 'GET', at(id));

export const deleteSubscription = (access: RegistryAccess, id: string): Promise<Subscription> => call(access, 'DELETE', at(id));

/** Pause or resume delivery; a resumed subscription goes through the handshake again. */
export const changeDelivery = (access: RegistryAccess, id: string, action: 'pause' | 'resume'): Promise<Subscription> => call(access, 'POST', at(id, `/${action}`));

/** Deliver again from a feed cursor (`delivery.cursor`, a feed's `nextCursor`) or from an RFC 3339 instant. */
export const rewindSubscription = (access: RegistryAccess, id: string, to: RewindTo): Promise<Subscription> => call(access, 'POST', at(id, '/rewind'), to);

/** A subscription for a person: what it follows, where it stands, and why it is not delivering if it is not. */
export function formatSubscription(s: Subscription): string {
  const rate = `asks ${s.config.requestrate} requests a minute, the sink allowed ${s.config.allowedrate === null ? (s.state === 'validating' ? 'nothing yet' : 'any rate') : s.config.allowedrate}`;
  const lines = [
    `subscription ${s.id}  ${s.state}${s.stateReason ? `: ${s.stateReason}` : ''}`,
    `  sink        ${s.sink}${s.sinkcredential ? '  (with a bearer token)' : ''}`,
    `  source      ${s.source ?? 'every source you may read'}`,
    `  types       ${s.types?.join(', ') ?? 'every type'}`,
    ...(s.filters.length > 0 ? [`  filters     ${JSON.stringify(s.filters)}`] : []),
    `  delivery    ${s.config.batching ? `batches of up to ${s.config.maxbatchsize}` : 'one event a request'}; ${rate}`,
  ];
  const d = s.delivery;
  if (d) {
    lines.push(`  delivered   ${d.delivered}${d.lastDeliveredSequence ? `, last sequence ${d.lastDeliveredSequence} at ${d.lastDeliveredAt}` : ''}; waiting ${d.lag >= 10_000 ? '10000+' : d.lag}`);
    lines.push(`  cursor      ${d.cursor}`);
    if (d.attempts > 0 || d.lastError) lines.push(`  failing     ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.lastError ? `: ${d.lastError}` : ''}${d.nextAttemptAt ? `; next at ${d.nextAttemptAt}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One line per subscription. */
export function formatSubscriptionList(items: Subscription[]): string {
  if (items.length === 0) return 'no subscriptions\n';
  return `${items
    .map((s) => `${s.id}  ${s.state.padEnd(10)}  delivered ${s.delivery?.delivered ?? 0}  waiting ${s.delivery?.lag ?? 0}  ${s.sink}  ${s.source ?? '(every source)'}`)
    .join('\n')}\n`;
}
