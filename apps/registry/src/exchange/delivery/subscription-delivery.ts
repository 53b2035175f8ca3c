import { OutboundError, type OutboundResponse } from '#plaza/outbound';
import type { AppConfig } from '../../platform/config/config.js';
import type { Outbound } from '../../platform/outbound/outbound.module.js';
import { type Coverage, covers, type FeedAccess } from '../feed/feed-access.js';
import type { FeedRepository, StoredEvent } from '../feed/feed.repository.js';
import type { RegistryReadModel, SourceIdentity } from '../registry-read-model.js';
import type { DeliveryMetrics } from './delivery-metrics.js';
import type { DeliverySigner } from './delivery-signer.js';
import { handshake } from './handshake.js';
import type { SinkCredentials } from './sink-credentials.js';
import { passes, type Filter } from './subscription-filters.js';
import type { LeasedSubscription, SubscriptionRepository } from './subscription.repository.js';
import type { SubscriptionService } from './subscription.service.js';
import { nextRequest } from './webhook-requests.js';

/** The most bytes of events read for one request (a batch's body is at most about this). */
const PAGE_BYTES = 8 * 1_048_576;
/** An idle subscription reads the feed again at least this often, even when the feed's signal has not moved (a safety net). */
const IDLE_RECHECK_MS = 1_000;
/** A subscription that would wait longer than this, or has been idle this long, is let go (and taken again when due). */
const LET_GO_AFTER_MS = 5_000;
/** The longest Retry-After obeyed as given; a longer one is capped, so a sink cannot park a subscription for days. */
const MAX_RETRY_AFTER_MS = 3_600_000;

export interface DeliveryParts {
  config: AppConfig;
  subscriptions: SubscriptionRepository;
  service: SubscriptionService;
  feed: FeedRepository;
  access: FeedAccess;
  registry: RegistryReadModel;
  signer: DeliverySigner;
  credentials: SinkCredentials;
  outbound: Outbound;
  /** The feed's signal (FeedRepository.signal) as the runner last saw it. */
  feedSignal: () => string;
  metrics: DeliveryMetrics;
}

/** What one step came to: go on at once, wait (nothing to do, back-off, rate), or let go (the lease is no longer held). */
type Step = { next: 'now' } | { next: 'wait'; ms: number } | { next: 'let-go' };

/**
 * One subscription's delivery, by the process holding its lease: the handshake until the sink consents, then the
 * feed from the subscription's position, one request at a time and in order, the position moving only after a 2xx.
 * Every write names the lease generation held; the first one refused (a change by the subscriber, a takeover) ends it.
 * The agreement is judged again for every request: what the subscriber may read now, and what it could read when
 * each event was received (so a new operator of a source never receives its predecessor's events).
 */
export class SubscriptionDelivery {
  private stopped = false;
  private wake: (() => void) | null = null;
  private lastSentAt = 0;
  /** The last read that found nothing: the feed's signal then, and when. */
  private emptyRead: { signal: string; at: number } | null = null;

  constructor(
    private readonly parts: DeliveryParts,
    private readonly id: string,
    private readonly generation: string,
  ) {}

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async run(): Promise<void> {
    const leased = await this.parts.subscriptions.leased(this.id, this.generation);
    if (!leased) return;
    this.lastSentAt = leased.progress.lastDeliveredAt?.getTime() ?? 0;
    let idleSince = Date.now();
    while (!this.stopped) {
      const step = await this.step(leased);
      if (step.next === 'let-go') return;
      if (step.next === 'now') idleSince = Date.now();
      // Waiting long (a back-off, a Retry-After) or idle a while: let go, so this process's slots go to subscriptions
      // with work; the next look takes it up again when it is due (its next attempt is in the database).
      if (step.next === 'wait' && (step.ms > LET_GO_AFTER_MS || Date.now() - idleSince > LET_GO_AFTER_MS)) return;
      if (step.next === 'wait') await this.sleep(step.ms);
    }
  }

