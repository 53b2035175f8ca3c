import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SYSTEM_ACTOR } from '../../kernel/auth/actor.js';
import { actorOf, type Principal } from '../../kernel/auth/principal.js';
import type { Page, PageQuery } from '../../kernel/paging/paging.js';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import type { AppConfig } from '../../platform/config/config.js';
import { Outbound } from '../../platform/outbound/outbound.module.js';
import { type Transaction, UnitOfWork } from '../../platform/journal/unit-of-work.js';
import { ExchangeError, ExchangeErrorCode } from '../exchange-error.js';
import { decodePosition, type FeedPosition } from '../feed/cursors.js';
import { type Coverage, FeedAccess } from '../feed/feed-access.js';
import { FeedRepository } from '../feed/feed.repository.js';
import { RegistryReadModel } from '../registry-read-model.js';
import { parseAllowedRate } from './handshake.js';
import { SinkCredentials } from './sink-credentials.js';
import { FilterError, parseFilters } from './subscription-filters.js';
import { recordSubscription } from './subscription-record.js';
import type { Subscription, SubscriptionState } from './subscription.entity.js';
import { type CreateSubscriptionDto, type RewindSubscriptionDto, SubscriptionResponse } from './subscription.dto.js';
import { SubscriptionRepository } from './subscription.repository.js';

/** Lag is counted up to this many events: enough to tell "a little" from "a lot" without walking a long backlog. */
const LAG_CAP = 10_000;

const secretHash = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/** A state the delivery reached for a subscription it holds, journaled as the registry's own change. */
export type Transition = { state: 'active'; allowedRate: number | null } | { state: 'failing' | 'ended'; reason: string };

/**
 * Subscriptions: what an organisation entitled to read a source's events asks to have pushed to its webhook. Every
 * change is a registry write, journaled without the credential, and takes the subscription away from the process
 * delivering it (which lets go and picks it up again as it now stands).
 */
