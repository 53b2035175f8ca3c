import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Public } from '../kernel/auth/decorators.js';
import { Action } from '../kernel/auth/permissions.js';
import type { Principal } from '../kernel/auth/principal.js';
import { DecideProposal } from './decide-proposal.use-case.js';
import { OpenVoting } from './open-voting.use-case.js';
import { CreateProposalDto, ListProposalsQuery, ProposalDetailResponse, ProposalPage, ReviewDto, UpdateProposalDto, VoteDto } from './proposal.dto.js';
import { ProposalNumberPipe } from './proposal-number.pipe.js';
import { ProposalService } from './proposal.service.js';
import { SubmitProposal } from './submit-proposal.use-case.js';
import { PublicRead } from '../platform/response-cache/public-read.js';


@ApiTags('proposals')
@Controller('api/v1/proposals')
export class ProposalController {
  constructor(
    @Inject(ProposalService) private readonly proposals: ProposalService,
    @Inject(SubmitProposal) private readonly submitProposal: SubmitProposal,
    @Inject(OpenVoting) private readonly openVoting: OpenVoting,
    @Inject(DecideProposal) private readonly decideProposal: DecideProposal,
  ) {}

  @Post()
  @Allow(Action.ProposalWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Open a proposal (draft): a new standard, a new version with its schema, or a deprecation' })
  @ApiCreatedResponse({ type: ProposalDetailResponse })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateProposalDto): Promise<ProposalDetailResponse> {
    return this.proposals.create(principal, dto);
  }

  @Get()
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'List proposals (newest first); filter by status and standard' })
  @ApiOkResponse({ type: ProposalPage })
  list(@Query() query: ListProposalsQuery): Promise<ProposalPage> {
    return this.proposals.list(query);
  }

  @Get(':number')
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'A proposal with its compatibility report, reviews, votes, tally and decision' })
  @ApiOkResponse({ type: ProposalDetailResponse })
  get(@Param('number', ProposalNumberPipe) n: number): Promise<ProposalDetailResponse> {
    return this.proposals.get(n);
  }

  @Patch(':number')
  @HttpCode(200)
  @Allow(Action.ProposalWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Edit a draft (its authors)' })
  @ApiOkResponse({ type: ProposalDetailResponse })
  update(@CurrentPrincipal() principal: Principal, @Param('number', ProposalNumberPipe) n: number, @Body() dto: UpdateProposalDto): Promise<ProposalDetailResponse> {
    return this.proposals.update(principal, n, dto);
  }

  @Post(':number/submit')
  @HttpCode(200)
  @Allow(Action.ProposalWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Submit a draft for review; the compatibility report is computed now' })
  @ApiOkResponse({ type: ProposalDetailResponse })
  async submit(@CurrentPrincipal() principal: Principal, @Param('number', ProposalNumberPipe) n: number): Promise<ProposalDetailResponse> {
    await this.submitProposal.execute(principal, n);
    return this.proposals.get(n);
  }

  @Post(':number/reviews')
  @Allow(Action.ProposalReview)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Review: approve, request changes or comment (standards editors, coalition members)' })
  @ApiCreatedResponse({ type: ProposalDetailResponse })
  review(@CurrentPrincipal() principal: Principal, @Param('number', ProposalNumberPipe) n: number, @Body() dto: ReviewDto): Promise<ProposalDetailResponse> {
    return this.proposals.review(principal, n, dto);
  }

  @Post(':number/voting')
  @HttpCode(200)
  @Allow(Action.ProposalSteward)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Open voting; the electorate (coalition-member organisations) is fixed now' })
  @ApiOkResponse({ type: ProposalDetailResponse })
  async open(@CurrentPrincipal() principal: Principal, @Param('number', ProposalNumberPipe) n: number): Promise<ProposalDetailResponse> {
    await this.openVoting.execute(principal, n);
    return this.proposals.get(n);
  }

  @Put(':number/vote')
  @HttpCode(200)
  @Allow(Action.ProposalVote)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Cast or change your organisation's vote (yes, no, abstain) while voting is open" })
  @ApiOkResponse({ type: ProposalDetailResponse })
  vote(@CurrentPrincipal() principal: Principal, @Param('number', ProposalNumberPipe) n: number, @Body() dto: VoteDto): Promise<ProposalDetailResponse> {
    return this.proposals.vote(principal, n, dto);
  }

  @Post(':number/decision')
  @HttpCode(200)
  @Allow(Action.ProposalSteward)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Close voting and apply the decision rule; an accepted version is published at once' })
  @ApiOkResponse({ type: ProposalDetailResponse })
  async decide(@CurrentPrincipal() principal: Principal, @Param('number', ProposalNumberPipe) n: number): Promise<ProposalDetailResponse> {
    await this.decideProposal.execute(principal, n);
    return this.proposals.get(n);
  }

  @Post(':number/withdraw')
  @HttpCode(200)
  @Allow(Action.ProposalWrite)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Withdraw a proposal before its decision (its authors)' })
  @ApiOkResponse({ type: ProposalDetailResponse })
  withdraw(@CurrentPrincipal() principal: Principal, @Param('number', ProposalNumberPipe) n: number): Promise<ProposalDetailResponse> {
    return this.proposals.withdraw(principal, n);
  }
}
