import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { RequestError, RequestErrorCode } from '../errors/request-error.js';

export const MAX_PAGE_SIZE = 100;

/** Query parameters every list shares: page size and the cursor of the previous page. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @ApiPropertyOptional({ description: 'A sortable field; prefix with - for descending order' })
  @IsOptional()
  @IsString()
  @Matches(/^-?[a-zA-Z]{1,40}$/)
  sort?: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/** A sortable field: the SQL expression behind an API name. Only these ever reach SQL. */
export interface SortField {
  expression: string;
  cast: 'text' | 'integer' | 'timestamptz';
}

export const UUID_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A cursor timestamp of the shape above that also names a real instant PostgreSQL accepts (no 2023-02-30, no year 0). */
function isCursorTimestamp(value: string): boolean {
  if (!TIMESTAMP.test(value) || value.startsWith('0000')) return false;
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === value.slice(0, 19);
}

// Timestamps travel in cursors at full (microsecond) precision, or rows with equal milliseconds would be skipped.
function asCursorText(field: SortField): string {
  return field.cast === 'timestamptz'
    ? `to_char((${field.expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : `(${field.expression})::text`;
}

interface Sort {
  name: string;
  field: SortField;
  descending: boolean;
}

interface CursorPayload {
  s: string;
  v: string;
  k: string;
}

/**
 * Keyset paging over (sort expression, key). The cursor carries the last row's values and the sort it
 * belongs to; a cursor that does not decode to exactly that shape, or was made for another sort, is refused.
 */
export class KeysetPager<F extends string> {
  constructor(
    private readonly fields: Record<F, SortField>,
    private readonly defaultSort: string,
    private readonly keyExpression: string,
    private readonly keyPattern: RegExp = UUID_KEY,
  ) {}

  async page<E extends ObjectLiteral>(qb: SelectQueryBuilder<E>, query: PageQuery): Promise<{ rows: E[]; nextCursor: string | null }> {
    const sort = this.parseSort(query.sort ?? this.defaultSort);
    const limit = query.limit ?? 20;
    const direction = sort.descending ? 'DESC' : 'ASC';
    if (query.cursor !== undefined) {
      const cursor = this.decode(query.cursor, sort.name);
      qb.andWhere(`(${sort.field.expression}, ${this.keyExpression}) ${sort.descending ? '<' : '>'} (CAST(:cursorValue AS ${sort.field.cast}), :cursorKey)`, {
        cursorValue: cursor.v,
        cursorKey: cursor.k,
      });
    }
    qb.addSelect(asCursorText(sort.field), 'page_sort_value')
      .addSelect(`(${this.keyExpression})::text`, 'page_key_value')
      .orderBy(sort.field.expression, direction)
      .addOrderBy(this.keyExpression, direction)
      .limit(limit + 1);
    const { entities, raw } = await qb.getRawAndEntities();
    if (entities.length <= limit) return { rows: entities, nextCursor: null };
    const last = raw[limit - 1] as { page_sort_value: string; page_key_value: string };
    return { rows: entities.slice(0, limit), nextCursor: encode({ s: sort.name, v: last.page_sort_value, k: last.page_key_value }) };
  }

  private parseSort(raw: string): Sort {
    const descending = raw.startsWith('-');
    const name = descending ? raw.slice(1) : raw;
    if (!Object.hasOwn(this.fields, name)) {
      throw new RequestError(RequestErrorCode.Invalid, `sort must be one of ${Object.keys(this.fields).join(', ')} (prefix - for descending).`, {
        errors: [{ pointer: '#/sort', detail: `unknown sort field "${name}"` }],
      });
    }
    return { name: raw, field: this.fields[name as F], descending };
  }

  private decode(cursor: string, sortName: string): CursorPayload {
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      payload = undefined;
    }
    const p = payload as Partial<CursorPayload> | undefined;
    const valid =
      p !== null && typeof p === 'object' && Object.keys(p).length === 3 &&
      typeof p.s === 'string' && typeof p.v === 'string' && typeof p.k === 'string' && p.v.length <= 300 && !p.v.includes('\u0000') && this.keyPattern.test(p.k);
    const field = this.fields[sortName.replace(/^-/, '') as F];
    const value = p?.v ?? '';
    if (!valid || (field.cast === 'timestamptz' && !isCursorTimestamp(value)) || (field.cast === 'integer' && !/^\d{1,9}$/.test(value))) {
      throw new RequestError(RequestErrorCode.InvalidCursor, 'The cursor is not one this registry issued.');
    }
    if (p.s !== sortName) throw new RequestError(RequestErrorCode.InvalidCursor, `The cursor belongs to sort "${p.s}", not "${sortName}".`);
    return p as CursorPayload;
  }
}

function encode(payload: CursorPayload): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}
