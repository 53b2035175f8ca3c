import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Public } from '../kernel/auth/decorators.js';
import { Action } from '../kernel/auth/permissions.js';
import type { Principal } from '../kernel/auth/principal.js';
import { CreateOrganisationDto, ListOrganisationsQuery, OrganisationPage, OrganisationParam, OrganisationResponse, UpdateOrganisationDto } from './organisation.dto.js';
import { OrganisationService } from './organisation.service.js';
import { PublicRead } from '../platform/response-cache/public-read.js';

@ApiTags('organisations')
@Controller('api/v1/organisations')
export class OrganisationController {
  constructor(@Inject(OrganisationService) private readonly organisations: OrganisationService) {}

  @Post()
  @Allow(Action.OrganisationCreate)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Register a city or a vendor (operator only)' })
  @ApiCreatedResponse({ type: OrganisationResponse })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateOrganisationDto): Promise<OrganisationResponse> {
    return this.organisations.create(principal, dto);
  }

  @Get()
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'List cities and vendors' })
  @ApiOkResponse({ type: OrganisationPage })
  list(@Query() query: ListOrganisationsQuery): Promise<OrganisationPage> {
    return this.organisations.list(query);
  }

  @Get(':slug')
  @OrganisationParam()
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'Read an organisation' })
  @ApiOkResponse({ type: OrganisationResponse })
  get(@Param('slug') slug: string): Promise<OrganisationResponse> {
    return this.organisations.get(slug);
  }

  @Patch(':slug')
  @OrganisationParam()
  @HttpCode(200)
  @Allow(Action.OrganisationUpdate)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Change an organisation's public details (its admin, or the operator)" })
  @ApiOkResponse({ type: OrganisationResponse })
  update(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Body() dto: UpdateOrganisationDto): Promise<OrganisationResponse> {
    return this.organisations.update(principal, slug, dto);
  }
}
