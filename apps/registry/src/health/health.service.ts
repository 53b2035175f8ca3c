import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { HealthRepository } from './health.repository.js';

export interface Readiness {
  status: 'ok' | 'unavailable';
  live: true;
  ready: boolean;
  database: { mode: 'embedded' | 'server'; reachable: boolean; latencyMs: number | null };
}

const PROBE_TIMEOUT_MS = 2_000;

@Injectable()
export class HealthService {
  // Probes asked for while one runs share its answer, so unlimited /health/ready requests cost one query at a time.
  private probing: Promise<Readiness> | undefined;

  constructor(
    @Inject(HealthRepository) private readonly database: HealthRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  readiness(): Promise<Readiness> {
    return (this.probing ??= this.probe().finally(() => (this.probing = undefined)));
  }

  private async probe(): Promise<Readiness> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const reachable = await Promise.race([
      this.database.ping().then(() => true, () => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    return {
      status: reachable ? 'ok' : 'unavailable',
      live: true,
      ready: reachable,
      database: { mode: this.config.database.mode, reachable, latencyMs: reachable ? Math.round(performance.now() - started) : null },
    };
  }
}
