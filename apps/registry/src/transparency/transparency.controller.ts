import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OptionalPrincipal, Public } from '../kernel/auth/decorators.js';
import type { Principal } from '../kernel/auth/principal.js';
import {
  CheckpointResponse, ConsistencyProofQuery, DisclosedRecordResponse, RecordQuery, ConsistencyProofResponse, EntriesQuery, InclusionProofQuery, InclusionProofResponse, LogEntriesResponse, RootQuery,
  RootResponse,
} from './transparency.dto.js';
import { TransparencyService } from './transparency.service.js';
import { JwksResponse } from '../signing-keys/index.js';

@ApiTags('transparency log')
@Controller('api/v1/log')
export class TransparencyController {
  constructor(@Inject(TransparencyService) private readonly log: TransparencyService) {}

  @Get('checkpoint')
  @Public()
  @ApiOperation({ summary: 'The signed checkpoint of the current tree: C2SP tlog-checkpoint body and its JWS' })
  @ApiOkResponse({ type: CheckpointResponse })
  checkpoint(): Promise<CheckpointResponse> {
    return this.log.checkpoint();
  }

  @Get('entries')
  @Public()
  @ApiOperation({ summary: 'Entries by index range [start, end), at most 1000, with the exact bytes hashed and their leaf hashes' })
  @ApiOkResponse({ type: LogEntriesResponse })
  entries(@Query() query: EntriesQuery): Promise<LogEntriesResponse> {
    return this.log.entries(query);
  }

  @Get('record')
  @Public()
  @ApiOperation({
    summary: "The record an entry is about, with the entry's salt, to check the entry's state digest against the record as served",
    description: 'Public records to anyone; members, API keys, drafts and other non-public records only to those who may read them through the API (send your key).',
  })
  @ApiOkResponse({ type: DisclosedRecordResponse })
  record(@OptionalPrincipal() principal: Principal | undefined, @Query() query: RecordQuery): Promise<DisclosedRecordResponse> {
    return this.log.record(query, principal);
  }

  @Get('root')
  @Public()
  @ApiOperation({ summary: 'The root hash of the tree of any size up to the current one' })
  @ApiOkResponse({ type: RootResponse })
  root(@Query() query: RootQuery): Promise<RootResponse> {
    return this.log.root(query);
  }

  @Get('proof/inclusion')
  @Public()
  @ApiOperation({ summary: 'The inclusion proof (audit path) of an entry in the tree of a given size' })
  @ApiOkResponse({ type: InclusionProofResponse })
  inclusion(@Query() query: InclusionProofQuery): Promise<InclusionProofResponse> {
    return this.log.inclusion(query);
  }

  @Get('proof/consistency')
  @Public()
  @ApiOperation({ summary: 'The consistency proof between two tree sizes' })
  @ApiOkResponse({ type: ConsistencyProofResponse })
  consistency(@Query() query: ConsistencyProofQuery): Promise<ConsistencyProofResponse> {
    return this.log.consistency(query);
  }
}

@ApiTags('transparency log')
@Controller('.well-known')
export class WellKnownController {
  constructor(@Inject(TransparencyService) private readonly log: TransparencyService) {}

  @Get('jwks.json')
  @Public()
  @ApiOperation({ summary: "The registry's public keys: the key that signs the log's checkpoints" })
  @ApiOkResponse({ type: JwksResponse })
  jwks(): JwksResponse {
    return this.log.jwks();
  }
}
