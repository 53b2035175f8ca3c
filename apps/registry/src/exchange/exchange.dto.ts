import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { OptionalField } from '../kernel/http/validation.js';
import { CHECKS, type Check, type PointerError } from './exchange-error.js';
import type { ConformanceRow, StoredEvent, StoredRejection } from './feed/feed.repository.js';

export class PointerErrorResponse {
  @ApiProperty({ description: 'A JSON pointer into the event: `/time`, `/data/pollutants/pm2_5`' }) pointer: string;
  @ApiProperty() detail: string;
}

/** The answer for one accepted, duplicate or (dry run) valid event. */
export class EventAcceptedResponse {
  @ApiProperty({ enum: ['accepted', 'duplicate', 'valid'], description: '`duplicate`: the same content was accepted before (same sequence and receivedAt as then); `valid`: dry run' })
  status: 'accepted' | 'duplicate' | 'valid';

  @ApiProperty() source: string;
  @ApiProperty() id: string;
  @ApiPropertyOptional({ description: 'Decimal string; absent in a dry run' }) sequence?: string;
  @ApiPropertyOptional({ description: 'RFC 3339; absent in a dry run' }) receivedAt?: string;
}

export class BatchResultResponse {
  @ApiProperty({ description: 'Position of the event in the batch' }) index: number;
  @ApiProperty({ enum: ['accepted', 'duplicate', 'valid', 'rejected'] }) status: string;
  @ApiPropertyOptional() source?: string;
  @ApiPropertyOptional() id?: string;
  @ApiPropertyOptional() sequence?: string;
  @ApiPropertyOptional() receivedAt?: string;
  @ApiPropertyOptional({ description: 'Rejected: the stable code (see the README "Exchange API")' }) code?: string;
  @ApiPropertyOptional({ enum: CHECKS, description: 'Rejected: which of the seven checks refused it' }) check?: Check;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional({ type: [PointerErrorResponse] }) errors?: PointerError[];
}

export class BatchResponse {
  @ApiProperty({ description: 'Events accepted now (valid ones, in a dry run)' }) accepted: number;
  @ApiProperty() duplicates: number;
  @ApiProperty() rejected: number;
  @ApiProperty({ type: [BatchResultResponse], description: 'One per event, in batch order' }) results: BatchResultResponse[];
}

export class EventFeedQuery {
  @ApiProperty({ description: 'The CloudEvents `source` of a registered source' })
  @IsString() @MinLength(1) @MaxLength(512)
  source: string;

  @ApiPropertyOptional({ description: 'Only events of this CloudEvents `type`' })
  @OptionalField() @IsString() @MinLength(1) @MaxLength(256)
  type?: string;

  @ApiPropertyOptional({ description: 'nextCursor (or pollCursor) of an earlier answer' })
  @OptionalField() @IsString() @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @OptionalField() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;
}

/** An accepted event, exactly as received: enough to verify the producer's signature without trusting Plaza. */
export class ServedEvent {
  @ApiProperty({ description: 'Decimal string' }) sequence: string;
  @ApiProperty() source: string;
  @ApiProperty() id: string;
  @ApiProperty() type: string;
  @ApiProperty({ description: '`time` exactly as the event carries it' }) time: string;
  @ApiProperty() receivedAt: string;
  @ApiProperty({ enum: ['binary', 'structured', 'batch'] }) mode: 'binary' | 'structured' | 'batch';
  @ApiProperty({ description: 'The signature scheme version (libs/dsse SCHEME_VERSION)' }) scheme: string;
  @ApiProperty({ description: 'The keyid whose signature verified at receipt' }) keyid: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Structured and batch mode: the event object, parsed from `eventBase64` for reading. Verify `eventBase64`, not this: re-serialised JSON is not the signed bytes' })
  cloudEvent?: Record<string, unknown>;
  @ApiPropertyOptional({ format: 'byte', description: 'Structured and batch mode: the exact bytes of the event object as received, base64 (what the signature covers)' })
  eventBase64?: string;
  @ApiPropertyOptional({ deprecated: true, description: 'Deprecated (use `eventBase64`, or `cloudEvent` to read): structured and batch mode, the exact text of the event object as received, as a JSON string' })
  event?: string;
  @ApiPropertyOptional({ description: 'Binary mode: the ce-* and Content-Type headers as received, as [name, value] pairs', type: 'array', items: { type: 'array', items: { type: 'string' } } })
  headers?: [string, string][];
  @ApiPropertyOptional({ description: 'Binary mode: the body as received, base64' }) bodyBase64?: string;
}

