import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './registry-api.js';

/**
 * The typed client for a Plaza registry's HTTP API: openapi-fetch over the types generated from the registry's own
 * OpenAPI document (registry-api.d.ts). Every route, parameter and answer is typed; nothing here needs Node, so
 * it runs in a browser as well.
 */
export type RegistryClient = Client<paths>;

export interface RegistryClientOptions {
  /** The registry, e.g. `https://registry.example.org` (a path after it is kept: a registry behind a prefix). */
  baseUrl: string;
  /** An API key, sent as `Authorization: Bearer`; leave it out for public reads. */
  apiKey?: string;
  /** A fetch of your own (tests, proxies); the platform's by default. */
  fetch?: (request: Request) => Promise<Response>;
}

export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/u, ''),
    headers: options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** An RFC 9457 problem, as every refusal of the registry is written; `code` is stable (see the registry's README). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  [member: string]: unknown;
}

/** A refusal: the HTTP status and the problem the registry answered with. */
export class RegistryProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`the registry answered ${status}: ${problem.code ? `${problem.code}: ` : ''}${problem.detail ?? problem.title ?? 'no detail'}`);
    this.name = 'RegistryProblem';
  }
}

/**
 * The data of an openapi-fetch answer, or a RegistryProblem for a refusal: `const org = await ok(client.GET(...))`.
 * An answer that is not JSON still throws, with its status.
 */
export async function ok<T>(answer: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await answer;
  if (!response.ok || data === undefined) {
    const problem = typeof error === 'object' && error !== null ? (error as Problem) : { detail: typeof error === 'string' && error !== '' ? error.slice(0, 500) : undefined };
    throw new RegistryProblem(response.status, problem);
  }
  return data;
}
