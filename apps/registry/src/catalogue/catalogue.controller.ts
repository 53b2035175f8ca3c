import { Controller, Get, Header, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../kernel/auth/decorators.js';
import { PublicRead } from '../platform/response-cache/public-read.js';
import { CATALOGUE_MEDIA_TYPES, type CatalogueMediaType, negotiate } from './catalogue-formats.js';
import { CatalogueQuery } from './catalogue.dto.js';
import { CatalogueService } from './catalogue.service.js';

const HARVEST = 'A harvest pinned to the journal size of its first page; follow hydra:next to the end. ?city= harvests one city.';

/**
 * The DCAT-AP 3 catalogue for open-data portals (CKAN's ckanext-dcat, data.europa.eu, Google): /catalog answers in the
 * RDF syntax `Accept` asks for, /catalog.ttl and /catalog.jsonld in theirs whatever it says. HEAD is answered too, as
 * the CKAN harvester asks it first.
 */
@ApiTags('catalogue')
@Controller()
@Public()
export class CatalogueController {
  constructor(@Inject(CatalogueService) private readonly catalogue: CatalogueService) {}

  @Get('catalog')
  @PublicRead({ variant: (request) => negotiate(request.headers.accept) ?? '' })
  @Header('vary', 'Accept')
  @ApiOperation({ summary: `The DCAT-AP 3 catalogue of every public source, in Turtle or JSON-LD by content negotiation. ${HARVEST}` })
  @ApiProduces(...CATALOGUE_MEDIA_TYPES)
  async negotiated(@Query() query: CatalogueQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const mediaType = negotiate(request.headers.accept, true);
    await this.send(reply, mediaType, await this.catalogue.page(query, '/catalog', mediaType));
  }

  @Get('catalog.ttl')
  @PublicRead()
  @ApiOperation({ summary: `The DCAT-AP 3 catalogue in Turtle. ${HARVEST}` })
  @ApiProduces('text/turtle')
  async turtle(@Query() query: CatalogueQuery, @Res() reply: FastifyReply): Promise<void> {
    await this.send(reply, 'text/turtle', await this.catalogue.page(query, '/catalog.ttl', 'text/turtle'));
  }

  @Get('catalog.jsonld')
  @PublicRead()
  @ApiOperation({ summary: `The DCAT-AP 3 catalogue in JSON-LD (its context inline). ${HARVEST}` })
  @ApiProduces('application/ld+json')
  async jsonLd(@Query() query: CatalogueQuery, @Res() reply: FastifyReply): Promise<void> {
    await this.send(reply, 'application/ld+json', await this.catalogue.page(query, '/catalog.jsonld', 'application/ld+json'));
  }

  private async send(reply: FastifyReply, mediaType: CatalogueMediaType, body: string): Promise<void> {
    await reply.type(`${mediaType}; charset=utf-8`).send(body);
  }
}
