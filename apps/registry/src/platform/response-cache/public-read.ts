import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

const PUBLIC_READ = 'plazaPublicRead';

export interface PublicReadOptions {
  /** What the answer depends on besides its URL, such as a page's language negotiated from Accept-Language. */
  variant?: (request: FastifyRequest) => string;
  /** A shared cache must not serve it stale once its few seconds are over (a log's checkpoint, which C2SP clients poll). */
  neverStale?: boolean;
  /**
   * The answer shows the log's own state as well as the records: its signed checkpoints, their cosignatures or the
   * witnesses' standing. It is emptied when those change too; other answers only when the records do.
   */
  followsLog?: boolean;
  /**
   * Whether this request's answer, once given, is the same for as long as this process runs: a proof or a root of a
   * tree size its URL names (the log only grows). Such an answer is kept in memory whatever changes. Shared caches get
   * the usual few seconds: a size no checkpoint covers yet may legitimately hold another tree after a restore, and a
   * restore restarts the registry, never a CDN.
   */
  lasting?: (request: FastifyRequest) => boolean;
}

/**
 * Marks a GET route whose answer to a caller without a key is public: the same for every such caller, and a function
 * of the registry's records (the journal), so it may be cached until the registry changes (`ResponseCache`). Only for
 * routes whose anonymous answer depends on nothing else, apart from counts that may be a moment old (a source's
 * conformance record).
 */
export const PublicRead = (options: PublicReadOptions = {}): MethodDecorator => RouteConfig({ [PUBLIC_READ]: options });

/** The options of the route `request` matched, if it is a public read. */
export function publicReadOf(request: FastifyRequest): PublicReadOptions | undefined {
  return (request.routeOptions.config as unknown as Record<string, PublicReadOptions | undefined> | undefined)?.[PUBLIC_READ];
}
