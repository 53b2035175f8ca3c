import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, OptionalPrincipal, Public } from '../kernel/auth/decorators.js';
import { Action } from '../kernel/auth/permissions.js';
import type { Principal } from '../kernel/auth/principal.js';
import { ApprovePrivacyRecord } from './approve-privacy-record.use-case.js';
import {
  CreatePrivacyRecordDto, ListPrivacyRecordsQuery, PrivacyRecordDetailResponse, PrivacyRecordPage, PrivacyRecordResponse, RejectPrivacyRecordDto,
  UpdatePrivacyRecordDto,
} from './privacy-record.dto.js';
import { PrivacyRecordService } from './privacy-record.service.js';
import { RejectPrivacyRecord } from './reject-privacy-record.use-case.js';
import { SubmitPrivacyRecord } from './submit-privacy-record.use-case.js';
import { PublicRead } from '../platform/response-cache/public-read.js';

const publicOrFull = { oneOf: [{ $ref: getSchemaPath(PrivacyRecordDetailResponse) }, { $ref: getSchemaPath(PrivacyRecordResponse) }] };

@ApiTags('privacy-records')
@ApiExtraModels(PrivacyRecordResponse, PrivacyRecordDetailResponse)
@Controller('api/v1/privacy-records')
export class PrivacyRecordController {
  constructor(
    @Inject(PrivacyRecordService) private readonly records: PrivacyRecordService,
    @Inject(SubmitPrivacyRecord) private readonly submitRecord: SubmitPrivacyRecord,
    @Inject(ApprovePrivacyRecord) private readonly approveRecord: ApprovePrivacyRecord,
    @Inject(RejectPrivacyRecord) private readonly rejectRecord: RejectPrivacyRecord,
  ) {}

  @Post()
  @Allow(Action.PrivacyRecordWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Open a privacy impact record (draft) for your city's sources and agreements" })
  @ApiCreatedResponse({ type: PrivacyRecordDetailResponse })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreatePrivacyRecordDto): Promise<PrivacyRecordDetailResponse> {
    return this.records.create(principal, dto);
  }

  @Get()
  @Public()
  @PublicRead()
  @ApiOperation({
    summary: 'List privacy impact records (newest first): approved and expired ones for anyone; with a key, also your own city\'s others',
  })
  @ApiOkResponse({ type: PrivacyRecordPage })
  list(@OptionalPrincipal() principal: Principal | undefined, @Query() query: ListPrivacyRecordsQuery): Promise<PrivacyRecordPage> {
    return this.records.list(principal, query);
  }

  @Get(':id')
  @Public()
  @PublicRead()
  @ApiOperation({ summary: "Read a record: the public part of an approved or expired one, or the whole record for its city's members" })
  @ApiOkResponse({ schema: publicOrFull })
  get(@OptionalPrincipal() principal: Principal | undefined, @Param('id', ParseUUIDPipe) id: string): Promise<PrivacyRecordResponse> {
    return this.records.get(principal, id);
  }

  @Patch(':id')
  @HttpCode(200)
  @Allow(Action.PrivacyRecordWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Edit a draft (members of its city); whoever edits it cannot decide on it' })
  @ApiOkResponse({ type: PrivacyRecordDetailResponse })
  update(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdatePrivacyRecordDto): Promise<PrivacyRecordDetailResponse> {
    return this.records.update(principal, id, dto);
  }

  @Post(':id/submit')
  @HttpCode(200)
  @Allow(Action.PrivacyRecordWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Submit a draft to the privacy approvers' })
  @ApiOkResponse({ type: PrivacyRecordDetailResponse })
  async submit(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<PrivacyRecordResponse> {
    await this.submitRecord.execute(principal, id);
    return this.records.get(principal, id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Allow(Action.PrivacyRecordApprove)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Approve a submitted record (a privacy approver of the city who did not write, edit or submit it)' })
  @ApiOkResponse({ type: PrivacyRecordDetailResponse })
  async approve(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<PrivacyRecordResponse> {
    await this.approveRecord.execute(principal, id);
    return this.records.get(principal, id);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Allow(Action.PrivacyRecordApprove)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Reject a submitted record with a reason (a privacy approver of the city who did not write, edit or submit it)' })
  @ApiOkResponse({ type: PrivacyRecordDetailResponse })
  async reject(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: RejectPrivacyRecordDto): Promise<PrivacyRecordResponse> {
    await this.rejectRecord.execute(principal, id, dto.reason);
    return this.records.get(principal, id);
  }
}
