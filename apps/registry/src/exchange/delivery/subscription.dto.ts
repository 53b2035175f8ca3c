import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { OptionalField } from '../../kernel/http/validation.js';
import type { Page } from '../../kernel/paging/paging.js';
import { encodePosition } from '../feed/cursors.js';
import type { Subscription, SubscriptionState } from './subscription.entity.js';
import type { DeliveryProgress } from './subscription.repository.js';

/** The sink's credential: a token sent as `Authorization: Bearer`, write-only (stored encrypted, never served back). */
export class SinkCredentialDto {
  @ApiProperty({ enum: ['ACCESSTOKEN'] }) @IsIn(['ACCESSTOKEN'])
  credentialtype: 'ACCESSTOKEN';

  @ApiProperty({ description: 'Sent as `Authorization: Bearer <accesstoken>` with every delivery; never returned. An RFC 6750 token: letters, digits and -._~+/, then any =' })
  @IsString() @MinLength(1) @MaxLength(4096) @Matches(/^[A-Za-z0-9\-._~+/]+=*$/, { message: 'accesstoken must be an RFC 6750 bearer token (letters, digits, -._~+/ and trailing =)' })
  accesstoken: string;
}

/** Plaza's own delivery settings (the draft's `config`, manager-specific). */
export class SubscriptionConfigDto {
  @ApiPropertyOptional({ default: false, description: 'Structured events may go out together as one `application/cloudevents-batch+json` request' })
  @OptionalField() @IsBoolean()
  batching?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100, description: 'The most events the sink takes in one batch' })
  @OptionalField() @IsInt() @Min(1) @Max(1000)
  maxbatchsize?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 600000, default: 600, description: 'Requests a minute asked of the sink in the handshake (`WebHook-Request-Rate`)' })
  @OptionalField() @IsInt() @Min(1) @Max(600_000)
  requestrate?: number;
}

/** A new subscription, in the CloudEvents Subscriptions draft's terms. */
export class CreateSubscriptionDto {
  @ApiProperty({ enum: ['HTTP'] }) @IsIn(['HTTP'])
  protocol: 'HTTP';

  @ApiProperty({ description: 'The webhook: https (plain http only for hosts the operator allow-lists)' })
  @IsString() @MinLength(1) @MaxLength(2048)
  sink: string;

  @ApiPropertyOptional({ description: 'The CloudEvents `source` of one source; absent: every source you may read, now and later' })
  @OptionalField() @IsString() @MinLength(1) @MaxLength(512)
  source?: string;

  @ApiPropertyOptional({ description: 'Only events of these CloudEvents types; absent: every type you may read', type: [String] })
  @OptionalField() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @MinLength(1, { each: true }) @MaxLength(256, { each: true })
  types?: string[];

  @ApiPropertyOptional({ description: 'Subscriptions filters (exact, prefix, suffix over id, source, type, time; all, any, not); all must pass', type: 'array', items: { type: 'object' } })
  @OptionalField() @IsArray()
  filters?: unknown[];

  @ApiPropertyOptional({ type: SinkCredentialDto })
  @OptionalField() @ValidateNested() @Type(() => SinkCredentialDto)
  sinkcredential?: SinkCredentialDto;

  @ApiPropertyOptional({ type: SubscriptionConfigDto })
  @OptionalField() @ValidateNested() @Type(() => SubscriptionConfigDto)
  config?: SubscriptionConfigDto;
}

/** Where to rewind to: exactly one of a feed cursor and a point in time. */
export class RewindSubscriptionDto {
  @ApiPropertyOptional({ description: "A cursor of the event feed (nextCursor, pollCursor) or a subscription's `delivery.cursor`: deliver what follows it" })
  @OptionalField() @IsString() @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ description: 'RFC 3339: deliver again from the first event received at or after this instant' })
  @OptionalField() @IsISO8601({ strict: true })
  time?: string;
}

export class SubscriptionConfigResponse {
  @ApiProperty() batching: boolean;
  @ApiProperty() maxbatchsize: number;
  @ApiProperty() requestrate: number;
  @ApiProperty({ nullable: true, description: 'What the sink allowed in the handshake (requests a minute); null: unlimited or not yet asked' }) allowedrate: number | null;
}

