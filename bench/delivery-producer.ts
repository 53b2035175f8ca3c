/**
 * The delivery benchmark's vendor: batches of readings, signed as they leave (libs/dsse), POSTed to the exchange on
 * a fixed schedule whatever the answers (open loop), noting when each event's 2xx arrived. Event ids are
 * `<prefix><n>`, n counting up across runs, so the receivers' receipts and these answers meet by n. A batch that
 * fails (the registry killed, say) is not sent again: its events were never acknowledged, so nothing is owed for them.
 */
import { Agent } from 'node:http';
import { signBatch } from '#plaza/dsse';
import { type ExchangeScenario, readingText } from '../test/support/exchange-scenario.js';
import { clock } from './delivery-receivers.js';
import { post } from './exchange-load.js';

export interface RunFigures {
  /** The first event number of the run, and the one after its last. */
  from: number;
  to: number;
  seconds: number;
  batches: number;
  accepted: number;
  /** Events answered but not accepted, by status and code. */
  notAccepted: Record<string, number>;
  /** Batches that got no 200, by why. */
  failedBatches: Record<string, number>;
  /** The most a batch left after its scheduled time, in ms (the generator's own lateness). */
  maxLateMs: number;
}

export interface ProducerRun {
  stop(): Promise<RunFigures>;
}

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

export class Producer {
  /** When the 2xx of event n arrived (NaN: never acknowledged). */
  acceptedAt = new Float64Array(1 << 16).fill(NaN);
  next = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly headers: Record<string, string>;

  constructor(
    private readonly scenario: ExchangeScenario,
    private readonly endpoint: URL,
    readonly idPrefix: string,
  ) {
    this.headers = { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${scenario.vendor.apiKey}` };
  }

  /** Sends `eventsPerSecond` in batches of `batchSize` until stopped; stop() waits for the answers still due. */
  run(eventsPerSecond: number, batchSize: number): ProducerRun {
    const from = this.next;
    const interval = (1000 * batchSize) / eventsPerSecond;
    const inFlight = new Set<Promise<void>>();
    const notAccepted = new Map<string, number>();
    const failedBatches = new Map<string, number>();
    let batches = 0;
    let accepted = 0;
    let maxLateMs = 0;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const start = performance.now();
    const sendOne = () => {
      const first = this.next;
      this.next += batchSize;
      if (this.next > this.acceptedAt.length) this.grow(this.next);
      const texts: string[] = [];
      for (let n = first; n < first + batchSize; n++) texts.push(readingText(this.scenario.source, `${this.idPrefix}${n}`));
      const body = signBatch(`[${texts.join(',')}]`, this.scenario.vendor.signingKey);
      batches++;
      const sent = post(this.agent, this.endpoint, this.headers, body).then(
        (answer) => {
          const at = clock();
          if (answer.status !== 200) return void bump(failedBatches, `HTTP ${answer.status}`);
          const { results } = JSON.parse(answer.body.toString('utf8')) as { results: { status: string; code?: string }[] };
          results.forEach((r, i) => {
            if (r.status === 'accepted') {
              this.acceptedAt[first + i] = at;
              accepted++;
            } else bump(notAccepted, `${r.status} ${r.code ?? ''}`.trim());
          });
        },
        (error: NodeJS.ErrnoException) => void bump(failedBatches, error.code ?? error.message),
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    };
    const tick = () => {
      if (stopped) return;
      const now = performance.now();
      while (start + batches * interval <= now) {
        maxLateMs = Math.max(maxLateMs, now - (start + batches * interval));
        sendOne();
      }
      timer = setTimeout(tick, Math.max(0, start + batches * interval - performance.now()));
    };
    tick();
    return {
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        const seconds = (performance.now() - start) / 1000;
        await Promise.all(inFlight);
        return { from, to: this.next, seconds, batches, accepted, notAccepted: Object.fromEntries(notAccepted), failedBatches: Object.fromEntries(failedBatches), maxLateMs };
      },
    };
  }

  /** Events acknowledged with a number in [from, to). */
  acknowledged(from: number, to: number): number[] {
    const out: number[] = [];
    for (let n = from; n < to; n++) if (!Number.isNaN(this.acceptedAt[n]!)) out.push(n);
    return out;
  }

  close(): void {
    this.agent.destroy();
  }

  private grow(size: number): void {
    let length = this.acceptedAt.length;
    while (length < size) length *= 2;
    const grown = new Float64Array(length).fill(NaN);
    grown.set(this.acceptedAt);
    this.acceptedAt = grown;
  }
}
