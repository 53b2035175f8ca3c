import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import { Standard, StandardVersion } from './standard.entity.js';

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
