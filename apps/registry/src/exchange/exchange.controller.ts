import { Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiExtraModels, ApiOkResponse, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Allow, CurrentPrincipal, Public } from '../kernel/auth/decorators.js';
import { Action } from '../kernel/auth/permissions.js';
import { QuietRequestLog } from '../kernel/logging/quiet-request-log.js';
import type { Principal } from '../kernel/auth/principal.js';
import { answerOf } from './exchange-answers.js';
import { ExchangeError } from './exchange-error.js';
import { BatchResponse, ConformanceResponse, EventAcceptedResponse, EventFeedQuery, EventFeedResponse, RejectionPage, RejectionsQuery } from './exchange.dto.js';
import { CallerRejections } from './feed/caller-rejections.js';
import { EventFeed } from './feed/event-feed.js';
import { SourceConformance } from './feed/source-conformance.js';
import { SubmitEvents } from './submit/submit-events.js';

const CLOUDEVENTS_BODY = {
  description:
    'The signed event(s), byte for byte. `application/cloudevents+json`: one event (structured mode); `application/cloudevents-batch+json`: ' +
    'a JSON array of 1 to 1000 events (batch mode); any other Content-Type: binary mode (attributes in `ce-*` headers, including ' +
    '`ce-dssematerial`; the body is the data). Compressed bodies (Content-Encoding) are refused.',
  schema: { type: 'string', format: 'binary' },
};

/** Both submit routes answer alike: 201/200 for one event (or its problem), 200 with per-event results for a batch. */
function Submits(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const decorate of [
      Allow(Action.ExchangeSubmit),
      QuietRequestLog(),
      ApiBearerAuth(),
      ApiConsumes('application/cloudevents+json', 'application/cloudevents-batch+json', 'application/json', 'application/octet-stream'),
      ApiBody(CLOUDEVENTS_BODY),
      ApiExtraModels(EventAcceptedResponse, BatchResponse),
      ApiResponse({ status: 201, description: 'One event, accepted and committed', type: EventAcceptedResponse }),
      ApiResponse({
        status: 200,
        description: 'One event already accepted with the same content (`duplicate`) or valid in a dry run; or a batch, one result per event',
        schema: { oneOf: [{ $ref: getSchemaPath(EventAcceptedResponse) }, { $ref: getSchemaPath(BatchResponse) }] },
      }),
      ApiResponse({ status: 422, description: 'One event refused by a check: problem with `code`, `check` and `errors` (also 403, 404, 409)' }),
      ApiResponse({ status: 413, description: 'Body over PLAZA_EXCHANGE_BODY_LIMIT_BYTES, or a batch of more than 1000 events' }),
      ApiResponse({ status: 415, description: 'A Content-Encoding (compressed body)' }),
      ApiResponse({ status: 429, description: "The organisation's events a minute are spent (Retry-After)" }),
    ]) decorate(target, key, descriptor);
  };
}

@ApiTags('exchange')
@Controller('api/v1/exchange')
export class ExchangeController {
  constructor(
    @Inject(SubmitEvents) private readonly submissions: SubmitEvents,
    @Inject(EventFeed) private readonly events: EventFeed,
    @Inject(CallerRejections) private readonly refused: CallerRejections,
  ) {}

  @Post('events')
  @Submits()
  @ApiOperation({ summary: "Submit signed CloudEvents (binary, structured or batch mode), signed with a key of your organisation; each goes through the seven checks" })
  submit(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.answer(principal, request, reply, false);
  }

  @Post('events/dry-run')
  @Submits()
  @ApiOperation({ summary: 'Run all seven checks on signed CloudEvents and store nothing: the same answers, with status `valid` for what would be accepted' })
  dryRun(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.answer(principal, request, reply, true);
  }

  @Get('events')
  @Allow(Action.ExchangeRead)
  @ApiBearerAuth()
  @ApiOperation({ summary: "A source's accepted events exactly as received, for its city and the parties to an agreement covering it (others: 404)" })
  @ApiOkResponse({ type: EventFeedResponse })
  async feed(@CurrentPrincipal() principal: Principal, @Query() query: EventFeedQuery): Promise<EventFeedResponse> {
    return EventFeedResponse.from(await this.events.page(principal, query));
  }

  @Get('rejections')
  @Allow(Action.ExchangeRead)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Events your organisation's API keys submitted and the exchange refused, newest first, with why" })
  @ApiOkResponse({ type: RejectionPage })
  async rejections(@CurrentPrincipal() principal: Principal, @Query() query: RejectionsQuery): Promise<RejectionPage> {
    return RejectionPage.from(await this.refused.page(principal, query));
  }

  private async answer(principal: Principal, request: FastifyRequest, reply: FastifyReply, dryRun: boolean): Promise<void> {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    try {
      const { statusCode, body: answer } = answerOf(await this.submissions.submit(principal, { rawHeaders: request.raw.rawHeaders, body }, dryRun));
      void reply.status(statusCode).send(answer);
    } catch (error) {
      if (error instanceof ExchangeError && error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
      throw error;
    }
  }
}

/** The public conformance record, beside the source it describes. */
@ApiTags('exchange')
@Controller('api/v1/sources')
export class SourceConformanceController {
  constructor(@Inject(SourceConformance) private readonly record: SourceConformance) {}

  @Get(':id/conformance')
  @Public()
  @ApiOperation({ summary: "A source's public conformance record: events accepted, and rejected by code (counting only events whose signature verified)" })
  @ApiOkResponse({ type: ConformanceResponse })
  conformance(@Param('id', ParseUUIDPipe) id: string): Promise<ConformanceResponse> {
    return this.record.of(id);
  }
}
