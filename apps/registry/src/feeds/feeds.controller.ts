import { Controller, Get, Header, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../kernel/auth/decorators.js';
import { PublicRead } from '../platform/response-cache/public-read.js';
import { Locale, negotiateLang } from '../public-site/index.js';
import { FeedQuery } from './feeds.dto.js';
import { FEED_PATH, FeedService } from './feeds.service.js';

const language = (request: FastifyRequest) => negotiateLang((request.query as { lang?: unknown }).lang, request.headers['accept-language']);

/** The registry's changes as Atom feeds, for feed readers: a journalist or resident follows a city or a source. */
@ApiTags('feeds')
@Controller()
@Public()
export class FeedController {
  constructor(@Inject(FeedService) private readonly feeds: FeedService) {}

  @Get(FEED_PATH.slice(1))
  @PublicRead({ variant: language })
  @Header('vary', 'Accept-Language')
  @ApiOperation({
    summary:
      "The registry's changes, newest first, in plain words (Atom, RFC 4287): the whole registry's, a city's (?city=) or a source's (?source=). " +
      'Follow rel="next" for older entries. An entry names its record only when the record and that state of it are public.',
  })
  @ApiProduces('application/atom+xml')
  async changes(@Query() query: FeedQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = await this.feeds.changes(query, new Locale(language(request)));
    await reply.type('application/atom+xml; charset=utf-8').send(body);
  }
}
