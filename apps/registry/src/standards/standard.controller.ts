import { Controller, Get, Header, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../kernel/auth/decorators.js';
import { ListStandardsQuery, StandardDetailResponse, StandardPage, StandardVersionDetailResponse } from './standard.dto.js';
import { StandardService } from './standard.service.js';
import { PublicRead } from '../platform/response-cache/public-read.js';

@ApiTags('standards')
@Controller('api/v1/standards')
export class StandardController {
  constructor(@Inject(StandardService) private readonly standards: StandardService) {}

  @Get()
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'List and search the standards' })
  @ApiOkResponse({ type: StandardPage })
  list(@Query() query: ListStandardsQuery): Promise<StandardPage> {
    return this.standards.list(query);
  }

  @Get(':id')
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'A standard and all its versions' })
  @ApiOkResponse({ type: StandardDetailResponse })
  get(@Param('id') id: string): Promise<StandardDetailResponse> {
    return this.standards.get(id);
  }

  @Get(':id/versions/:version')
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'One version: status, schema and examples' })
  @ApiOkResponse({ type: StandardVersionDetailResponse })
  getVersion(@Param('id') id: string, @Param('version') version: string): Promise<StandardVersionDetailResponse> {
    return this.standards.getVersion(id, version);
  }
}

/** Schemas at the path of their canonical `$id`, the same on every registry. */
@ApiTags('standards')
@Controller('standards')
export class SchemaController {
  constructor(@Inject(StandardService) private readonly standards: StandardService) {}

  @Get(':id/:version/schema.json')
  @Public()
  @Header('cache-control', 'public, max-age=31536000, immutable')
  @ApiOperation({ summary: 'The JSON Schema of a version, at its canonical path (cacheable: ETag, immutable)' })
  @ApiProduces('application/schema+json')
  async schema(@Param('id') id: string, @Param('version') version: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { schema, etag } = await this.standards.schema(id, version);
    void reply.header('etag', etag);
    if (request.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) {
      void reply.status(304).send();
      return;
    }
    void reply.type('application/schema+json').send(JSON.stringify(schema));
  }
}
