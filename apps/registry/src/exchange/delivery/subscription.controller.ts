import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Allow, CurrentPrincipal, Public } from '../../kernel/auth/decorators.js';
import { Action } from '../../kernel/auth/permissions.js';
import type { Principal } from '../../kernel/auth/principal.js';
import { PageQuery } from '../../kernel/paging/paging.js';
import { APP_CONFIG } from '../../platform/config/config.module.js';
import type { AppConfig } from '../../platform/config/config.js';
import { DeliverySigner } from './delivery-signer.js';
import { CreateSubscriptionDto, DeliveryJwksResponse, RewindSubscriptionDto, SubscriptionPage, SubscriptionResponse } from './subscription.dto.js';
import { SubscriptionService } from './subscription.service.js';

/** Subscriptions, at the paths of the CloudEvents Subscriptions draft's OpenAPI (under the registry's /api/v1). */
@ApiTags('subscriptions')
@Controller('api/v1/subscriptions')
export class SubscriptionController {
  constructor(
    @Inject(SubscriptionService) private readonly subscriptions: SubscriptionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @Allow(Action.SubscriptionManage)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Subscribe a webhook to a source's events (or every source you may read); delivery starts once the sink consents in the handshake" })
  @ApiCreatedResponse({ type: SubscriptionResponse })
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateSubscriptionDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<SubscriptionResponse> {
    const created = await this.subscriptions.create(principal, dto);
    reply.header('location', `${this.config.publicUrl}/api/v1/subscriptions/${created.id}`);
    return created;
  }

  @Get()
  @Allow(Action.SubscriptionRead)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Your organisation's subscriptions, oldest first, with where each one's delivery stands" })
  @ApiOkResponse({ type: SubscriptionPage })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery): Promise<SubscriptionPage> {
    return this.subscriptions.list(principal, query);
  }

  @Get(':id')
  @Allow(Action.SubscriptionRead)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'One subscription: its state, last delivered event, lag, attempts and last error' })
  @ApiOkResponse({ type: SubscriptionResponse })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<SubscriptionResponse> {
    return this.subscriptions.get(principal, id);
  }

  @Delete(':id')
  @Allow(Action.SubscriptionManage)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Delete a subscription: nothing more is delivered, and its credential is erased' })
  @ApiOkResponse({ type: SubscriptionResponse })
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<SubscriptionResponse> {
    return this.subscriptions.remove(principal, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @Allow(Action.SubscriptionManage)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Pause delivery; events keep waiting at the subscription\'s position' })
  @ApiOkResponse({ type: SubscriptionResponse })
  pause(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<SubscriptionResponse> {
    return this.subscriptions.pause(principal, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Allow(Action.SubscriptionManage)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Resume a paused, failing or ended subscription: the handshake runs again, then delivery goes on from its position' })
  @ApiOkResponse({ type: SubscriptionResponse })
  resume(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<SubscriptionResponse> {
    return this.subscriptions.resume(principal, id);
  }

  @Post(':id/rewind')
  @HttpCode(200)
  @Allow(Action.SubscriptionManage)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Deliver again from a feed cursor or a point in time (never a bare sequence: the feed is ordered by commit)' })
  @ApiOkResponse({ type: SubscriptionResponse })
  rewind(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: RewindSubscriptionDto): Promise<SubscriptionResponse> {
    return this.subscriptions.rewind(principal, id, dto);
  }

  @Get(':id/consent')
  @Public()
  @ApiOperation({ summary: "The handshake's callback (WebHook-Request-Callback): the sink consents, by GET or POST, with the secret the validation request carried" })
  @ApiQuery({ name: 'secret', required: true })
  async consentByGet(@Param('id') id: string, @Query('secret') secret: unknown, @Headers('webhook-allowed-rate') rate: string | undefined): Promise<{ consented: true }> {
    await this.subscriptions.consent(id, typeof secret === 'string' ? secret : '', rate);
    return { consented: true };
  }

  @Post(':id/consent')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: "The handshake's callback, by POST" })
  @ApiQuery({ name: 'secret', required: true })
  consentByPost(@Param('id') id: string, @Query('secret') secret: unknown, @Headers('webhook-allowed-rate') rate: string | undefined): Promise<{ consented: true }> {
    return this.consentByGet(id, secret, rate);
  }
}

@ApiTags('subscriptions')
@Controller('.well-known')
export class DeliveryKeysController {
  constructor(@Inject(DeliverySigner) private readonly signer: DeliverySigner) {}

  @Get('delivery-jwks.json')
  @Public()
  @ApiOperation({ summary: 'The key that signs delivery requests (HTTP Message Signatures, tag "plaza-delivery"); not the log\'s key' })
  @ApiOkResponse({ type: DeliveryJwksResponse })
  jwks(): DeliveryJwksResponse {
    return { keys: [{ ...this.signer.publicJwk }] };
  }
}