  /** One step; a failure inside the registry (not the sink's) counts as a failed attempt, so it cannot spin or block forever. */
  private async step(leased: LeasedSubscription): Promise<Step> {
    try {
      return leased.subscription.state === 'validating' ? await this.validate(leased) : await this.deliver(leased);
    } catch (error) {
      return this.failed(leased, `the delivery failed inside the registry (${(error as Error).name}); it is tried again`, null, 'failed');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private dueIn(leased: LeasedSubscription): number {
    return (leased.progress.nextAttemptAt?.getTime() ?? 0) - Date.now();
  }

  private async validate(leased: LeasedSubscription): Promise<Step> {
    if (this.dueIn(leased) > 0) return { next: 'wait', ms: this.dueIn(leased) };
    const { config, service, outbound } = this.parts;
    const secret = service.openCallbackSecret(this.id, leased.sealedCallbackSecret);
    if (secret === null) return this.reach({ state: 'failing', reason: "the handshake's callback secret cannot be decrypted with this registry's PLAZA_SECRETS_KEY; resume the subscription" });
    const callback = `${config.publicUrl}/api/v1/subscriptions/${this.id}/consent?secret=${secret}`;
    const s = leased.subscription;
    const answer = await handshake(outbound, s.sink, new URL(config.publicUrl).hostname, s.requestedRate, callback).catch((error: unknown) => {
      if (error instanceof OutboundError) return { consent: false as const, reason: `the handshake failed: ${error.message}` };
      throw error;
    });
    if (answer.consent) {
      await service.reach(this.id, this.generation, { state: 'active', allowedRate: answer.allowedRate });
      return { next: 'let-go' };
    }
    return this.failed(leased, answer.reason, null, 'awaiting-consent');
  }

  private async deliver(leased: LeasedSubscription): Promise<Step> {
    if (this.dueIn(leased) > 0) return { next: 'wait', ms: this.dueIn(leased) };
    const { config, feed } = this.parts;
    const s = leased.subscription;
    const signal = this.parts.feedSignal();
    if (this.emptyRead?.signal === signal && Date.now() - this.emptyRead.at < IDLE_RECHECK_MS) return { next: 'wait', ms: config.deliveryPollMs };
    const now = new Date();
    const readable = await this.readableNow(leased, now);
    if (readable.size === 0) return { next: 'wait', ms: config.deliveryPollMs };
    // One request's worth: a page read is judged again for each request, so reading further ahead would be read again.
    const limit = s.batching ? s.maxBatchSize : 1;
    const events = await feed.eventsAfter([...readable.keys()], leased.progress.position, limit, { type: s.types?.length === 1 ? s.types[0]! : null, covered: null }, PAGE_BYTES);
    this.parts.metrics.read(this.id, events[0]?.receivedAt ?? null);
    if (events.length === 0) {
      this.emptyRead = { signal, at: Date.now() };
      return { next: 'wait', ms: config.deliveryPollMs };
    }
    this.emptyRead = null;
    const deliverable = await this.deliverable(leased, events, readable);
    if (deliverable.length === 0) return this.delivered(leased, events[events.length - 1]!, 0, now);
    const request = nextRequest(deliverable, s.batching, s.maxBatchSize);
    const spacing = s.allowedRate === null ? 0 : 60_000 / s.allowedRate;
    const wait = this.lastSentAt + spacing - Date.now();
    if (wait > 0) return { next: 'wait', ms: wait };
    // A change by the subscriber (a rewind, a pause) or a takeover may have come since the last write: send nothing then.
    if (!(await this.parts.subscriptions.holds(this.id, this.generation))) return { next: 'let-go' };
    const response = await this.send(leased, request.headers, request.body);
    this.lastSentAt = Date.now();
    if (typeof response === 'string') return this.failed(leased, response, null, 'failed');
    const last = request.events[request.events.length - 1]!;
    if (response.status >= 200 && response.status < 300) return this.delivered(leased, last, request.events.length, new Date());
    if (response.status === 410) return this.reach({ state: 'ended', reason: 'the sink answered 410 Gone: it no longer takes deliveries' });
    if (response.status === 415) return this.reach({ state: 'failing', reason: 'the sink answered 415: it does not take events in the mode they arrived in' });
    if (response.status === 429) return this.failed(leased, 'the sink answered 429 Too Many Requests', retryAfterMs(response.headers['retry-after']), 'failed');
    const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are never followed)' : '';
    return this.failed(leased, `the sink answered ${response.status}${redirect}`, null, 'failed');
  }

  /** The sources this subscription may deliver from now, with what of each it may read. */
  private async readableNow(leased: LeasedSubscription, now: Date): Promise<Map<string, { source: SourceIdentity; coverage: Coverage }>> {
    const { access, registry } = this.parts;
    const s = leased.subscription;
    const readable = new Map<string, { source: SourceIdentity; coverage: Coverage }>();
    if (s.sourceId === null) {
      for (const entry of await access.readableSources(s.organisationId, now)) readable.set(entry.source.id, entry);
      return readable;
    }
    const source = await registry.findSource({ id: s.sourceId });
    if (!source) return readable;
    const coverage = await access.coverage(s.organisationId, source, now);
    if (coverage === null || coverage.length > 0) readable.set(source.id, { source, coverage });
    return readable;
  }

  /** The events the subscriber may receive: its types and filters, the agreement now, and the agreement when each was received. */
  private async deliverable(leased: LeasedSubscription, events: StoredEvent[], readable: Map<string, { source: SourceIdentity; coverage: Coverage }>): Promise<StoredEvent[]> {
    const s = leased.subscription;
    const filters = s.filters as Filter[];
    const atReceipt = new Map<string, Coverage>();
    const kept: StoredEvent[] = [];
    for (const event of events) {
      const { source, coverage } = readable.get(event.sourceId)!;
      if (s.types && !s.types.includes(event.type)) continue;
      if (!passes(filters, { id: event.id, source: event.source, type: event.type, time: event.timeText })) continue;
      if (!covers(coverage, event)) continue;
      if (coverage !== null) {
        const key = `${event.sourceId} ${event.receivedAt.getTime()}`;
        let then = atReceipt.get(key);
        if (then === undefined) atReceipt.set(key, (then = await this.parts.access.coverage(s.organisationId, source, event.receivedAt)));
        if (!covers(then, event)) continue;
      }
      kept.push(event);
    }
    return kept;
  }

  /** POSTs one signed request; a string says why it could not be sent or answered (never the credential, never the URL's query). */
  private async send(leased: LeasedSubscription, headers: Record<string, string>, body: Buffer): Promise<OutboundResponse | string> {
    const { config, signer, credentials, outbound } = this.parts;
    const s = leased.subscription;
    const token = leased.sealedCredential ? credentials.open(s.id, leased.sealedCredential) : undefined;
    if (token === null) return 'the sink credential cannot be decrypted with this registry\'s PLAZA_SECRETS_KEY; set the credential again';
    try {
      const signed = signer.sign(s.sink, headers, body);
      const all: Record<string, string> = { ...signed.headers, 'webhook-request-origin': new URL(config.publicUrl).hostname };
      if (token !== undefined) all.authorization = `Bearer ${token}`;
      return await outbound.request(s.sink, { method: 'POST', headers: all, body });
    } catch (error) {
      if (error instanceof OutboundError) return error.message;
      // Signing refused the request (an event stored before the envelope check required a Content-Type, say): say so, never what it held.
      return `the request could not be signed or sent (${(error as Error).message.split(':')[0]})`;
    }
  }

  private async delivered(leased: LeasedSubscription, last: StoredEvent, count: number, at: Date): Promise<Step> {
    const position = { xid: last.xid, sequence: last.sequence };
    const kept = await this.parts.subscriptions.record(this.id, this.generation, { kind: 'delivered', position, count, lastSequence: count > 0 ? last.sequence : null, at });
    if (!kept) return { next: 'let-go' };
    this.parts.metrics.delivered(count);
    Object.assign(leased.progress, { position, attempts: 0, lastError: null, nextAttemptAt: null });
    return { next: 'now' };
  }

  private async failed(leased: LeasedSubscription, reason: string, retryAfter: number | null, kind: 'failed' | 'awaiting-consent'): Promise<Step> {
    const { config, subscriptions } = this.parts;
    const attempts = leased.progress.attempts + 1;
    // A 429 is the sink pacing us, not failing: it does not count towards giving up.
    const counted = retryAfter === null ? attempts : leased.progress.attempts;
    if (counted >= config.deliveryMaxAttempts) return this.reach({ state: 'failing', reason: `gave up after ${counted} attempts: ${reason}` });
    // A Retry-After of 0 (or in the past) still waits the base back-off: a sink cannot make the registry spin.
    const delay = retryAfter === null ? backoffMs(counted, config.deliveryBackoffBaseMs, config.deliveryBackoffMaxMs) : Math.max(retryAfter, config.deliveryBackoffBaseMs);
    const nextAttemptAt = new Date(Date.now() + delay);
    if (!(await subscriptions.record(this.id, this.generation, { kind, attempts: counted, lastError: reason, nextAttemptAt }))) return { next: 'let-go' };
    Object.assign(leased.progress, { attempts: counted, lastError: reason, nextAttemptAt });
    return { next: 'wait', ms: delay };
  }

  private async reach(transition: Parameters<SubscriptionService['reach']>[2]): Promise<Step> {
    await this.parts.service.reach(this.id, this.generation, transition);
    return { next: 'let-go' };
  }
}

/** Exponential back-off with jitter: the n-th retry waits between half and all of base * 2^(n-1), at most the ceiling. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** Retry-After as seconds or an HTTP date, capped; null when absent or unreadable (back-off applies). */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  const ms = /^\d{1,10}$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : null;
}
