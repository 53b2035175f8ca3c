import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OrganisationParam } from '../organisations/index.js';
import { Allow, CurrentPrincipal } from '../kernel/auth/decorators.js';
import { Action } from '../kernel/auth/permissions.js';
import type { Principal } from '../kernel/auth/principal.js';
import { PageQuery } from '../kernel/paging/paging.js';
import { CreateMemberDto, MemberPage, MemberResponse, UpdateMemberDto } from './member.dto.js';
import { MemberService } from './member.service.js';

@ApiTags('members')
@ApiBearerAuth()
@OrganisationParam()
@Controller('api/v1/organisations/:slug/members')
export class MemberController {
  constructor(@Inject(MemberService) private readonly members: MemberService) {}

  @Post()
  @Allow(Action.MemberManage)
  @ApiOperation({ summary: 'Add a member with roles (the organisation admin, or the operator)' })
  @ApiCreatedResponse({ type: MemberResponse })
  create(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Body() dto: CreateMemberDto): Promise<MemberResponse> {
    return this.members.create(principal, slug, dto);
  }

  @Get()
  @Allow(Action.MemberRead)
  @ApiOperation({ summary: "List the organisation's members (private to the organisation)" })
  @ApiOkResponse({ type: MemberPage })
  list(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Query() query: PageQuery): Promise<MemberPage> {
    return this.members.list(principal, slug, query);
  }

  @Get(':memberId')
  @Allow(Action.MemberRead)
  @ApiOperation({ summary: 'Read a member' })
  @ApiOkResponse({ type: MemberResponse })
  get(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Param('memberId', ParseUUIDPipe) memberId: string): Promise<MemberResponse> {
    return this.members.get(principal, slug, memberId);
  }

  @Patch(':memberId')
  @HttpCode(200)
  @Allow(Action.MemberManage)
  @ApiOperation({ summary: "Change a member's name, roles or active flag" })
  @ApiOkResponse({ type: MemberResponse })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('slug') slug: string,
    @Param('memberId', ParseUUIDPipe) memberId: string,
    @Body() dto: UpdateMemberDto,
  ): Promise<MemberResponse> {
    return this.members.update(principal, slug, memberId, dto);
  }
}
