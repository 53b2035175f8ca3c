import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OrganisationParam } from '../organisations/index.js';
import { Allow, CurrentPrincipal, Public } from '../kernel/auth/decorators.js';
import { Action } from '../kernel/auth/permissions.js';
import type { Principal } from '../kernel/auth/principal.js';
import { PageQuery } from '../kernel/paging/paging.js';
import { ChallengeResponse, JwksResponse, RegisterSigningKeyDto, RevokeSigningKeyDto, SigningKeyPage, SigningKeyResponse } from './signing-key.dto.js';
import { SigningKeyService } from './signing-key.service.js';

@ApiTags('signing-keys')
@OrganisationParam()
@Controller('api/v1/organisations/:slug')
export class OrganisationSigningKeyController {
  constructor(@Inject(SigningKeyService) private readonly keys: SigningKeyService) {}

  @Post('signing-keys/challenges')
  @Allow(Action.SigningKeyRegister)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Get a one-time challenge to sign with a new key (proof of possession)' })
  @ApiCreatedResponse({ type: ChallengeResponse })
  challenge(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string): Promise<ChallengeResponse> {
    return this.keys.challenge(principal, slug);
  }

  @Post('signing-keys')
  @Allow(Action.SigningKeyRegister)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Register a public signing key, with the challenge signed by its private half' })
  @ApiCreatedResponse({ type: SigningKeyResponse })
  register(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Body() dto: RegisterSigningKeyDto): Promise<SigningKeyResponse> {
    return this.keys.register(principal, slug, dto);
  }

  @Post('signing-keys/:kid/revoke')
  @HttpCode(200)
  @Allow(Action.SigningKeyRevoke)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Revoke a signing key at once, with a reason' })
  @ApiOkResponse({ type: SigningKeyResponse })
  revoke(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Param('kid') kid: string, @Body() dto: RevokeSigningKeyDto): Promise<SigningKeyResponse> {
    return this.keys.revoke(principal, slug, kid, dto);
  }

  @Get('signing-keys')
  @Public()
  @ApiOperation({ summary: "The organisation's full key history, revocations included" })
  @ApiOkResponse({ type: SigningKeyPage })
  history(@Param('slug') slug: string, @Query() query: PageQuery): Promise<SigningKeyPage> {
    return this.keys.history(slug, query);
  }

  @Get('jwks.json')
  @Public()
  @ApiOperation({ summary: "The organisation's keys that are active now, as a JWK Set" })
  @ApiOkResponse({ type: JwksResponse })
  jwks(@Param('slug') slug: string): Promise<JwksResponse> {
    return this.keys.jwks(slug);
  }
}

@ApiTags('signing-keys')
@Controller('api/v1/signing-keys')
export class SigningKeyController {
  constructor(@Inject(SigningKeyService) private readonly keys: SigningKeyService) {}

  @Get(':kid')
  @Public()
  @ApiOperation({ summary: 'Look a signing key up by its thumbprint, whichever organisation holds it' })
  @ApiOkResponse({ type: SigningKeyResponse })
  get(@Param('kid') kid: string): Promise<SigningKeyResponse> {
    return this.keys.get(kid);
  }
}
