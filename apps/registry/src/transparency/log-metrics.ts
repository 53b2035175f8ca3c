import { Inject, Injectable } from '@nestjs/common';
import { Metrics } from '../platform/metrics/metrics.js';
import { TransparencyRepository } from './transparency.repository.js';
import { WitnessingRepository } from './witnessing/witnessing.repository.js';
import { WitnessingService } from './witnessing/witnessing.service.js';

/**
 * The log's gauges, read from the database at scrape time: its size, the age of its latest signed checkpoint, and each
 * configured witness's standing (labelled by its name, which the operator lists). In a cluster every worker reads the
 * same rows, so the primary keeps one value (max), never their sum. A read that fails leaves the gauge out of that
 * scrape rather than failing the others.
 */
@Injectable()
export class LogMetrics {
  constructor(
    @Inject(Metrics) metrics: Metrics,
    @Inject(TransparencyRepository) repository: TransparencyRepository,
    @Inject(WitnessingService) witnessing: WitnessingService,
    @Inject(WitnessingRepository) witnessingRepository: WitnessingRepository,
  ) {
    // One read of the log's standing serves both gauges of a scrape.
    let standing: ReturnType<TransparencyRepository['standing']> | null = null;
    const read = () => {
      standing ??= repository.standing().finally(() => setImmediate(() => (standing = null)));
      return standing;
    };
    metrics.gauge({
      name: 'plaza_log_size',
      help: "The transparency log's size: journal entries (the registry's changes) appended.",
      aggregator: 'max',
      async collect() {
        this.reset();
        const { size } = await read().catch(() => ({ size: null }));
        if (size !== null) this.set(size);
      },
    });
    metrics.gauge({
      name: 'plaza_log_checkpoint_age_seconds',
      help: 'Seconds since the latest checkpoint of the log was signed (absent before the first).',
      aggregator: 'max',
      async collect() {
        this.reset();
        const { checkpointAgeSeconds } = await read().catch(() => ({ checkpointAgeSeconds: null }));
        if (checkpointAgeSeconds !== null) this.set(checkpointAgeSeconds);
      },
    });
    if (witnessing.witnesses.length === 0) return;
    const states = () => witnessingRepository.states().then((list) => new Map(list.map((state) => [state.witnessKey, state])));
    metrics.gauge({
      name: 'plaza_log_witness_size',
      help: 'The largest tree size each configured witness (PLAZA_LOG_WITNESSES, by name) has said it holds, by a cosignature or its answer (0: none yet).',
      labelNames: ['witness'],
      aggregator: 'max',
      async collect() {
        this.reset();
        const known = await states().catch(() => null);
        if (known === null) return;
        for (const witness of witnessing.witnesses) this.set({ witness: witness.name }, known.get(witness.key)?.acknowledgedSize ?? 0);
      },
    });
    metrics.gauge({
      name: 'plaza_log_witness_alarm',
      help: 'Whether a configured witness has a fork alarm standing (1) or not (0), by name: it stays until the operator acknowledges it.',
      labelNames: ['witness'],
      aggregator: 'max',
      async collect() {
        this.reset();
        const known = await states().catch(() => null);
        if (known === null) return;
        for (const witness of witnessing.witnesses) this.set({ witness: witness.name }, known.get(witness.key)?.alarm ? 1 : 0);
      },
    });
  }
}
