import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type JetStreamClient, JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../../../platform/config/config.module.js';
import type { AppConfig } from '../../../platform/config/config.js';
import { FeedRepository } from '../../feed/feed.repository.js';
import { brokerMessage } from './broker-message.js';
import { BrokerCursorRepository, type BrokerLease } from './broker-cursor.repository.js';

/** Events read and published a round: enough to keep up, few enough that a round's acks come back within the lease. */
const ROUND = 500;
/** The most bytes of events one round holds in memory. */
const ROUND_BYTES = 16 * 1_048_576;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The scale path of delivery: every accepted event, in commit order, published to NATS JetStream on
 * `<prefix>.<source id>` (see docs/broker.md). One instance at a time publishes, under a lease on the stream's cursor;
 * the cursor moves only after JetStream acknowledged a round, so a crash or a NATS failure republishes rather than
 * loses, and the message id lets JetStream drop a republish within its duplicate window.
 */
@Injectable()
export class BrokerPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ExchangeBroker');
  /** Who holds the lease, as an operator reading the cursor's row would want to know. */
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private nats: { connection: NatsConnection; js: JetStreamClient } | undefined;
  private held: BrokerLease | undefined;
  /** The last failure logged, so an outage is one line when it starts and one when it ends, not one a tick. */
  private failure: string | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(FeedRepository) private readonly feed: FeedRepository,
    @Inject(BrokerCursorRepository) private readonly cursors: BrokerCursorRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.natsUrl || this.config.deliveryPollMs === 0) return;
    await this.cursors.ensure(this.config.natsStream, await this.feed.head());
    // NATS is not awaited: the registry starts (and accepts events) while NATS is down; the ticks connect.
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, this.config.deliveryPollMs);
    this.timer.unref();
  }

  /** Before the database closes: finish the round, hand the lease over at once, flush what NATS still holds. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    if (this.held) await this.cursors.release(this.config.natsStream, this.held.generation).catch(() => undefined);
    await this.nats?.connection.drain().catch(() => undefined);
  }

  /** Publishes rounds until the feed is caught up, the lease is another's, or something fails (retried next tick). */
  private async tick(): Promise<void> {
    try {
      const { js } = (this.nats ??= await this.open());
      // A full round means more may be waiting: go on until the feed is caught up.
      while ((await this.round(js)) === ROUND) continue;
      if (this.failure) this.logger.log('publishing to NATS again');
      this.failure = undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.failure) this.logger.warn({ err: message }, 'could not publish accepted events to the broker; retrying from the stored cursor');
      this.failure = message;
      // A connection NATS closed for good (refused credentials, say) is opened anew on the next tick.
      if (this.nats?.connection.isClosed()) this.nats = undefined;
    }
  }

  /** One round: lease, read, publish all and await every ack, then advance. Answers how many events it published. */
  private async round(js: JetStreamClient): Promise<number> {
    const stream = this.config.natsStream;
    this.held = (await this.cursors.lease(stream, this.owner, this.config.deliveryLeaseSeconds)) ?? undefined;
    if (!this.held) return 0;
    const events = await this.feed.eventsAfter(null, this.held.position, ROUND, { type: null, covered: null }, ROUND_BYTES);
    if (events.length === 0) return 0;
    await Promise.all(
      events.map((event) => {
        const message = brokerMessage(this.config.natsSubjectPrefix, event);
        const h = headers();
        for (const [name, value] of message.headers) h.append(name, value);
        return js.publish(message.subject, message.data, { msgID: message.msgID, headers: h });
      }),
    );
    const last = events.at(-1)!;
    if (await this.cursors.advance(stream, this.held.generation, { xid: last.xid, sequence: last.sequence }, events.length)) return events.length;
    // Another instance took the lease while this one published: it carries on from the stored cursor.
    this.held = undefined;
    return 0;
  }

  /** Connects (NATS reconnects by itself from then on) and makes the stream unless it exists. */
  private async open(): Promise<{ connection: NatsConnection; js: JetStreamClient }> {
    const connection = await connect({ servers: this.config.natsUrl!, name: `plaza-registry ${this.owner}`, timeout: CONNECT_TIMEOUT_MS, maxReconnectAttempts: -1 });
    try {
      await this.ensureStream(connection);
    } catch (error) {
      await connection.close();
      throw error;
    }
    // An event larger than NATS accepts would stop the broker at that event until max_payload is raised.
    const maxPayload = connection.info?.max_payload ?? 0;
    if (maxPayload < this.config.exchangeBodyLimitBytes) {
      this.logger.warn({ maxPayload, exchangeBodyLimitBytes: this.config.exchangeBodyLimitBytes }, "NATS max_payload is below the exchange's body limit: a larger event would stop the broker");
    }
    return { connection, js: jetstream(connection) };
  }

  /** An operator's stream is used as it is (it must take `<prefix>.>`); a missing one is made with JetStream's defaults. */
  private async ensureStream(connection: NatsConnection): Promise<void> {
    const manager = await jetstreamManager(connection);
    try {
      await manager.streams.info(this.config.natsStream);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      await manager.streams.add({ name: this.config.natsStream, subjects: [`${this.config.natsSubjectPrefix}.>`] });
    }
  }
}
