import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fresh from 'fresh';
import type { Counter } from 'prom-client';
import vary from 'vary';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { Metrics } from '../metrics/metrics.js';
import { type CacheTicket, type ChangeSource, RegistryCache } from '../registry-changes/registry-cache.js';
import { RegistryChanges } from '../registry-changes/registry-changes.js';
import { publicReadOf } from './public-read.js';

/** A public answer as rendered once: served again byte for byte, with the headers it was sent with. */
type Headers = Record<string, string | number | string[]>;

interface StoredAnswer {
  headers: Headers;
  body: Buffer;
  etag: string;
  /** What it costs the cache in bytes: its body, its key and its headers. */
  weight: number;
}

/** A request that renders a public answer others may wait for; `settle` tells them what came of it. */
interface Lead {
  key: string;
  answers: RegistryCache<string, StoredAnswer>;
  ticket: CacheTicket;
  settle(answer: StoredAnswer | null): void;
}

/** How a request to a public-read route is answered once its handler has run. */
type Mode = { kind: 'private' } | { kind: 'public'; lead: Lead | null; control: string };

/** Headers that belong to one exchange, never to a stored answer. */
const PER_REQUEST = /^(content-length|x-request-id|date|connection|keep-alive|transfer-encoding|set-cookie|retry-after|x-ratelimit-.*|ratelimit.*)$/;
const PRIVATE = 'private, no-cache';
/** What answers that never change (`lasting`) are kept through: nothing the registry does empties them. */
const NO_CHANGES: ChangeSource = { caching: true, subscribe: () => () => undefined };
/** Per stored answer, beside its body, key and headers: the objects that hold them. */
const OVERHEAD_BYTES = 512;
/** Longer keys (URLs padded with query parameters a route ignores) are answered, never stored. */
const MAX_KEY_LENGTH = 2_048;

/**
 * Public reads at the speed of a lookup. A route marked `@PublicRead` answers callers without a key from a cache of
 * rendered answers (the URL and the route's variant, such as the page's language, are the key), in the request's
 * first hook: no guard, no rate limit, no database. The cache is three `RegistryCache`s: two emptied by every registry
 * change in any process (the answers that show the log's checkpoints and witnesses also by every change of those), and
 * one for answers that never change (`lasting`), all bounded in bytes (PLAZA_PUBLIC_CACHE_MB), never serving an answer older than
 * PLAZA_PUBLIC_CACHE_MAX_AGE_MS (what a source's conformance counts may lag by) unless one request is rendering it
 * again, off while changes could go unnoticed. Concurrent misses of one key wait for the first, unless the registry
 * changed since it began; once an answer is past its max age, the others get it until the first has rendered it again
 * (for at most one more max age: a change of the records is always waited for; an age never, nor a change of the log's
 * own state alone, after which the answer held before is served while it is rendered again). Every answer
 * of such a route carries a strong ETag (a digest of its bytes, so the same in every process) and is answered 304 when
 * the client holds it; answers to anonymous callers may be kept by shared caches for
 * PLAZA_PUBLIC_SHARED_MAX_AGE_SECONDS, answers to a key holder are private. A key holder always reads through, so a
 * writer reads its own writes whichever process answers.
 */
@Injectable()
export class ResponseCache {
  private readonly answers: RegistryCache<string, StoredAnswer>;
  /** The answers that follow the log's own state (`followsLog`), so signing a checkpoint does not empty the others. */
  private readonly logAnswers: RegistryCache<string, StoredAnswer>;
  /** The answers that never change (`lasting`): proofs and roots of a size the URL names, kept until memory is short. */
  private readonly lastingAnswers: RegistryCache<string, StoredAnswer>;
  private readonly leads = new Map<string, { ticket: CacheTicket; answer: Promise<StoredAnswer | null> }>();
  private readonly modes = new WeakMap<FastifyRequest, Mode>();
  /** Cache-Control of anonymous answers, and of those a shared cache must not serve stale. */
  private readonly publicControl: string;
  private readonly neverStaleControl: string;
  /** How long past its max age an answer may be served while it is rendered again (one more max age at most). */
  private readonly staleGraceMs: number;
  /** Public reads by route: answered from memory (hit), rendered (miss), or read through by a key holder (bypass). */
  private readonly lookups: Counter<'route' | 'result'>;

  constructor(@Inject(RegistryChanges) changes: RegistryChanges, @Inject(APP_CONFIG) config: AppConfig, @Inject(Metrics) metrics: Metrics) {
    this.lookups = metrics.counter({
      name: 'plaza_public_cache_requests_total',
      help: 'Requests to public-read routes, by route template and result: hit (answered from memory), miss (rendered), bypass (a key holder reads through).',
      labelNames: ['route', 'result'],
    });
    // One budget of bytes for the three; a few answers follow the log (checkpoints, the log page, its keys).
    const eighth = Math.floor(config.publicCacheBytes / 8);
    const weigh = (answer: StoredAnswer) => answer.weight;
    this.answers = changes.cache(config.publicCacheBytes - 2 * eighth, weigh, config.publicCacheMaxAgeMs);
    this.logAnswers = changes.cache(eighth, weigh, config.publicCacheMaxAgeMs, true);
    this.lastingAnswers = new RegistryCache(NO_CHANGES, config.publicCacheMaxAgeMs === 0 ? 0 : Infinity, eighth, weigh);
    this.staleGraceMs = config.publicCacheMaxAgeMs;
    const shared = config.publicSharedMaxAgeSeconds;
    this.neverStaleControl = shared === 0 ? 'public, no-cache' : `public, max-age=0, s-maxage=${shared}`;
    this.publicControl = shared === 0 ? this.neverStaleControl : `${this.neverStaleControl}, stale-while-revalidate=${config.publicStaleSeconds}`;
  }

