import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';

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
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  readiness(): Promise<Readiness> {
    return (this.probing ??= this.probe().finally(() => (this.probing = undefined)));
  }

  private async probe(): Promise<Readiness> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const reachable = await Promise.race([
      this.db.query('SELECT 1').then(() => true, () => false),
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
