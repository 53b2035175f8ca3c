import { Controller, Get, Inject, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../kernel/auth/decorators.js';
import { HealthService, type Readiness } from './health.service.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(HealthService) private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness and readiness together; 503 while the database is unreachable' })
  @ApiOkResponse({ description: '{ status, live, ready, database }' })
  @ApiServiceUnavailableResponse({ description: 'Not ready' })
  async overall(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    const readiness = await this.health.readiness();
    if (!readiness.ready) void reply.status(503);
    return readiness;
  }

  // A load balancer's probes are never rate-limited: during a flood from its address they must still answer.
  @Get('live')
  @Public()
  @RouteConfig({ rateLimit: false })
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @RouteConfig({ rateLimit: false })
  @ApiOperation({ summary: 'Readiness: the database answers; 503 otherwise' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    return this.overall(reply);
  }
}
