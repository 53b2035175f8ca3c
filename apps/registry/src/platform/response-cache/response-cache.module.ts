import { Module } from '@nestjs/common';
import { ResponseCache } from './response-cache.js';

/** The cache of public answers; the HTTP server installs its hooks (composition/app.ts). */
@Module({ providers: [ResponseCache], exports: [ResponseCache] })
export class ResponseCacheModule {}
