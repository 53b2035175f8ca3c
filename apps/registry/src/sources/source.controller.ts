import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Public } from '../kernel/auth/decorators.js';
import { Action } from '../kernel/auth/permissions.js';
import type { Principal } from '../kernel/auth/principal.js';
import { ChangeSourceStatusDto, CreateSourceDto, ListSourcesQuery, SourcePage, SourceResponse, UpdateSourceDto } from './source.dto.js';
import { SourceService } from './source.service.js';
import { PublicRead } from '../platform/response-cache/public-read.js';

@ApiTags('sources')
@Controller('api/v1/sources')
export class SourceController {
  constructor(@Inject(SourceService) private readonly sources: SourceService) {}

  @Post()
  @Allow(Action.SourceManage)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Register one of your city's sensors, streams or datasets (starts as planned)" })
  @ApiCreatedResponse({ type: SourceResponse })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateSourceDto): Promise<SourceResponse> {
    return this.sources.create(principal, dto);
  }

  @Get()
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'List data sources: filter by city, kind, status, standard, personal information, text and area' })
  @ApiOkResponse({ type: SourcePage })
  list(@Query() query: ListSourcesQuery): Promise<SourcePage> {
    return this.sources.list(query);
  }

  @Get(':id')
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'Read a data source' })
  @ApiOkResponse({ type: SourceResponse })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<SourceResponse> {
    return this.sources.get(id);
  }

  @Patch(':id')
  @HttpCode(200)
  @Allow(Action.SourceManage)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Change a source's description, location, operator or standards" })
  @ApiOkResponse({ type: SourceResponse })
  update(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateSourceDto): Promise<SourceResponse> {
    return this.sources.update(principal, id, dto);
  }

  @Post(':id/status')
  @HttpCode(200)
  @Allow(Action.SourceManage)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Move a source to another status (planned, active, suspended, retired)' })
  @ApiOkResponse({ type: SourceResponse })
  changeStatus(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ChangeSourceStatusDto): Promise<SourceResponse> {
    return this.sources.changeStatus(principal, id, dto);
  }
}
