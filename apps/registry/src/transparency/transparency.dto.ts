import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { OptionalField } from '../kernel/http/validation.js';

/** The most entries one call to GET /api/v1/log/entries returns. */
export const MAX_ENTRIES_PER_CALL = 1000;

export class EntriesQuery {
  @ApiProperty({ minimum: 0, description: 'Index of the first entry' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  start: number;

  @ApiPropertyOptional({ description: `Index after the last entry (exclusive); default start + ${MAX_ENTRIES_PER_CALL}, capped at the tree size` })
  @OptionalField()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  end?: number;
}

export class InclusionProofQuery {
  @ApiProperty({ minimum: 0, description: 'Index of the entry' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  index: number;

  @ApiPropertyOptional({ minimum: 1, description: 'Tree size the proof is for; default the current size' })
  @OptionalField()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  size?: number;
}

export class ConsistencyProofQuery {
  @ApiProperty({ minimum: 0, description: 'The older tree size' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  first: number;

  @ApiPropertyOptional({ minimum: 0, description: 'The newer tree size; default the current size' })
  @OptionalField()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  second?: number;
}

export class RootQuery {
  @ApiPropertyOptional({ minimum: 0, description: 'Tree size; default the current size' })
  @OptionalField()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  size?: number;
}

export class LogEntryResponse {
  @ApiProperty() index: number;
  @ApiProperty({ description: 'Base64 of the exact entry bytes (RFC 8785 JSON) the leaf hashes' }) entry: string;
  @ApiProperty({ description: 'Base64 of the stored leaf hash, SHA-256(0x00 || entry)' }) leafHash: string;
}

export class LogEntriesResponse {
  @ApiProperty({ description: 'The tree size when the entries were read' }) treeSize: number;
  @ApiProperty({ type: [LogEntryResponse] }) entries: LogEntryResponse[];
}

export class RootResponse {
  @ApiProperty() treeSize: number;
  @ApiProperty({ description: 'Base64 of the RFC 9162 root hash' }) rootHash: string;
}

export class InclusionProofResponse {
  @ApiProperty() index: number;
  @ApiProperty() treeSize: number;
  @ApiProperty({ description: 'Base64 of the leaf hash' }) leafHash: string;
  @ApiProperty({ description: 'Base64 of the root hash of the tree of treeSize' }) rootHash: string;
  @ApiProperty({ type: [String], description: 'Base64 hashes of the audit path, leaf first (RFC 9162 2.1.3)' }) proof: string[];
}

export class ConsistencyProofResponse {
  @ApiProperty() first: number;
  @ApiProperty() second: number;
  @ApiProperty({ description: 'Base64 root hash of the tree of size first' }) firstRootHash: string;
  @ApiProperty({ description: 'Base64 root hash of the tree of size second' }) secondRootHash: string;
  @ApiProperty({ type: [String], description: 'Base64 hashes of the consistency proof (RFC 9162 2.1.4)' }) proof: string[];
}

export class CheckpointResponse {
  @ApiProperty({ description: 'C2SP tlog-checkpoint body: origin, tree size and base64 root hash, each followed by a newline' }) body: string;
  @ApiProperty({ description: 'Compact JWS (EdDSA, kid of /.well-known/jwks.json) whose payload is exactly the body' }) jws: string;
}

export class RecordQuery {
  @ApiProperty({ minimum: 0, description: 'Index of the entry: the `journalIndex` a record names' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  index: number;
}

export class EntrySubject {
  @ApiProperty({ example: 'source' }) type: string;
  @ApiProperty() id: string;
}

export class DisclosedRecordResponse {
  @ApiProperty() index: number;
  @ApiProperty({ type: EntrySubject }) subject: EntrySubject;
  @ApiProperty({ description: "The entry's salt, base64url: SHA-256(salt || RFC 8785 JSON of `state`) is the entry's `state` digest" }) salt: string;
  @ApiProperty({ description: 'The state the entry digests, recomputed from the record as stored now', type: Object }) state: unknown;
}