  /** Installs the hooks: before any other that could refuse or slow a cached read (call it before helmet and the rate limit). */
  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request, reply) => {
      const options = publicReadOf(request);
      if (options === undefined) return;
      const route = request.routeOptions.url!;
      if (request.headers.authorization !== undefined) {
        this.lookups.inc({ route, result: 'bypass' });
        this.modes.set(request, { kind: 'private' });
        return;
      }
      const key = `${request.url}\n${options.variant?.(request) ?? ''}`;
      const lasting = options.lasting?.(request) ?? false;
      const answers = lasting ? this.lastingAnswers : options.followsLog ? this.logAnswers : this.answers;
      const stored = answers.peek([key]).found.get(key) ?? this.renewing(key, answers, options.neverStale) ?? (await this.joined(key, answers));
      this.lookups.inc({ route, result: stored === undefined ? 'miss' : 'hit' });
      if (stored !== undefined) return answer(request, reply, stored);
      this.modes.set(request, { kind: 'public', lead: this.lead(key, answers), control: options.neverStale ? this.neverStaleControl : this.publicControl });
    });
    fastify.addHook('onSend', async (request, reply, payload) => {
      const mode = this.modes.get(request);
      if (mode === undefined) return payload;
      // Every answer of a public read may differ with a key, its 404s too: one the caller may not read is one that is missing.
      void reply.header('vary', vary.append(String(reply.getHeader('vary') ?? ''), 'Authorization'));
      const lead = mode.kind === 'public' ? mode.lead : null;
      if (reply.statusCode !== 200 || !(typeof payload === 'string' || Buffer.isBuffer(payload))) {
        lead?.settle(null);
        return payload;
      }
      const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
      // A route that chose its own validator keeps it.
      const etag = (reply.getHeader('etag') as string | undefined) ?? entityTag(body);
      void reply.header('etag', etag);
      // A route that chose its own caching keeps it for anonymous answers; a key holder's is private whatever it chose.
      if (mode.kind === 'private' ? !/\b(private|no-store)\b/.test(String(reply.getHeader('cache-control') ?? '')) : !reply.hasHeader('cache-control')) {
        void reply.header('cache-control', mode.kind === 'private' ? PRIVATE : mode.control);
      }
      if (lead !== null) {
        const headers = storedHeaders(reply.getHeaders());
        const weight = body.length + 2 * lead.key.length + JSON.stringify(headers).length + OVERHEAD_BYTES;
        const stored = { headers, body, etag, weight };
        lead.answers.store(lead.ticket, [[lead.key, stored]]);
        lead.settle(stored);
      }
      if (!fresh(request.headers, { etag })) return body;
      void reply.code(304);
      return '';
    });
    // A lead whose answer never reached onSend (the client went away) still lets its followers go.
    const release = async (request: FastifyRequest) => {
      const mode = this.modes.get(request);
      if (mode?.kind === 'public') mode.lead?.settle(null);
    };
    fastify.addHook('onResponse', release);
    fastify.addHook('onRequestAbort', release);
  }

  /**
   * While another request renders an answer again, the one held before: past its max age but of the current generation,
   * or from before a change of the log's own state alone (the log page once a checkpoint is signed: what it showed is
   * still in the log). Readers are not held up by a re-rendering no change of the records asked for. Only the first
   * reader renders; a change of the records, and an answer that must never be stale, are always waited for.
   */
  private renewing(key: string, answers: RegistryCache<string, StoredAnswer>, neverStale: boolean | undefined): StoredAnswer | undefined {
    if (neverStale) return undefined;
    const lead = this.leads.get(key);
    if (lead === undefined || !answers.current(lead.ticket)) return undefined;
    return answers.stale(key, this.staleGraceMs) ?? answers.previous(key, this.staleGraceMs);
  }

  /** The answer a request already rendering `key` gives, if one is and the registry has not changed since it began. */
  private async joined(key: string, answers: RegistryCache<string, StoredAnswer>): Promise<StoredAnswer | undefined> {
    const lead = this.leads.get(key);
    if (lead === undefined || !answers.current(lead.ticket)) return undefined;
    return (await lead.answer) ?? undefined;
  }

  /** Makes this request the one others wait for, when its answer may be stored. */
  private lead(key: string, answers: RegistryCache<string, StoredAnswer>): Lead | null {
    const ticket = answers.ticket();
    if (!ticket.storable || key.length > MAX_KEY_LENGTH) return null;
    let settle!: (answer: StoredAnswer | null) => void;
    const answer = new Promise<StoredAnswer | null>((resolve) => (settle = resolve));
    const entry = { ticket, answer };
    this.leads.set(key, entry);
    let settled = false;
    return {
      key,
      answers,
      ticket,
      settle: (value) => {
        if (settled) return;
        settled = true;
        if (this.leads.get(key) === entry) this.leads.delete(key);
        settle(value);
      },
    };
  }
}

function answer(request: FastifyRequest, reply: FastifyReply, stored: StoredAnswer): FastifyReply {
  void reply.headers(stored.headers);
  if (fresh(request.headers, { etag: stored.etag })) return reply.code(304).send();
  return reply.code(200).send(stored.body);
}

function storedHeaders(headers: Record<string, string | number | string[] | undefined>): Headers {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined && !PER_REQUEST.test(entry[0])));
}

/** A strong validator: the digest of the exact bytes, so every process gives the same answer the same tag. */
function entityTag(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}
