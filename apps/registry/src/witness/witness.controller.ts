import { Controller, Get, Header, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatTreeSize, TREE_SIZE_CONTENT_TYPE } from '#plaza/note';
import { Public } from '../kernel/auth/decorators.js';
import { WitnessService } from './witness.service.js';

const TEXT = 'text/plain; charset=utf-8';

/** Plaza as a C2SP witness (tlog-witness v1.0.0) under the submission prefix `/log-witness`. */
@ApiTags('witness')
@Controller('log-witness')
export class WitnessController {
  constructor(@Inject(WitnessService) private readonly witness: WitnessService) {}

  // Anonymous: a log proves itself by its checkpoint's signature.
  @Post('add-checkpoint')
  @Public()
  @ApiOperation({
    summary: 'Cosign a checkpoint of a log this registry witnesses (tlog-witness): "old <size>", consistency proof lines, a blank line, the signed note',
    description: 'A 409 with Content-Type text/x.tlog.size says the size this registry holds for the log; send that old size and a proof from it.',
  })
  @ApiProduces(TEXT, TREE_SIZE_CONTENT_TYPE)
  @ApiOkResponse({ description: "The witness's timestamped cosignature line (tlog-cosignature, type 0x04)", schema: { type: 'string' } })
  @ApiBadRequestResponse({ description: 'Not an add-checkpoint body (witness.malformed), or an old size beyond the checkpoint (witness.old_size_beyond_checkpoint)' })
  @ApiForbiddenResponse({ description: "No valid signature by the log's configured key (witness.signature_invalid)" })
  @ApiNotFoundResponse({ description: 'A log this registry does not witness (witness.unknown_log)' })
  @ApiConflictResponse({ description: 'text/x.tlog.size: the old size is not the size held; a problem document (witness.root_mismatch): the same size with another root, a fork' })
  @ApiUnprocessableEntityResponse({ description: 'The consistency proof does not verify (witness.proof_invalid)' })
  async addCheckpoint(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const answer = await this.witness.addCheckpoint(body);
    void reply.header('cache-control', 'no-store');
    if ('heldSize' in answer) void reply.status(409).type(TREE_SIZE_CONTENT_TYPE).send(formatTreeSize(answer.heldSize));
    else void reply.status(200).type(TEXT).send(answer.cosignatures);
  }

  @Get('key')
  @Public()
  @Header('content-type', TEXT)
  @ApiOperation({ summary: "The witness's verifier key (name+id+key, cosignature type 0x04): a log pins it, from a channel it trusts, to verify cosignatures" })
  @ApiProduces(TEXT)
  @ApiOkResponse({ schema: { type: 'string' } })
  key(): string {
    return `${this.witness.verifierKey}\n`;
  }
}
