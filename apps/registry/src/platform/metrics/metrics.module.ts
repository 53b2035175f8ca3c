import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics.js';

/** The registry's metrics, for every feature to record into (the HTTP server installs its hooks: composition/app.ts). */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
