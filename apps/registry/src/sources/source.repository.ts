import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import type { BoundingBox } from './geojson.js';
import { Source, type SourceKind, type SourceStatus } from './source.entity.js';

/** What a new source is given; its id, timestamps and journal index come from the database and the journal. */
export type NewSource = Omit<Source, 'id' | 'createdAt' | 'updatedAt' | 'journalIndex'>;

export interface SourceFilter {
  ownerId?: string;
  kind?: SourceKind;
  status?: SourceStatus;
  standard?: { standard: string; major?: number };
  personalInformation?: boolean;
  text?: string;
  box?: BoundingBox;
}

/** Every query of the sources feature. Filters are bound parameters; sort fields come from an allow-list. */
@Injectable()
export class SourceRepository {
  private readonly pager = new KeysetPager(
    {
      name: { expression: "s.name ->> 'en'", cast: 'text' },
      createdAt: { expression: 's.created_at', cast: 'timestamptz' },
      updatedAt: { expression: 's.updated_at', cast: 'timestamptz' },
    },
    'createdAt',
    's.id',
  );

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  findById(id: string, manager: EntityManager = this.db.manager): Promise<Source | null> {
    return manager.findOneBy(Source, { id });
  }

  findByIds(ids: string[], manager: EntityManager = this.db.manager): Promise<Source[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return manager.createQueryBuilder(Source, 's').where('s.id IN (:...ids)', { ids }).getMany();
  }

  /** The sources with these ids that belong to this city. */
  findOwned(ownerId: string, ids: string[], manager: EntityManager = this.db.manager): Promise<Source[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return manager.createQueryBuilder(Source, 's').where('s.id IN (:...ids)', { ids }).andWhere('s.owner_id = :ownerId', { ownerId }).getMany();
  }

  /** Sources by id, locked for update in id order. */
  findForUpdate(ids: string[], manager: EntityManager): Promise<Source[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return manager.createQueryBuilder(Source, 's').where('s.id IN (:...ids)', { ids }).orderBy('s.id').setLock('pessimistic_write').getMany();
  }

  /** The source whose latest change is the journal entry `index`, for its journaled kind (a plain object, not an injectable). */
  static atJournalIndex(manager: EntityManager, index: number): Promise<Source | null> {
    return manager.findOneBy(Source, { journalIndex: index });
  }

  /** Stores a new source, in the unit of work that journals its registration. */
  insert(fields: NewSource, manager: EntityManager): Promise<Source> {
    return manager.save(manager.create(Source, fields));
  }

  /** Stores the changes made to a source, in the unit of work that journals them. */
  save(source: Source, manager: EntityManager): Promise<Source> {
    return manager.save(source);
  }

  /** The source, locked for update, if it belongs to this city. */
  findOwnedForUpdate(ownerId: string, id: string, manager: EntityManager): Promise<Source | null> {
    return manager.findOne(Source, { where: { id, ownerId }, lock: { mode: 'pessimistic_write' } });
  }

  ceSourceTaken(ceSource: string, manager: EntityManager): Promise<boolean> {
    return manager.existsBy(Source, { ceSource });
  }

  list(filter: SourceFilter, page: PageQuery) {
    return this.pager.page(this.filtered(filter), page);
  }

  /** How many sources `list` walks through with this filter, in one query. */
  count(filter: SourceFilter): Promise<number> {
    return this.filtered(filter).getCount();
  }

  private filtered(filter: SourceFilter) {
    const qb = this.db.manager.createQueryBuilder(Source, 's');
    if (filter.ownerId) qb.andWhere('s.owner_id = :ownerId', { ownerId: filter.ownerId });
    if (filter.kind) qb.andWhere('s.kind = :kind', { kind: filter.kind });
    if (filter.status) qb.andWhere('s.status = :status', { status: filter.status });
    if (filter.personalInformation !== undefined) qb.andWhere('s.personal_information = :pi', { pi: filter.personalInformation });
    if (filter.standard) qb.andWhere('s.standards @> CAST(:standards AS jsonb)', { standards: JSON.stringify([filter.standard]) });
    if (filter.text) {
      const pattern = `%${filter.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere("s.search_text LIKE :pattern ESCAPE '\\'", { pattern });
    }
    if (filter.box) {
      qb.andWhere('s.max_lon >= :minLon AND s.min_lon <= :maxLon AND s.max_lat >= :minLat AND s.min_lat <= :maxLat', filter.box);
    }
    return qb;
  }
}
