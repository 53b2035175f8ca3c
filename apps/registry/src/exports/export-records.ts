import { Inject, Injectable } from '@nestjs/common';
import type { Page } from '../kernel/paging/paging.js';
import { AgreementService } from '../agreements/index.js';
import { OrganisationService } from '../organisations/index.js';
import { PrivacyRecordService } from '../privacy-records/index.js';
import { ProposalService } from '../proposals/index.js';
import { SourceService, type SourceResponse } from '../sources/index.js';
import { StandardService } from '../standards/index.js';

/** How many records one read asks for: the public lists' largest page. */
export const BATCH = 100;

/** One line of the register's export: a public record as the public API serves it, and the journal entry that gave it its state. */
export interface ExportedRecord {
  kind: 'organisation' | 'source' | 'privacy-record' | 'agreement' | 'standard' | 'proposal';
  journalIndex: number | null;
  record: object;
}

/**
 * The latest journal index anywhere in a record as served: a composite record (an agreement and its versions and
 * signatures, a standard and its versions, a proposal and its reviews and votes) is in the state its latest part gave it.
 */
export function latestJournalIndex(value: unknown): number | null {
  if (Array.isArray(value)) return value.reduce<number | null>((max, item) => larger(max, latestJournalIndex(item)), null);
  if (value === null || typeof value !== 'object') return null;
  let max: number | null = null;
  for (const [name, member] of Object.entries(value)) {
    max = larger(max, name === 'journalIndex' && typeof member === 'number' ? member : latestJournalIndex(member));
  }
  return max;
}

const larger = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/**
 * How many records are read whole at once: each read is several queries, and the build must leave most of the pool
 * (on the embedded database, its one connection) to the requests the registry is serving meanwhile.
 */
export const CONCURRENT_READS = 4;

/** `read` of every item, in order, with at most `limit` reads under way at once. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, read: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await read(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Every item of a keyset-paged list, a page at a time: only one page is ever held. */
async function* walk<T>(page: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T[]> {
  let cursor: string | undefined;
  do {
    const { items, nextCursor } = await page(cursor);
    if (items.length > 0) yield items;
    cursor = nextCursor ?? undefined;
  } while (cursor);
}

/**
 * The public register read through the features' own services, exactly as the public API reads it for a caller
 * without a key (so only what is public: no draft, no member, no private part of a privacy record), in keyset-paged
 * batches, so what an export holds in memory does not grow with the register.
 */
@Injectable()
export class ExportRecords {
  constructor(
    @Inject(OrganisationService) private readonly organisations: OrganisationService,
    @Inject(SourceService) private readonly sources: SourceService,
    @Inject(PrivacyRecordService) private readonly privacyRecords: PrivacyRecordService,
    @Inject(AgreementService) private readonly agreements: AgreementService,
    @Inject(StandardService) private readonly standards: StandardService,
    @Inject(ProposalService) private readonly proposals: ProposalService,
  ) {}

  /** The sources, oldest first, a batch at a time (the CSV is made of them too). */
  sourceBatches(): AsyncGenerator<SourceResponse[]> {
    return walk((cursor) => this.sources.list({ sort: 'createdAt', cursor, limit: BATCH }));
  }

  /** Every other public record, a batch at a time: organisations, privacy records, agreements, standards, proposals. */
  async *otherBatches(): AsyncGenerator<ExportedRecord[]> {
    for await (const items of walk((cursor) => this.organisations.list({ sort: 'createdAt', cursor, limit: BATCH }))) yield items.map((r) => exported('organisation', r));
    for await (const items of walk((cursor) => this.privacyRecords.list(undefined, { sort: 'createdAt', cursor, limit: BATCH }))) yield items.map((r) => exported('privacy-record', r));
    // The lists hold summaries: each record is read whole, with only the versions a caller without a key may read.
    for await (const items of walk((cursor) => this.agreements.list({ cursor, limit: BATCH }))) {
      yield (await mapLimited(items, CONCURRENT_READS, (a) => this.agreements.get(a.id))).map((r) => exported('agreement', r));
    }
    for await (const items of walk((cursor) => this.standards.list({ cursor, limit: BATCH }))) {
      yield (await mapLimited(items, CONCURRENT_READS, (s) => this.standards.get(s.id))).map((r) => exported('standard', r));
    }
    for await (const items of walk((cursor) => this.proposals.list({ cursor, limit: BATCH }))) {
      yield (await mapLimited(items, CONCURRENT_READS, (p) => this.proposals.get(p.number))).map((r) => exported('proposal', r));
    }
  }
}

export function exported(kind: ExportedRecord['kind'], record: object): ExportedRecord {
  return { kind, journalIndex: latestJournalIndex(record), record };
}
