import { Body, Controller, Get, Header, Inject, Post, Query } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, OptionalPrincipal, Public } from '../kernel/auth/decorators.js';
import { Action } from '../kernel/auth/permissions.js';
import type { Principal } from '../kernel/auth/principal.js';
import {
  CheckpointResponse, ConsistencyProofQuery, DisclosedRecordResponse, RecordQuery, ConsistencyProofResponse, EntriesQuery, InclusionProofQuery, InclusionProofResponse, LogEntriesResponse, LogKeysResponse, RootQuery,
  RootResponse, WithholdingRequest, WithholdingResponse,
} from './transparency.dto.js';
import { WithholdState } from './withhold-state.use-case.js';
import { TransparencyService } from './transparency.service.js';
import { JwksResponse } from '../signing-keys/index.js';
import { PublicRead } from '../platform/response-cache/public-read.js';

@ApiTags('transparency log')
@Controller('api/v1/log')
export class TransparencyController {
  constructor(
    @Inject(TransparencyService) private readonly log: TransparencyService,
    @Inject(WithholdState) private readonly withholdState: WithholdState,
  ) {}

  @Get('checkpoint')
  @Public()
  @PublicRead({ neverStale: true, followsLog: true })
  @ApiOperation({ summary: 'The signed checkpoint of the current tree: C2SP tlog-checkpoint body and its JWS' })
  @ApiOkResponse({ type: CheckpointResponse })
  checkpoint(): Promise<CheckpointResponse> {
    return this.log.checkpoint();
  }

  @Get('entries')
  @Public()
  @PublicRead()
  @ApiOperation({ summary: 'Entries by index range [start, end), at most 1000, with the exact bytes hashed and their leaf hashes' })
  @ApiOkResponse({ type: LogEntriesResponse })
  entries(@Query() query: EntriesQuery): Promise<LogEntriesResponse> {
    return this.log.entries(query);
  }

  @Get('record')
  @Public()
  @PublicRead()
  @ApiOperation({
    summary: "The record an entry is about, with the entry's salt, to check the entry's state digest against the record as served",
    description:
      "Any entry: the record's latest entry with its state as stored now (public records to anyone; members, API keys, drafts and other non-public records only to those who may read them through the API, send your key); an earlier entry with the state kept when it was written, to anyone, if that state was public then (otherwise 409 log.record_superseded). A state the operator withheld: 410 log.state_withheld.",
  })
  @ApiOkResponse({ type: DisclosedRecordResponse })
  record(@OptionalPrincipal() principal: Principal | undefined, @Query() query: RecordQuery): Promise<DisclosedRecordResponse> {
    return this.log.record(query, principal);
  }

  @Post('withholdings')
  @Allow(Action.LogWithhold)
  @ApiOperation({
    summary: 'The operator withholds the state an entry recorded, typed in error (personal information in a public field)',
    description: 'The kept state is erased and no longer disclosed (410 log.state_withheld); the withholding is itself journaled, and histories show it. The entry and its digest stay in the log.',
  })
  @ApiCreatedResponse({ type: WithholdingResponse })
  async withhold(@CurrentPrincipal() principal: Principal, @Body() body: WithholdingRequest): Promise<WithholdingResponse> {
    await this.withholdState.execute(principal, body.index);
    return this.log.withholding(body.index);
  }

  @Get('root')
  @Public()
  @PublicRead({ lasting: names('size') })
  @ApiOperation({ summary: 'The root hash of the tree of any size up to the current one' })
  @ApiOkResponse({ type: RootResponse })
  root(@Query() query: RootQuery): Promise<RootResponse> {
    return this.log.root(query);
  }

  @Get('proof/inclusion')
  @Public()
  @PublicRead({ lasting: names('size') })
  @ApiOperation({ summary: 'The inclusion proof (audit path) of an entry in the tree of a given size' })
  @ApiOkResponse({ type: InclusionProofResponse })
  inclusion(@Query() query: InclusionProofQuery): Promise<InclusionProofResponse> {
    return this.log.inclusion(query);
  }

  @Get('proof/consistency')
  @Public()
  @PublicRead({ lasting: names('second') })
  @ApiOperation({ summary: 'The consistency proof between two tree sizes' })
  @ApiOkResponse({ type: ConsistencyProofResponse })
  consistency(@Query() query: ConsistencyProofQuery): Promise<ConsistencyProofResponse> {
    return this.log.consistency(query);
  }
}

const TEXT = 'text/plain; charset=utf-8';

/** An answer about a tree size the query names (a proof, a root) never changes: the log only grows. */
function names(size: string): (request: FastifyRequest) => boolean {
  return (request) => (request.query as Record<string, unknown>)[size] !== undefined;
}

/** The log in the C2SP formats that transparency tools read, under the prefix `/log` (whose origin is PLAZA_LOG_ORIGIN). */
@ApiTags('transparency log')
@Controller('log')
export class SignedNoteController {
  constructor(@Inject(TransparencyService) private readonly log: TransparencyService) {}

  @Get('checkpoint')
  @Public()
  @PublicRead({ neverStale: true, followsLog: true })
  @Header('content-type', TEXT)
  @ApiOperation({
    summary: 'The latest checkpoint as a C2SP signed note (tlog-checkpoint), signed by the log key named by GET /log/key',
    description:
      "With witnesses configured (PLAZA_LOG_WITNESSES), the latest checkpoint that met its quorum of cosignatures, with them (503 log.checkpoint_not_witnessed before the first); with none, the latest signed checkpoint.",
  })
  @ApiProduces(TEXT)
  @ApiOkResponse({ schema: { type: 'string' } })
  checkpoint(): Promise<string> {
    return this.log.publishedNote();
  }

  @Get('key')
  @Public()
  @Header('content-type', TEXT)
  @ApiOperation({ summary: "The log's signed-note verifier key (name+id+key): pin it, from a channel you trust, to verify checkpoints" })
  @ApiProduces(TEXT)
  @ApiOkResponse({ schema: { type: 'string' } })
  key(): string {
    return `${this.log.verifierKey()}\n`;
  }

  @Get('keys')
  @Public()
  @PublicRead()
  @ApiOperation({
    summary: "Every key the log has used, oldest first, with the rotation statements chaining them: a verifier follows the log from the key it pinned only through statements signed by the key before",
  })
  @ApiOkResponse({ type: LogKeysResponse })
  keys(): Promise<LogKeysResponse> {
    return this.log.keys();
  }
}

@ApiTags('transparency log')
@Controller('.well-known')
export class WellKnownController {
  constructor(@Inject(TransparencyService) private readonly log: TransparencyService) {}

  @Get('jwks.json')
  @Public()
  @PublicRead()
  @ApiOperation({ summary: "The registry's public keys: the key that signs the log's checkpoints" })
  @ApiOkResponse({ type: JwksResponse })
  jwks(): JwksResponse {
    return this.log.jwks();
  }
}
