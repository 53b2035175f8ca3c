import { type components, createRegistryClient, ok, type RegistryClient, type RegistryClientOptions } from '#plaza/client/node';

export { RegistryProblem } from '#plaza/client/node';

/**
 * `plaza subscriptions ...`: a party's webhook subscriptions to sources' events, managed through libs/client's typed client
 * (`/api/v1/subscriptions`, the CloudEvents Subscriptions draft's terms). A refusal is libs/client's RegistryProblem.
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

export interface RegistryAccess {
  registry: string;
  apiKey: string;
  fetch?: RegistryClientOptions['fetch'];
}

type Answer = Promise<{ data?: unknown; error?: unknown; response: Response }>;

/**
 * The data of a typed call as a Subscription (the generated types leave the nullable strings untyped); a refusal
 * throws libs/client's RegistryProblem, as the events commands do, and a registry that does not answer says so.
 */
async function subscription<T = Subscription>(access: RegistryAccess, call: (client: RegistryClient) => Answer): Promise<T> {
  const client = createRegistryClient({ baseUrl: access.registry, apiKey: access.apiKey, ...(access.fetch ? { fetch: access.fetch } : {}) });
  const answer = call(client).catch((error: unknown) => {
    throw new Error(`no answer from ${access.registry}: ${(error as Error).message}`);
  });
  return (await ok(answer)) as T;
}

const id = (value: string) => ({ params: { path: { id: value } } });

/** POST /api/v1/subscriptions: the registry then runs the handshake with the sink before it delivers anything. */
export function createSubscription(access: RegistryAccess, wanted: NewSubscription): Promise<Subscription> {
  const config = {
    ...(wanted.batching !== undefined ? { batching: wanted.batching } : {}),
    ...(wanted.maxBatchSize !== undefined ? { maxbatchsize: wanted.maxBatchSize } : {}),
    ...(wanted.rate !== undefined ? { requestrate: wanted.rate } : {}),
  };
  const body: components['schemas']['CreateSubscriptionDto'] = {
    protocol: 'HTTP',
    sink: wanted.sink,
    ...(wanted.source !== undefined ? { source: wanted.source } : {}),
    ...(wanted.types?.length ? { types: wanted.types } : {}),
    // The document types a filter as an open object; the registry validates its shape.
    ...(wanted.filters?.length ? { filters: wanted.filters as components['schemas']['CreateSubscriptionDto']['filters'] } : {}),
    ...(wanted.token !== undefined ? { sinkcredential: { credentialtype: 'ACCESSTOKEN', accesstoken: wanted.token } } : {}),
    // The registry takes any of the settings and defaults the rest, though the document marks all three required.
    ...(Object.keys(config).length > 0 ? { config: config as components['schemas']['SubscriptionConfigDto'] } : {}),
  };
  return subscription(access, (client) => client.POST('/api/v1/subscriptions', { body }));
}

/** Every subscription of the caller's organisation, all pages, oldest first. */
export async function listSubscriptions(access: RegistryAccess): Promise<Subscription[]> {
  const all: Subscription[] = [];
  let cursor: string | null = null;
  do {
    const query = { limit: 100, ...(cursor ? { cursor } : {}) };
    const page: { items: Subscription[]; nextCursor: string | null } = await subscription(access, (client) => client.GET('/api/v1/subscriptions', { params: { query } }));
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

export const getSubscription = (access: RegistryAccess, which: string): Promise<Subscription> => subscription(access, (client) => client.GET('/api/v1/subscriptions/{id}', id(which)));

export const deleteSubscription = (access: RegistryAccess, which: string): Promise<Subscription> =>
  subscription(access, (client) => client.DELETE('/api/v1/subscriptions/{id}', id(which)));

/** Pause or resume delivery; a resumed subscription goes through the handshake again. */
export const changeDelivery = (access: RegistryAccess, which: string, action: 'pause' | 'resume'): Promise<Subscription> =>
  subscription(access, (client) => (action === 'pause' ? client.POST('/api/v1/subscriptions/{id}/pause', id(which)) : client.POST('/api/v1/subscriptions/{id}/resume', id(which))));

/** Deliver again from a feed cursor (`delivery.cursor`, a feed's `nextCursor`) or from an RFC 3339 instant. */
export const rewindSubscription = (access: RegistryAccess, which: string, to: RewindTo): Promise<Subscription> =>
  subscription(access, (client) => client.POST('/api/v1/subscriptions/{id}/rewind', { ...id(which), body: to }));

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