export class DeliveryResponse {
  @ApiProperty({ description: 'The feed position delivered up to: a cursor a rewind accepts' }) cursor: string;
  @ApiProperty({ description: 'Events delivered (2xx) since the subscription was made' }) delivered: number;
  @ApiProperty({ nullable: true, description: 'The sequence of the last event delivered' }) lastDeliveredSequence: string | null;
  @ApiProperty({ nullable: true }) lastDeliveredAt: string | null;
  @ApiProperty({ description: 'Events waiting for this subscription, counted up to 10,000 (before the agreement and filters are applied)' }) lag: number;
  @ApiProperty({ description: 'Failed attempts since the last success' }) attempts: number;
  @ApiProperty({ nullable: true, description: "Why the last attempt failed (never the credential)" }) lastError: string | null;
  @ApiProperty({ nullable: true }) nextAttemptAt: string | null;
}

/** A subscription as its organisation reads it; the sink credential is never part of it. */
export class SubscriptionResponse {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['HTTP'] }) protocol: 'HTTP';
  @ApiProperty() sink: string;
  @ApiProperty({ nullable: true, description: 'null: every source the organisation may read' }) source: string | null;
  @ApiProperty({ nullable: true, type: [String] }) types: string[] | null;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) filters: unknown[];
  @ApiProperty({ type: SubscriptionConfigResponse }) config: SubscriptionConfigResponse;
  @ApiProperty({ description: 'A sink credential is stored (it is never served)' }) sinkcredential: boolean;
  @ApiProperty({ enum: ['validating', 'active', 'paused', 'failing', 'ended'] }) state: SubscriptionState;
  @ApiProperty({ nullable: true }) stateReason: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ nullable: true }) journalIndex: number | null;
  @ApiPropertyOptional({ type: DeliveryResponse, description: 'Where delivery stands (not part of the journaled record)' }) delivery?: DeliveryResponse;

  /** The record as journaled: what the organisation asked for and the state it is in. */
  static from(s: Subscription, ceSource: string | null, hasCredential: boolean): SubscriptionResponse {
    return {
      id: s.id, protocol: s.protocol, sink: s.sink, source: ceSource, types: s.types, filters: s.filters,
      config: { batching: s.batching, maxbatchsize: s.maxBatchSize, requestrate: s.requestedRate, allowedrate: s.allowedRate },
      sinkcredential: hasCredential, state: s.state, stateReason: s.stateReason, createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString(),
      journalIndex: s.journalIndex,
    };
  }

  static withDelivery(record: SubscriptionResponse, progress: DeliveryProgress, lag: number): SubscriptionResponse {
    return {
      ...record,
      delivery: {
        cursor: encodePosition(progress.position), delivered: progress.deliveredCount, lastDeliveredSequence: progress.lastDeliveredSequence,
        lastDeliveredAt: progress.lastDeliveredAt?.toISOString() ?? null, lag, attempts: progress.attempts, lastError: progress.lastError,
        nextAttemptAt: progress.nextAttemptAt?.toISOString() ?? null,
      },
    };
  }
}

export class SubscriptionPage implements Page<SubscriptionResponse> {
  @ApiProperty({ type: [SubscriptionResponse] }) items: SubscriptionResponse[];
  @ApiProperty({ nullable: true }) nextCursor: string | null;
}

export class DeliveryJwkResponse {
  @ApiProperty({ enum: ['OKP'] }) kty: 'OKP';
  @ApiProperty({ enum: ['Ed25519'] }) crv: 'Ed25519';
  @ApiProperty({ description: 'The public key, base64url' }) x: string;
  @ApiProperty({ description: "RFC 7638 thumbprint: the signature's keyid" }) kid: string;
  @ApiProperty({ enum: ['EdDSA'] }) alg: 'EdDSA';
  @ApiProperty({ enum: ['sig'] }) use: 'sig';
}

export class DeliveryJwksResponse {
  @ApiProperty({ type: [DeliveryJwkResponse] }) keys: DeliveryJwkResponse[];
}
