import { Body, Controller, Get, HttpCode, Inject, Param, ParseIntPipe, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { OrganisationParam } from '../organisations/index.js';
import type { FastifyReply } from 'fastify';
import { Allow, CurrentPrincipal, OptionalPrincipal, Public } from '../kernel/auth/decorators.js';
import { Action } from '../kernel/auth/permissions.js';
import type { Principal } from '../kernel/auth/principal.js';
import { AmendAgreement } from './amend-agreement.use-case.js';
import {
  AgreementPage, AgreementResponse, AgreementVersionResponse, AmendAgreementDto, CreateAgreementDto, ListAgreementsQuery, OptionalReasonDto, ReasonDto, SignAgreementDto,
  UpdateAgreementDto,
} from './agreement.dto.js';
import { AgreementService } from './agreement.service.js';
import { OpenSignatures } from './open-signatures.use-case.js';
import { ResumeAgreement } from './resume-agreement.use-case.js';
import { SignAgreement } from './sign-agreement.use-case.js';
import { SuspendAgreement } from './suspend-agreement.use-case.js';
import { TerminateAgreement } from './terminate-agreement.use-case.js';
import { PublicRead } from '../platform/response-cache/public-read.js';

const versionNumber = () => new ParseIntPipe({ errorHttpStatusCode: 400 });
const uuid = () => new ParseUUIDPipe({ version: undefined });

async function sendDocument(reply: FastifyReply, bytes: Buffer): Promise<void> {
  // The exact bytes the parties signed, unchanged: never re-serialised.
  void reply.type('application/json').header('cache-control', 'no-cache').send(bytes);
}

@ApiTags('agreements')
@Controller('api/v1/agreements')
export class AgreementController {
  constructor(
    @Inject(AgreementService) private readonly agreements: AgreementService,
    @Inject(OpenSignatures) private readonly openSignatures: OpenSignatures,
    @Inject(SignAgreement) private readonly signAgreement: SignAgreement,
    @Inject(AmendAgreement) private readonly amendAgreement: AmendAgreement,
    @Inject(SuspendAgreement) private readonly suspendAgreement: SuspendAgreement,
    @Inject(ResumeAgreement) private readonly resumeAgreement: ResumeAgreement,
    @Inject(TerminateAgreement) private readonly terminateAgreement: TerminateAgreement,
  ) {}

  @Post()
  @Allow(Action.AgreementWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Draft a data-sharing agreement (version 1) between your city and one or more vendors' })
  @ApiCreatedResponse({ type: AgreementResponse })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateAgreementDto): Promise<AgreementResponse> {
    return this.agreements.create(principal, dto);
  }

  @Get()
  @Public()
  @PublicRead()
  @ApiOperation({ summary: "List agreements (newest first): without a key those that have come into force; with a key also those your organisation is party to, in any status. Filter by party and source" })
  @ApiOkResponse({ type: AgreementPage })
  list(@OptionalPrincipal() principal: Principal | undefined, @Query() query: ListAgreementsQuery): Promise<AgreementPage> {
    return this.agreements.list(query, principal);
  }

  @Get(':id')
  @Public()
  @PublicRead()
  @ApiOperation({
    summary: 'An agreement and the versions you may read (without a key its public ones; its parties also drafts and pending versions): parties, terms, status history, signatures (re-verified), sources, journal. One you may not read is a 404, as a missing one',
  })
  @ApiOkResponse({ type: AgreementResponse })
  get(@OptionalPrincipal() principal: Principal | undefined, @Param('id', uuid()) id: string): Promise<AgreementResponse> {
    return this.agreements.get(id, principal);
  }

  @Get(':id/versions/:n')
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'One version of an agreement that you may read' })
  @ApiOkResponse({ type: AgreementVersionResponse })
  getVersion(@OptionalPrincipal() principal: Principal | undefined, @Param('id', uuid()) id: string, @Param('n', versionNumber()) n: number): Promise<AgreementVersionResponse> {
    return this.agreements.getVersion(id, n, principal);
  }

  @Get(':id/versions/:n/document')
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'The exact bytes to sign, or that the parties signed (RFC 8785 JSON), of a version you may read' })
  @ApiProduces('application/json')
  @ApiOkResponse({ description: 'The canonical agreement document, byte for byte' })
  async document(
    @OptionalPrincipal() principal: Principal | undefined, @Param('id', uuid()) id: string, @Param('n', versionNumber()) n: number, @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendDocument(reply, await this.agreements.document(id, n, principal));
  }

  @Patch(':id/versions/:n')
  @HttpCode(200)
  @Allow(Action.AgreementWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Edit a draft version (the city)' })
  @ApiOkResponse({ type: AgreementResponse })
  update(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string, @Param('n', versionNumber()) n: number, @Body() dto: UpdateAgreementDto): Promise<AgreementResponse> {
    return this.agreements.update(principal, id, n, dto);
  }

  @Post(':id/versions/:n/open-signatures')
  @HttpCode(200)
  @Allow(Action.AgreementWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Draft -> pending signatures: fix the canonical document every party signs (the city)' })
  @ApiOkResponse({ type: AgreementResponse })
  async open(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string, @Param('n', versionNumber()) n: number): Promise<AgreementResponse> {
    await this.openSignatures.execute(principal, id, n);
    return this.agreements.get(id, principal);
  }

  @Post(':id/versions/:n/signatures')
  @Allow(Action.AgreementSign)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Sign a version with one of your organisation's registered keys (a detached JWS over the document bytes)" })
  @ApiCreatedResponse({ type: AgreementResponse })
  async sign(
    @CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string, @Param('n', versionNumber()) n: number, @Body() dto: SignAgreementDto,
  ): Promise<AgreementResponse> {
    await this.signAgreement.execute(principal, id, n, dto.jws);
    return this.agreements.get(id, principal);
  }

  @Post(':id/amendments')
  @Allow(Action.AgreementWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Amend: a new draft version copied from the one in force, with these changes; it needs new signatures' })
  @ApiCreatedResponse({ type: AgreementResponse })
  async amend(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string, @Body() dto: AmendAgreementDto): Promise<AgreementResponse> {
    await this.amendAgreement.execute(principal, id, dto);
    return this.agreements.get(id, principal);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @Allow(Action.AgreementWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Suspend the active version at once, with a reason (the city)' })
  @ApiOkResponse({ type: AgreementResponse })
  async suspend(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string, @Body() dto: ReasonDto): Promise<AgreementResponse> {
    await this.suspendAgreement.execute(principal, id, dto.reason);
    return this.agreements.get(id, principal);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Allow(Action.AgreementWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Resume a suspended agreement (the city); its window and the privacy rule are checked again' })
  @ApiOkResponse({ type: AgreementResponse })
  async resume(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string, @Body() dto: OptionalReasonDto): Promise<AgreementResponse> {
    await this.resumeAgreement.execute(principal, id, dto.reason);
    return this.agreements.get(id, principal);
  }

  @Post(':id/terminate')
  @HttpCode(200)
  @Allow(Action.AgreementWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Terminate the agreement at once, with a reason: the version in force and any amendment in preparation (the city)' })
  @ApiOkResponse({ type: AgreementResponse })
  async terminate(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string, @Body() dto: ReasonDto): Promise<AgreementResponse> {
    await this.terminateAgreement.execute(principal, id, dto.reason);
    return this.agreements.get(id, principal);
  }
}

/** The parties' own view, through their organisation: deprecated, since /api/v1/agreements answers each caller with what it may read. */
@ApiTags('agreements')
@OrganisationParam()
@Controller('api/v1/organisations/:slug/agreements')
export class OrganisationAgreementController {
  constructor(@Inject(AgreementService) private readonly agreements: AgreementService) {}

  @Get()
  @Allow(Action.AgreementRead)
  @ApiBearerAuth()
  @ApiOperation({ deprecated: true, summary: 'Deprecated (use GET /api/v1/agreements?party= with your key): agreements your organisation is party to, in any status (newest first)' })
  @ApiOkResponse({ type: AgreementPage })
  list(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Query() query: ListAgreementsQuery): Promise<AgreementPage> {
    return this.agreements.listForParty(principal, slug, query);
  }

  @Get(':id')
  @Allow(Action.AgreementRead)
  @ApiBearerAuth()
  @ApiOperation({ deprecated: true, summary: 'Deprecated (use GET /api/v1/agreements/{id} with your key): an agreement your organisation is party to, with the versions it may read (drafts and pending ones included)' })
  @ApiOkResponse({ type: AgreementResponse })
  get(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Param('id', uuid()) id: string): Promise<AgreementResponse> {
    return this.agreements.forParty(principal, slug, id);
  }

  @Get(':id/versions/:n/document')
  @Allow(Action.AgreementRead)
  @ApiBearerAuth()
  @ApiOperation({ deprecated: true, summary: 'Deprecated (use GET /api/v1/agreements/{id}/versions/{n}/document with your key): the exact bytes to sign (RFC 8785 JSON) of a version awaiting signatures, or any version you are party to' })
  @ApiProduces('application/json')
  @ApiOkResponse({ description: 'The canonical agreement document, byte for byte' })
  async document(
    @CurrentPrincipal() principal: Principal, @Param('slug') slug: string, @Param('id', uuid()) id: string, @Param('n', versionNumber()) n: number, @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendDocument(reply, await this.agreements.document(id, n, principal, slug));
  }
}
