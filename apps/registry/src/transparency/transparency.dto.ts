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

export class CheckpointWitnessAlarm {
  @ApiProperty({ description: 'What the witness refused, in the registry\'s words (never the witness\'s answer)' }) detail: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ description: 'The size of the checkpoint the witness refused' }) size: number;
  @ApiProperty({ description: "Which of the witness's alarms it is (1 for its first): what the operator names to acknowledge it (PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED)" }) number: number;
}

export class CheckpointWitness {
  @ApiProperty({ description: "The witness's key name" }) name: string;
  @ApiProperty({ description: 'The key id of its cosignatures (type 0x04), 8 hex digits' }) keyId: string;
  @ApiProperty({ description: 'It cosigned this checkpoint: its verified cosignature is on the note' }) cosigned: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'The time its cosignature of this checkpoint states' }) cosignedAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the last request did not get its cosignature, in general terms (no address nor setting: those are in the registry\'s log); cleared when it cosigns' }) lastError: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastErrorAt: string | null;
  @ApiProperty({ type: CheckpointWitnessAlarm, nullable: true, description: 'A standing fork alarm: the witness refused a checkpoint as inconsistent with a tree of this log it has seen. It stays until the operator acknowledges it, whatever the witness says later' })
  alarm: CheckpointWitnessAlarm | null;
  @ApiProperty({ description: 'Fork alarms this witness has raised so far' }) alarms: number;
}

export class WitnessedCheckpoint {
  @ApiProperty({ description: 'Its tree size' }) size: number;
  @ApiProperty({ description: 'Its C2SP tlog-checkpoint body' }) body: string;
  @ApiProperty({ description: "Its signed note with the witnesses' cosignatures, exactly as GET /log/checkpoint serves it" }) note: string;
}

export class CheckpointResponse {
  @ApiProperty({ description: 'C2SP tlog-checkpoint body: origin, tree size and base64 root hash, each followed by a newline' }) body: string;
  @ApiProperty({ description: 'Compact JWS (EdDSA, kid of /.well-known/jwks.json) whose payload is exactly the body' }) jws: string;
  @ApiProperty({
    description: "The same body as a C2SP signed note (as served at /log/checkpoint): the body, a blank line, the log key's signature line, then every verified witness cosignature of it",
  })
  note: string;
  @ApiProperty({ type: [CheckpointWitness], description: 'The configured witnesses (PLAZA_LOG_WITNESSES) and what each said of this checkpoint' }) witnesses: CheckpointWitness[];
  @ApiProperty({ description: 'At least `quorum` witnesses cosigned this checkpoint (false when none is configured)' }) witnessed: boolean;
  @ApiProperty({ description: 'How many cosignatures make a checkpoint witnessed (PLAZA_LOG_WITNESS_QUORUM)' }) quorum: number;
  @ApiProperty({
    type: WitnessedCheckpoint,
    nullable: true,
    description:
      'With witnesses configured, the latest checkpoint that met its quorum: the one GET /log/checkpoint and the tiles publish (this one when `witnessed`, an older one until the witnesses cosign the newest). Null before any did, and always with no witness configured (GET /log/checkpoint then serves the latest signed).',
  })
  witnessedCheckpoint: WitnessedCheckpoint | null;
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

export class WithholdingRequest {
  @ApiProperty({ minimum: 0, description: 'Index of the entry whose recorded state is to be withheld' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  index: number;
}

/** A withholding, as journaled (its entry's state) with the index of that entry. */
export class WithholdingResponse {
  @ApiProperty({ description: 'The entry whose state is withheld' }) entry: number;
  @ApiProperty({ type: EntrySubject, description: 'What that entry is about' }) subject: EntrySubject;
  @ApiProperty({ description: 'The entry recording the withholding' }) journalIndex: number;
}

export class DisclosedRecordResponse {
  @ApiProperty() index: number;
  @ApiProperty({ type: EntrySubject }) subject: EntrySubject;
  @ApiProperty({ description: "The entry's salt, base64url: SHA-256(salt || RFC 8785 JSON of `state`) is the entry's `state` digest" }) salt: string;
  @ApiProperty({
    description: "The state the entry digests: for the record's latest entry, recomputed from the record as stored now; for an earlier one, as kept when it was written",
    type: Object,
  })
  state: unknown;
}

export class LogKey {
  @ApiProperty({ description: 'The signed-note verifier key (name+id+key)' }) vkey: string;
  @ApiPropertyOptional({ description: 'The tree size from which this key signs checkpoints (absent for the first key)' }) fromSize?: number;
  @ApiPropertyOptional({
    description: 'The rotation statement naming this key: a signed note (origin, "key rotation", old and new key, size) signed by the key before it and by this key',
  })
  rotation?: string;
}

export class LogKeysResponse {
  @ApiProperty({ description: "The log's origin, which names every key" }) origin: string;
  @ApiProperty({ description: 'The key that signs checkpoints now (as GET /log/key)' }) current: string;
  @ApiProperty({ type: [LogKey], description: 'Every key the log has used, oldest first; a key without a rotation after the first was never vouched for by its predecessor' })
  keys: LogKey[];
}