@Injectable()
export class SubscriptionService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SubscriptionRepository) private readonly subscriptions: SubscriptionRepository,
    @Inject(FeedRepository) private readonly feed: FeedRepository,
    @Inject(FeedAccess) private readonly access: FeedAccess,
    @Inject(RegistryReadModel) private readonly registry: RegistryReadModel,
    @Inject(SinkCredentials) private readonly credentials: SinkCredentials,
    @Inject(Outbound) private readonly outbound: Outbound,
  ) {}

  async create(principal: Principal, dto: CreateSubscriptionDto): Promise<SubscriptionResponse> {
    const sink = this.outbound.checkUrl(dto.sink);
    if (!sink.ok) throw new ExchangeError(ExchangeErrorCode.SinkInvalid, sink.message);
    let filters;
    try {
      filters = parseFilters(dto.filters ?? []);
    } catch (error) {
      if (error instanceof FilterError) throw new ExchangeError(ExchangeErrorCode.FilterUnsupported, error.message);
      throw error;
    }
    const source = dto.source === undefined ? null : await this.readableSource(principal, dto.source, dto.types);
    const position = await this.feed.head();
    const created = await this.uow.run(actorOf(principal), async (tx) => {
      const limit = this.config.subscriptionsPerOrganisation;
      if ((await this.subscriptions.countForCreation(principal.organisationId, tx.manager)) >= limit) {
        throw new ExchangeError(ExchangeErrorCode.SubscriptionLimit, `Your organisation holds ${limit} subscriptions, as many as it may; delete one first.`);
      }
      const subscription = await this.subscriptions.insert(
        {
          organisationId: principal.organisationId, sourceId: source?.id ?? null, types: dto.types ?? null, filters, protocol: 'HTTP', sink: sink.url.href,
          batching: dto.config?.batching ?? false, maxBatchSize: dto.config?.maxbatchsize ?? 100, requestedRate: dto.config?.requestrate ?? 600,
          sinkCredential: null,
        },
        position,
        tx.manager,
      );
      await this.newCallbackSecret(subscription.id, tx.manager);
      const token = dto.sinkcredential?.accesstoken;
      if (token !== undefined) await this.subscriptions.setCredential(subscription.id, this.credentials.seal(subscription.id, token), tx.manager);
      recordSubscription(tx, 'subscription.created', subscription, source?.ceSource ?? null, token !== undefined);
      return subscription;
    });
    return this.get(principal, created.id);
  }

  async list(principal: Principal, query: PageQuery): Promise<Page<SubscriptionResponse>> {
    const page = await this.subscriptions.page(principal.organisationId, query);
    return { items: await this.responses(page.rows), nextCursor: page.nextCursor };
  }

  async get(principal: Principal, id: string): Promise<SubscriptionResponse> {
    const subscription = await this.subscriptions.findOwned(principal.organisationId, id);
    if (!subscription) throw notFound();
    const [response] = await this.responses([subscription]);
    return response!;
  }

  async pause(principal: Principal, id: string): Promise<SubscriptionResponse> {
    await this.change(principal, id, 'subscription.paused', ['validating', 'active', 'failing'], (s) => {
      s.state = 'paused';
      s.stateReason = 'paused by its organisation';
      return {};
    });
    return this.get(principal, id);
  }

  /** Resumes a paused, failing or ended subscription: the sink is asked for its consent again before anything is sent. */
  async resume(principal: Principal, id: string): Promise<SubscriptionResponse> {
    await this.change(principal, id, 'subscription.resumed', ['paused', 'failing', 'ended'], (s) => {
      s.state = 'validating';
      s.stateReason = null;
      return { resetAttempts: true, callbackSecret: this.sealCallbackSecret(s.id) };
    });
    return this.get(principal, id);
  }

  /**
   * Moves the subscription's feed position to a cursor or a point in time; what follows is delivered again (as the
   * agreement in force at delivery, and at each event's receipt, allows: a vendor never receives what it could not).
   */
  async rewind(principal: Principal, id: string, dto: RewindSubscriptionDto): Promise<SubscriptionResponse> {
    if ((dto.cursor === undefined) === (dto.time === undefined)) throw new ExchangeError(ExchangeErrorCode.RewindInvalid, 'Give either `cursor` or `time`, not both, nor neither.');
    const current = await this.subscriptions.findOwned(principal.organisationId, id);
    if (!current) throw notFound();
    const position: FeedPosition = dto.cursor !== undefined ? decodePosition(dto.cursor) : await this.feed.positionAt((await this.readable(current)).map((r) => r.id), rewindTime(dto.time!));
    await this.change(principal, id, 'subscription.rewound', ['validating', 'active', 'paused', 'failing', 'ended'], () => ({ position, resetAttempts: true }));
    return this.get(principal, id);
  }

  /** Deletes a subscription; the answer is its last state, without delivery progress (there is none to come). */
  async remove(principal: Principal, id: string): Promise<SubscriptionResponse> {
    const deleted = await this.change(principal, id, 'subscription.deleted', ['validating', 'active', 'paused', 'failing', 'ended'], (s) => {
      s.state = 'deleted';
      s.stateReason = 'deleted by its organisation';
      return { eraseCredential: true };
    });
    return SubscriptionResponse.from(deleted, deleted.sourceId === null ? null : await this.registry.ceSourceById(deleted.sourceId), false);
  }

  /**
   * The handshake's callback: the sink (or its administrator, in a browser) consents to deliveries by calling the URL
   * the validation request named. Anything but the live secret of a subscription waiting for consent is a 404.
   */
  async consent(id: string, secret: string, allowedRate: string | undefined): Promise<void> {
    const waiting = await this.subscriptions.waitingForConsent(id);
    const expected = waiting && this.openCallbackSecret(id, waiting.sealedSecret);
    if (!waiting || !expected || !timingSafeEqual(secretHash(expected), secretHash(secret))) throw notFound();
    const requested = waiting.subscription.requestedRate;
    const rate = allowedRate === undefined ? requested : parseAllowedRate(allowedRate, requested);
    await this.uow.run(SYSTEM_ACTOR, async (tx) => {
      const s = await this.subscriptions.findOwned(waiting.subscription.organisationId, id, tx.manager);
      if (!s || s.state !== 'validating') throw notFound();
      Object.assign(s, { state: 'active', stateReason: null, allowedRate: rate });
      await this.journal(tx, 'subscription.consented', s, { resetAttempts: true });
    });
  }

  /** A state the delivery reached (consent in the handshake, failing, ended by a 410), if it still holds the subscription. */
  async reach(id: string, generation: string, transition: Transition): Promise<void> {
    await this.uow.run(SYSTEM_ACTOR, async (tx) => {
      const s = await this.subscriptions.leasedForChange(id, generation, tx.manager);
      if (!s) return;
      if (transition.state === 'active') Object.assign(s, { state: 'active', stateReason: null, allowedRate: transition.allowedRate });
      else Object.assign(s, { state: transition.state, stateReason: transition.reason });
      await this.journal(tx, transition.state === 'active' ? 'subscription.consented' : `subscription.${transition.state}`, s, { resetAttempts: transition.state === 'active' });
    });
  }

  /** The secret of the handshake's callback URL, sealed like the credential (under its own associated data). */
  private sealCallbackSecret(id: string): Buffer {
    return this.credentials.seal(`${id}#callback`, randomBytes(32).toString('base64url'));
  }

  private async newCallbackSecret(id: string, manager: Transaction['manager']): Promise<void> {
    await this.subscriptions.setCallbackSecret(id, this.sealCallbackSecret(id), manager);
  }

  /** The callback secret of a subscription waiting for consent, for the handshake's callback URL. */
  openCallbackSecret(id: string, sealed: Buffer): string | null {
    return this.credentials.open(`${id}#callback`, sealed);
  }

  /** The source a subscription names, if the caller may read it; every type asked for must be one it may read. */
  private async readableSource(principal: Principal, ceSource: string, types: string[] | undefined) {
    const source = await this.registry.findSource({ ceSource });
    const coverage = source ? await this.access.coverage(principal.organisationId, source, new Date()) : [];
    if (!source || (coverage !== null && coverage.length === 0)) {
      throw new ExchangeError(ExchangeErrorCode.SourceNotFound, 'No source with this CloudEvents source value is one whose events you may read.');
    }
    if (coverage !== null && types) {
      const { standards } = await this.registry.standards(types, []);
      for (const type of types) {
        const standard = standards.find((s) => s.ceType === type);
        if (!standard || !coverage.some((c) => c.standard === standard.id)) {
          throw new ExchangeError(ExchangeErrorCode.TypeNotReadable, `No agreement in force shares events of type "${type}" of this source with your organisation.`);
        }
      }
    }
    return source;
  }

  private async change(
    principal: Principal,
    id: string,
    action: string,
    from: SubscriptionState[],
    apply: (s: Subscription) => Parameters<SubscriptionRepository['change']>[2],
  ): Promise<Subscription> {
    return this.uow.run(actorOf(principal), async (tx) => {
      const s = await this.subscriptions.findOwned(principal.organisationId, id, tx.manager);
      if (!s) throw notFound();
      if (!from.includes(s.state)) throw new ExchangeError(ExchangeErrorCode.SubscriptionStateConflict, `The subscription is ${s.state}; this needs it ${from.join(', ')}.`);
      await this.journal(tx, action, s, apply(s));
      return s;
    });
  }

  private async journal(tx: Transaction, action: string, s: Subscription, delivery: Parameters<SubscriptionRepository['change']>[2]): Promise<void> {
    await this.subscriptions.change(s, tx.manager, delivery);
    const ceSource = s.sourceId === null ? null : await RegistryReadModel.ceSourceOf(tx.manager, s.sourceId);
    recordSubscription(tx, action, s, ceSource, s.state !== 'deleted' && (await SubscriptionRepository.hasCredential(tx.manager, s.id)));
  }

  /** What a subscription may deliver from now: its one source or every readable one, each with the types covered. */
  private async readable(s: Subscription): Promise<{ id: string; coverage: Coverage }[]> {
    const now = new Date();
    if (s.sourceId === null) return (await this.access.readableSources(s.organisationId, now)).map(({ source, coverage }) => ({ id: source.id, coverage }));
    const source = await this.registry.findSource({ id: s.sourceId });
    const coverage = source ? await this.access.coverage(s.organisationId, source, now) : [];
    return coverage !== null && coverage.length === 0 ? [] : [{ id: s.sourceId, coverage }];
  }

  /** Events waiting for a subscription, counted only among what it may read now (so it tells nothing of the rest). */
  private async lag(s: Subscription, position: FeedPosition): Promise<number> {
    let total = 0;
    for (const { id, coverage } of await this.readable(s)) total += await this.feed.backlog(id, position, LAG_CAP - total, coverage);
    return Math.min(total, LAG_CAP);
  }

  private async responses(subscriptions: Subscription[]): Promise<SubscriptionResponse[]> {
    const ids = subscriptions.map((s) => s.id);
    const [progress, credentials] = await Promise.all([this.subscriptions.progress(ids), this.subscriptions.credentialsOf(ids)]);
    return Promise.all(
      subscriptions.map(async (s) => {
        const ceSource = s.sourceId === null ? null : await this.registry.ceSourceById(s.sourceId);
        const p = progress.get(s.id)!;
        const lag = await this.lag(s, p.position);
        return SubscriptionResponse.withDelivery(SubscriptionResponse.from(s, ceSource, credentials.has(s.id)), p, lag);
      }),
    );
  }
}

/** An RFC 3339 instant (ISO 8601 also admits week and ordinal dates, which Date cannot read). */
function rewindTime(text: string): Date {
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(text) || Number.isNaN(at.getTime())) {
    throw new ExchangeError(ExchangeErrorCode.RewindInvalid, '`time` must be an RFC 3339 instant, such as 2026-12-06T15:00:00Z.');
  }
  return at;
}

const notFound = () => new ExchangeError(ExchangeErrorCode.SubscriptionNotFound, 'No subscription of your organisation has this id.');