export class EventFeedResponse {
  @ApiProperty({ type: [ServedEvent] }) items: ServedEvent[];
  @ApiProperty({ nullable: true, type: String, description: 'More events are available now: pass it as cursor; null when this page reached the end' })
  nextCursor: string | null;
  @ApiProperty({ description: 'The position after these events: poll with it later for events accepted since' })
  pollCursor: string;

  /** Each event exactly as received: the event object's bytes (and, to read, the object they hold), or a binary message's headers and body. */
  static from(page: { events: StoredEvent[]; nextCursor: string | null; pollCursor: string }): EventFeedResponse {
    return {
      items: page.events.map((row): ServedEvent => ({
        sequence: row.sequence, source: row.source, id: row.id, type: row.type, time: row.timeText, receivedAt: row.receivedAt.toISOString(),
        mode: row.mode, scheme: row.scheme, keyid: row.keyid,
        ...(row.mode === 'binary' ? { headers: row.headers ?? [], bodyBase64: row.received.toString('base64') } : structured(row.received)),
      })),
      nextCursor: page.nextCursor,
      pollCursor: page.pollCursor,
    };
  }
}

/** A structured or batch event: its bytes, the object they hold (strict JSON at receipt, so it parses), and the old text form. */
function structured(received: Buffer): Pick<ServedEvent, 'cloudEvent' | 'eventBase64' | 'event'> {
  const text = received.toString('utf8');
  return { cloudEvent: JSON.parse(text) as Record<string, unknown>, eventBase64: received.toString('base64'), event: text };
}

export class RejectionsQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @OptionalField() @IsString() @MaxLength(100)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @OptionalField() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;
}

export class RejectionResponse {
  @ApiProperty() rejectionId: string;
  @ApiProperty() receivedAt: string;
  @ApiProperty({ enum: ['binary', 'structured', 'batch'] }) mode: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Position in the batch' }) index: number | null;
  @ApiProperty({ nullable: true, type: String }) source: string | null;
  @ApiProperty({ nullable: true, type: String }) id: string | null;
  @ApiProperty({ nullable: true, type: String }) type: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The key whose signature verified, if one did' }) keyid: string | null;
  @ApiProperty() signatureVerified: boolean;
  @ApiProperty() code: string;
  @ApiProperty({ enum: CHECKS }) check: string;
  @ApiProperty() detail: string;
  @ApiProperty({ nullable: true, type: [PointerErrorResponse] }) errors: PointerError[] | null;
}

export class RejectionPage {
  @ApiProperty({ type: [RejectionResponse] }) items: RejectionResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;

  static from(page: { items: StoredRejection[]; nextCursor: string | null }): RejectionPage {
    return { items: page.items.map((r) => ({ ...r, receivedAt: r.receivedAt.toISOString() })), nextCursor: page.nextCursor };
  }
}

export class ConformanceResponse {
  @ApiProperty({ description: 'The source id' }) source: string;
  @ApiProperty() ceSource: string;
  @ApiProperty({ description: 'Events accepted (idempotent duplicates not counted again)' }) accepted: number;
  @ApiProperty({ description: 'Events rejected after their signature verified' }) rejected: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Rejected events by code' }) rejectedByCode: Record<string, number>;
  @ApiProperty({ nullable: true, type: String, description: 'When the registry last accepted an event of this source' }) lastAcceptedAt: string | null;

  /** The record from the source's counters: `accepted`, and one row per refusal code. */
  static from(source: { id: string; ceSource: string }, rows: ConformanceRow[]): ConformanceResponse {
    const accepted = rows.find((r) => r.code === 'accepted');
    const refused = rows.filter((r) => r.code !== 'accepted');
    return {
      source: source.id,
      ceSource: source.ceSource,
      accepted: accepted?.count ?? 0,
      rejected: refused.reduce((sum, r) => sum + r.count, 0),
      rejectedByCode: Object.fromEntries(refused.map((r) => [r.code, r.count])),
      lastAcceptedAt: accepted ? accepted.lastReceivedAt.toISOString() : null,
    };
  }
}
