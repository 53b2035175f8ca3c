import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import { boxAround, type BoundingBox, EARTH_RADIUS_M } from './geojson.js';
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

/** A source's place in the order sources were registered: the index of its `source.created` journal entry. */
export interface RegisteredSource {
  id: string;
  registeredAt: number;
}

/** A source's life as its journal tells it: when it was first activated, retired, and last changed. */
export interface SourceLife {
  activatedAt: Date | null;
  retiredAt: Date | null;
  modifiedAt: Date;
}

/** A source and how far it is from a point, in metres. */
export interface NearbySource {
  source: Source;
  distanceM: number;
}

/**
 * Great-circle distance (haversine) from the point (:lat, :lon) to the nearest point of a source's bounding box: the
 * point itself for a Point, and 0 for a line or an area whose box holds the point. Degrees clamped to the box.
 */
const LAT = 'CAST(:lat AS double precision)';
const LON = 'CAST(:lon AS double precision)';
const NEAREST_LAT = `GREATEST(s.min_lat, LEAST(s.max_lat, ${LAT}))`;
const NEAREST_LON = `GREATEST(s.min_lon, LEAST(s.max_lon, ${LON}))`;
const DISTANCE_M = `(2 * ${EARTH_RADIUS_M} * asin(least(1, sqrt(
  power(sin(radians(${NEAREST_LAT} - ${LAT}) / 2), 2)
  + cos(radians(${LAT})) * cos(radians(${NEAREST_LAT})) * power(sin(radians(${NEAREST_LON} - ${LON}) / 2), 2)))))`;

const REGISTERED = "subject_type = 'source' AND action = 'source.created'";

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

  /**
   * Sources in the order they were registered, after position `after` and before the journal held `before` entries
   * (optionally one city's): a slice that a source registered later never shifts. Sources are never deleted, so
   * every registration entry still names a source. Reads the sources' own journal entries, as an agreement's journal does.
   */
  async registeredBetween(after: number, before: number, limit: number, ownerId?: string): Promise<RegisteredSource[]> {
    const rows = (await this.db.manager.query(
      `SELECT subject_id, index FROM journal_entries WHERE ${REGISTERED} AND index > $1 AND index < $2 AND ($4::uuid IS NULL OR organisation_id = $4)
        ORDER BY index LIMIT $3`,
      [after, before, limit, ownerId ?? null],
    )) as { subject_id: string; index: string }[];
    return rows.map((row) => ({ id: row.subject_id, registeredAt: Number(row.index) }));
  }

  /** How many sources (optionally one city's) were registered before the journal held `before` entries. */
  async countRegisteredBefore(before: number, ownerId?: string): Promise<number> {
    const [row] = (await this.db.manager.query(
      `SELECT count(*) AS count FROM journal_entries WHERE ${REGISTERED} AND index < $1 AND ($2::uuid IS NULL OR organisation_id = $2)`,
      [before, ownerId ?? null],
    )) as { count: string }[];
    return Number(row!.count);
  }

  /** The lives of these sources, by id, from their journal entries. */
  async lives(ids: string[]): Promise<Map<string, SourceLife>> {
    if (ids.length === 0) return new Map();
    const rows = (await this.db.manager.query(
      `SELECT subject_id,
              min(recorded_at) FILTER (WHERE action = 'source.active') AS activated_at,
              max(recorded_at) FILTER (WHERE action = 'source.retired') AS retired_at,
              max(recorded_at) AS modified_at
         FROM journal_entries WHERE subject_type = 'source' AND subject_id = ANY($1::text[]) GROUP BY subject_id`,
      [ids],
    )) as { subject_id: string; activated_at: Date | string | null; retired_at: Date | string | null; modified_at: Date | string }[];
    const date = (value: Date | string) => new Date(value);
    return new Map(rows.map((row) => [row.subject_id, {
      activatedAt: row.activated_at === null ? null : date(row.activated_at),
      retiredAt: row.retired_at === null ? null : date(row.retired_at),
      modifiedAt: date(row.modified_at),
    }]));
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

  /**
   * How many sources `list` walks through with this filter, in one query. A plain count(*): the query joins nothing,
   * and TypeORM's getCount counts distinct ids, which takes twice as long over 100,000 sources.
   */
  async count(filter: SourceFilter): Promise<number> {
    const row = await this.filtered(filter).select('count(*)', 'count').getRawOne<{ count: string }>();
    return Number(row?.count ?? 0);
  }

  /**
   * The sources within `radiusM` metres of a point (and the filter), nearest first, at most `limit`. The box around the
   * circle narrows the rows on the box columns before the distance is computed for each.
   */
  async nearest(point: { lat: number; lon: number }, radiusM: number, filter: SourceFilter, limit: number): Promise<NearbySource[]> {
    const around = boxAround(point.lon, point.lat, radiusM);
    const qb = this.filtered(filter)
      .andWhere('s.max_lon >= :aMinLon AND s.min_lon <= :aMaxLon AND s.max_lat >= :aMinLat AND s.min_lat <= :aMaxLat', {
        aMinLon: around.minLon, aMaxLon: around.maxLon, aMinLat: around.minLat, aMaxLat: around.maxLat,
      })
      .andWhere(`${DISTANCE_M} <= :radiusM`, { radiusM })
      .addSelect(DISTANCE_M, 'distance_m')
      .setParameters({ lat: point.lat, lon: point.lon })
      .orderBy('distance_m', 'ASC')
      .addOrderBy('s.id', 'ASC')
      .limit(limit);
    const { entities, raw } = await qb.getRawAndEntities<{ s_id: string; distance_m: number | string }>();
    const distances = new Map(raw.map((row) => [row.s_id, Number(row.distance_m)]));
    return entities.map((source) => ({ source, distanceM: distances.get(source.id)! }));
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
