import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import { Standard, StandardVersion } from './standard.entity.js';

/** What a new standard is given. */
export type NewStandard = Pick<Standard, 'id' | 'title' | 'description' | 'ceType' | 'licence'>;

/** What a new version is given; the database adds its id, timestamps and journal index. */
export type NewStandardVersion = Omit<StandardVersion, 'id' | 'createdAt' | 'updatedAt' | 'journalIndex'>;

/** Every query of the standards feature. */
@Injectable()
export class StandardRepository {
  private readonly pager = new KeysetPager({ id: { expression: 's.id', cast: 'text' } }, 'id', 's.id', /^[a-z0-9-]{1,80}$/);

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  findStandard(id: string, manager: EntityManager = this.db.manager): Promise<Standard | null> {
    return manager.findOneBy(Standard, { id });
  }

  findByType(ceType: string, manager: EntityManager = this.db.manager): Promise<Standard | null> {
    return manager.findOneBy(Standard, { ceType });
  }

  findVersion(standardId: string, version: string, manager: EntityManager = this.db.manager): Promise<StandardVersion | null> {
    return manager.findOneBy(StandardVersion, { standardId, version });
  }

  versionsOf(standardId: string, manager: EntityManager = this.db.manager): Promise<StandardVersion[]> {
    return manager.find(StandardVersion, { where: { standardId }, order: { major: 'ASC', minor: 'ASC', patch: 'ASC' } });
  }

  versionsOfMajor(standardId: string, major: number, manager: EntityManager = this.db.manager): Promise<StandardVersion[]> {
    return manager.find(StandardVersion, { where: { standardId, major }, order: { minor: 'ASC', patch: 'ASC' } });
  }

  /** The standard whose latest change is the journal entry `index`, for its journaled kind (a plain object, not an injectable). */
  static standardAtJournalIndex(manager: EntityManager, index: number): Promise<Standard | null> {
    return manager.findOneBy(Standard, { journalIndex: index });
  }

  /** The version whose latest change is the journal entry `index`, for its journaled kind. */
  static versionAtJournalIndex(manager: EntityManager, index: number): Promise<StandardVersion | null> {
    return manager.findOneBy(StandardVersion, { journalIndex: index });
  }

  /** Stores a new standard, in the unit of work that journals its creation. */
  insertStandard(fields: NewStandard, manager: EntityManager): Promise<Standard> {
    return manager.save(manager.create(Standard, fields));
  }

  /** Stores a change to a standard or a version, in the unit of work that journals it. */
  save<T extends Standard | StandardVersion>(record: T, manager: EntityManager): Promise<T> {
    return manager.save(record);
  }

  /** Stores a new version, in the unit of work that journals its publication. */
  addVersion(fields: NewStandardVersion, manager: EntityManager): Promise<StandardVersion> {
    return manager.save(manager.create(StandardVersion, fields));
  }

  /** Holds, until the transaction ends, the lock that lets one transaction at a time publish versions of this standard. */
  async lockPublications(standardId: string, manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`plaza.standard:${standardId}`]);
  }

  list(text: string | undefined, page: PageQuery) {
    return this.pager.page(this.filtered(text), page);
  }

  /** How many standards `list` walks through with this search, in one query. */
  count(text: string | undefined): Promise<number> {
    return this.filtered(text).getCount();
  }

  private filtered(text: string | undefined) {
    const qb = this.db.manager.createQueryBuilder(Standard, 's');
    if (text) {
      const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.where(
        "(lower(s.id) LIKE :p ESCAPE '\\' OR lower(s.title ->> 'en') LIKE :p ESCAPE '\\' OR lower(s.title ->> 'fr') LIKE :p ESCAPE '\\' OR lower(s.description ->> 'en') LIKE :p ESCAPE '\\' OR lower(s.description ->> 'fr') LIKE :p ESCAPE '\\')",
        { p: pattern },
      );
    }
    return qb;
  }
}
