import { Inject, Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { Metrics } from '../../platform/metrics/metrics.js';
import type { Submission } from './outcomes.js';
import type { Mode } from './read.js';

/**
 * A group commit's phases, in order: its quota statement; opening its transaction (a pooled connection and BEGIN,
 * and for a rerun the rollback of the attempt before); the locks and the agreement versions; checks 2 to 6 under them;
 * check 7 and the insert; the commit (its flush to disk) and the connection's release.
 */
export const GROUP_PHASES = ['quota', 'begin', 'lock', 'judge', 'store', 'commit'] as const;
export type GroupPhase = (typeof GROUP_PHASES)[number];

/** Times one group's phases: each lap observes the time since the last one (or since the clock began) under its phase. */
export interface GroupClock {
  lap(phase: GroupPhase): void;
}

/**
 * What the exchange tells the metrics: every submitted event once, by mode and what became of it (accepted,
 * duplicate, valid in a dry run; refused by its code, a refused request's every event by the request's code), and
 * each group commit's size, time and the time of each of its phases.
 */
@Injectable()
export class SubmitMetrics {
  private readonly settled: Counter<'mode' | 'status'>;
  private readonly refused: Counter<'mode' | 'code'>;
  private readonly groupRequests: Histogram;
  private readonly groupEvents: Histogram;
  private readonly groupSeconds: Histogram;
  private readonly phaseSeconds: Histogram<'phase'>;

  constructor(@Inject(Metrics) metrics: Metrics) {
    this.settled = metrics.counter({
      name: 'plaza_exchange_events_settled_total',
      help: 'Submitted events that passed every check, by mode (binary, structured, batch) and status: accepted (stored), duplicate (stored before), valid (a dry run).',
      labelNames: ['mode', 'status'],
    });
    this.refused = metrics.counter({
      name: 'plaza_exchange_events_refused_total',
      help: 'Submitted events refused, by mode and problem code (a request refused whole, over its quota say, counts each of its events).',
      labelNames: ['mode', 'code'],
    });
    this.groupRequests = metrics.histogram({
      name: 'plaza_exchange_group_requests',
      help: 'Requests per group commit (one transaction and one commit for them all).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    });
    this.groupEvents = metrics.histogram({
      name: 'plaza_exchange_group_events',
      help: 'Events per group commit that reached its transaction.',
      buckets: [1, 4, 16, 64, 256, 1_000, 2_000, 5_000, 10_000],
    });
    this.groupSeconds = metrics.histogram({
      name: 'plaza_exchange_group_commit_seconds',
      help: "A group commit's time from its quota statement to its commit (retries included), committed or not.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
    this.phaseSeconds = metrics.histogram({
      name: 'plaza_exchange_group_phase_seconds',
      help: "A group commit's time by phase: quota (its statement), begin (a connection and BEGIN), lock (the locks and agreement versions), judge (checks 2 to 6), store (check 7 and the insert), commit.",
      labelNames: ['phase'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    });
  }

  /** A clock for one group's phases, started now. */
  groupClock(): GroupClock {
    let last = performance.now();
    return {
      lap: (phase) => {
        const now = performance.now();
        this.phaseSeconds.observe({ phase }, (now - last) / 1000);
        last = now;
      },
    };
  }

  /** The outcome of each event of an answered request. */
  submission({ mode, outcomes }: Submission): void {
    for (const outcome of outcomes) {
      if (outcome.refusal) this.refused.inc({ mode, code: outcome.refusal.code });
      else this.settled.inc({ mode, status: outcome.status });
    }
  }

  /** A request refused whole (its quota, the database): each of its events, by the request's code. */
  request(mode: Mode, events: number, code: string): void {
    this.refused.inc({ mode, code }, events);
  }

  group(requests: number, events: number, seconds: number): void {
    this.groupRequests.observe(requests);
    this.groupEvents.observe(events);
    this.groupSeconds.observe(seconds);
  }
}
