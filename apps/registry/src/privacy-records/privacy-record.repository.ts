import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import { PUBLIC_STATUSES } from './privacy-record-status.js';
import { PrivacyRecord, type PrivacyRecordStatus } from './privacy-record.entity.js';

/** The instant a record expires, in SQL: when its review date (UTC) has passed. Mirrors expiryInstant(). */
const EXPIRES_AT = "((r.next_review_date + 1)::timestamp AT TIME ZONE 'UTC')";
/** A record in force at :at: approved at or before it, not yet expired. Mirrors inForceAt(). */
const IN_FORCE_AT = `r.status IN ('approved', 'expired') AND r.decided_at <= :at AND ${EXPIRES_AT} > :at`;

/** What a new record is given; its id, timestamps and journal index come from the database and the journal. */
export type NewPrivacyRecord = Omit<PrivacyRecord, 'id' | 'createdAt' | 'updatedAt' | 'journalIndex'>;

export interface PrivacyRecordFilter {
  organisationId?: string;
  /** The status now, as served: an approved record past its review date counts as expired. */
  status?: PrivacyRecordStatus;
  sourceId?: string;
  /** Whose non-public records the reader may also see (a member of that city), if anyone's. */
  privateTo?: string;
}

/** Every query of the privacy records feature. Sources and agreements are read through their own ports. */
@Injectable()
export class PrivacyRecordRepository {
  private readonly pager = new KeysetPager(
    {
      createdAt: { expression: 'r.created_at', cast: 'timestamptz' },
      updatedAt: { expression: 'r.updated_at', cast: 'timestamptz' },
    },
    '-createdAt',
    'r.id',
  );

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  findById(id: string, manager: EntityManager = this.db.manager): Promise<PrivacyRecord | null> {
    return manager.findOneBy(PrivacyRecord, { id });
  }

  findByIds(ids: string[], manager: EntityManager = this.db.manager): Promise<PrivacyRecord[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return manager.createQueryBuilder(PrivacyRecord, 'r').where('r.id IN (:...ids)', { ids }).getMany();
  }

  /** The record, locked for update, if it belongs to this city. */
  findOwnedForUpdate(organisationId: string, id: string, manager: EntityManager): Promise<PrivacyRecord | null> {
    return manager.findOne(PrivacyRecord, { where: { id, organisationId }, lock: { mode: 'pessimistic_write' } });
  }

  /** The record whose latest change is the journal entry `index`, for its journaled kind (a plain object, not an injectable). */
  static atJournalIndex(manager: EntityManager, index: number): Promise<PrivacyRecord | null> {
    return manager.findOneBy(PrivacyRecord, { journalIndex: index });
  }

  /** Stores a new record, in the unit of work that journals its opening. */
  insert(fields: NewPrivacyRecord, manager: EntityManager): Promise<PrivacyRecord> {
    return manager.save(manager.create(PrivacyRecord, fields));
  }

  /** Stores the changes made to a record (an edit, a step of its life), in the unit of work that journals them. */
  save(record: PrivacyRecord, manager: EntityManager): Promise<PrivacyRecord> {
    return manager.save(record);
  }

  list(filter: PrivacyRecordFilter, page: PageQuery, now: Date) {
    return this.pager.page(this.filtered(filter, now), page);
  }

  /** How many records `list` walks through with this filter, in one query. */
  count(filter: PrivacyRecordFilter, now: Date): Promise<number> {
    return this.filtered(filter, now).getCount();
  }

  private filtered(filter: PrivacyRecordFilter, now: Date) {
    const qb = this.db.manager.createQueryBuilder(PrivacyRecord, 'r');
    if (filter.privateTo) qb.andWhere('(r.status IN (:...publicStatuses) OR r.organisation_id = :privateTo)', { publicStatuses: PUBLIC_STATUSES, privateTo: filter.privateTo });
    else qb.andWhere('r.status IN (:...publicStatuses)', { publicStatuses: PUBLIC_STATUSES });
    if (filter.organisationId) qb.andWhere('r.organisation_id = :organisationId', { organisationId: filter.organisationId });
    if (filter.sourceId) qb.andWhere('r.source_ids @> ARRAY[CAST(:sourceId AS uuid)]', { sourceId: filter.sourceId });
    if (filter.status === 'approved') qb.andWhere(`r.status = 'approved' AND ${EXPIRES_AT} > :now`, { now });
    else if (filter.status === 'expired') qb.andWhere(`(r.status = 'expired' OR (r.status = 'approved' AND ${EXPIRES_AT} <= :now))`, { now });
    else if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    return qb;
  }

  /** The public records covering each of these sources, at most `limit` a source, in id order: one query for them all. */
  async publicCovering(sourceIds: string[], limit: number): Promise<{ sourceId: string; id: string }[]> {
    const rows = (await this.db.manager.query(
      `SELECT s.source_id, r.id FROM unnest($1::uuid[]) AS s(source_id)
         CROSS JOIN LATERAL (SELECT id FROM privacy_records WHERE source_ids @> ARRAY[s.source_id] AND status = ANY($2) ORDER BY id LIMIT $3) r`,
      [sourceIds, PUBLIC_STATUSES, limit],
    )) as { source_id: string; id: string }[];
    return rows.map((row) => ({ sourceId: row.source_id, id: row.id }));
  }

  /** Whether a record in force at `at` covers this source. */
  sourceCovered(sourceId: string, at: Date, manager: EntityManager): Promise<boolean> {
    return manager
      .createQueryBuilder(PrivacyRecord, 'r')
      .where('r.source_ids @> ARRAY[CAST(:sourceId AS uuid)]', { sourceId })
      .andWhere(IN_FORCE_AT, { at })
      .getExists();
  }

  /** How many of these records belong to the city and are in force at `at`. */
  countInForce(ids: string[], organisationId: string, at: Date, manager: EntityManager): Promise<number> {
    return manager
      .createQueryBuilder(PrivacyRecord, 'r')
      .where('r.id IN (:...ids)', { ids })
      .andWhere('r.organisation_id = :organisationId', { organisationId })
      .andWhere(IN_FORCE_AT, { at })
      .getCount();
  }

  /** Approved records whose review date has passed at `now`, locked: what the expiry job records. */
  dueForExpiry(now: Date, manager: EntityManager): Promise<PrivacyRecord[]> {
    return manager
      .createQueryBuilder(PrivacyRecord, 'r')
      .where(`r.status = 'approved' AND ${EXPIRES_AT} <= :now`, { now })
      .orderBy('r.next_review_date')
      .addOrderBy('r.id')
      .setLock('pessimistic_write')
      .getMany();
  }
}

