import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OrganisationParam } from '../organisations/index.js';
import { Allow, CurrentPrincipal } from '../kernel/auth/decorators.js';
import { Action } from '../kernel/auth/permissions.js';
import type { Principal } from '../kernel/auth/principal.js';
import { PageQuery } from '../kernel/paging/paging.js';
import { ApiKeyPage, ApiKeyResponse, CreateApiKeyDto, IssuedApiKeyResponse } from './api-key.dto.js';
import { ApiKeyService } from './api-key.service.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@OrganisationParam()
@Controller('api/v1/organisations/:slug/api-keys')
export class ApiKeyController {
  constructor(@Inject(ApiKeyService) private readonly keys: ApiKeyService) {}

  @Post()
  @Allow(Action.ApiKeyManage)
  @ApiOperation({ summary: 'Issue an API key to a member; the key is in this response only' })
  @ApiCreatedResponse({ type: IssuedApiKeyResponse })
  issue(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Body() dto: CreateApiKeyDto): Promise<IssuedApiKeyResponse> {
    return this.keys.issue(principal, slug, dto);
  }

  @Get()
  @Allow(Action.ApiKeyRead)
  @ApiOperation({ summary: "List the organisation's API keys (prefixes only)" })
  @ApiOkResponse({ type: ApiKeyPage })
  list(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Query() query: PageQuery): Promise<ApiKeyPage> {
    return this.keys.list(principal, slug, query);
  }

  @Post(':keyId/revoke')
  @HttpCode(200)
  @Allow(Action.ApiKeyManage)
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once' })
  @ApiOkResponse({ type: ApiKeyResponse })
  revoke(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Param('keyId', ParseUUIDPipe) keyId: string): Promise<ApiKeyResponse> {
    return this.keys.revoke(principal, slug, keyId);
  }
}
