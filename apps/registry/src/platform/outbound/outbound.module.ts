import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { OutboundClient } from '#plaza/outbound';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';

/**
 * The one client for requests to URLs that someone other than the operator chose (webhook sinks, handshake
 * callbacks): it refuses internal addresses unless PLAZA_OUTBOUND_ALLOW_ADDRESSES lists them, plain http unless
 * PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS does, follows no redirect and reads little of any answer (libs/outbound).
 */
@Injectable()
export class Outbound extends OutboundClient implements OnApplicationShutdown {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({ allowAddresses: config.outboundAllowAddresses, allowPlainHttpHosts: config.outboundAllowHttpHosts, timeoutMs: config.deliveryTimeoutMs, maxResponseBytes: 4096 });
  }

  onApplicationShutdown(): void {
    this.close();
  }
}

@Global()
@Module({ providers: [Outbound], exports: [Outbound] })
export class OutboundModule {}
