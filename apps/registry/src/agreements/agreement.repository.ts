import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import { JournalEntry } from '../platform/journal/journal-entry.entity.js';
import { Agreement, AgreementSignature, AgreementVersion, PUBLIC_STATUSES } from './agreement.entity.js';

export interface AgreementFilter {
  /** Agreements where this organisation is the city or a vendor party (of any version). */
  partyId?: string;
  /** Agreements with a version covering this source (with `publiclyReadable`, a public one). */
  sourceId?: string;
  /** Only agreements with a version anyone may read. */
  publiclyReadable?: boolean;
  /** Only agreements with a version this organisation may read: a public one, or any of one it is party to. */
  readableBy?: string;
}

/**
 * A version `v` anyone may read: one that has come into force (agreement-access.ts's isPublic, in SQL). A version
 * abandoned before it came into force is terminated or expired too, and stays its parties' alone.
 */
const PUBLIC_VERSION = `v.status IN (${PUBLIC_STATUSES.map((s) => `'${s}'`).join(', ')}) AND v.history @> '[{"status": "active"}]'::jsonb`;

/** What a new version is given; its id, timestamps and journal index come from the database and the journal. */
export type NewAgreementVersion = Omit<AgreementVersion, 'id' | 'createdAt' | 'updatedAt' | 'journalIndex'>;
/** What a new signature is given. */
export type NewAgreementSignature = Omit<AgreementSignature, 'id' | 'createdAt' | 'updatedAt' | 'journalIndex'>;

/** Every query of the agreements feature. */
@Injectable()
export class AgreementRepository {
  private readonly pager = new KeysetPager({ createdAt: { expression: 'a.created_at', cast: 'timestamptz' } }, '-createdAt', 'a.id');

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  findAgreement(id: string, manager: EntityManager = this.db.manager): Promise<Agreement | null> {
    return manager.findOneBy(Agreement, { id });
  }

  /**
   * The version or signature whose latest change is the journal entry `index`, with the version it belongs to and its
   * agreement, for the journaled kind (a plain object, not an injectable). Null when neither is.
   */
  static async atJournalIndex(
    manager: EntityManager,
    index: number,
  ): Promise<{ agreement: Agreement; version: AgreementVersion; signature: AgreementSignature | null } | null> {
    let version = await manager.findOneBy(AgreementVersion, { journalIndex: index });
    let signature: AgreementSignature | null = null;
    if (!version) {
      signature = await manager.findOneBy(AgreementSignature, { journalIndex: index });
      if (!signature) return null;
      version = await manager.findOneByOrFail(AgreementVersion, { id: signature.versionId });
    }
    const agreement = await manager.findOneByOrFail(Agreement, { id: version.agreementId });
    return { agreement, version, signature };
  }

  /** Stores a new agreement of this city, in the unit of work that journals its first version. */
  insertAgreement(cityId: string, manager: EntityManager): Promise<Agreement> {
    return manager.save(manager.create(Agreement, { cityId }));
  }

  /** Stores a new version (a draft, or an amendment's), in the unit of work that journals it. */
  insertVersion(fields: NewAgreementVersion, manager: EntityManager): Promise<AgreementVersion> {
    return manager.save(manager.create(AgreementVersion, fields));
  }

  /** Stores the changes made to a version (an edit, a status change), in the unit of work that journals them. */
  saveVersion(version: AgreementVersion, manager: EntityManager): Promise<AgreementVersion> {
    return manager.save(version);
  }

  /** Stores a party's signature, in the unit of work that journals it. */
  insertSignature(fields: NewAgreementSignature, manager: EntityManager): Promise<AgreementSignature> {
    return manager.save(manager.create(AgreementSignature, fields));
  }

  /** Records when the last party signed the version, in the unit of work that journals that signature. */
  async completeSignatures(versionId: string, at: Date, manager: EntityManager): Promise<void> {
    await manager.update(AgreementVersion, { id: versionId }, { signaturesCompletedAt: at });
  }

  /** Locks the agreement's row: the changes to one agreement's versions happen one at a time. */
  lockAgreement(id: string, manager: EntityManager): Promise<Agreement | null> {
    return manager.findOne(Agreement, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  versions(agreementId: string, manager: EntityManager = this.db.manager): Promise<AgreementVersion[]> {
    return manager.find(AgreementVersion, { where: { agreementId }, order: { number: 'ASC' } });
  }

  /** Agreements by id, each with its versions in order. */
  async withVersions(ids: string[], manager: EntityManager = this.db.manager): Promise<{ agreement: Agreement; versions: AgreementVersion[] }[]> {
    if (ids.length === 0) return [];
    const agreements = await manager.createQueryBuilder(Agreement, 'a').where('a.id IN (:...ids)', { ids }).getMany();
    if (agreements.length === 0) return [];
    const versions = await manager
      .createQueryBuilder(AgreementVersion, 'v')
      .where('v.agreement_id IN (:...ids)', { ids: agreements.map((a) => a.id) })
      .orderBy('v.number', 'ASC')
      .getMany();
    return agreements.map((agreement) => ({ agreement, versions: versions.filter((v) => v.agreementId === agreement.id) }));
  }

  versionsOf(agreementIds: string[]): Promise<AgreementVersion[]> {
    if (agreementIds.length === 0) return Promise.resolve([]);
    return this.db.manager.createQueryBuilder(AgreementVersion, 'v').where('v.agreement_id IN (:...agreementIds)', { agreementIds }).orderBy('v.number', 'ASC').getMany();
  }

  signatures(versionIds: string[], manager: EntityManager = this.db.manager): Promise<AgreementSignature[]> {
    if (versionIds.length === 0) return Promise.resolve([]);
    return manager.createQueryBuilder(AgreementSignature, 's').where('s.version_id IN (:...versionIds)', { versionIds }).orderBy('s.signed_at', 'ASC').getMany();
  }

  /** The journal entries of these versions (subject `agreement-version`, id `<agreement>/<number>`). */
  journal(subjectIds: string[]): Promise<JournalEntry[]> {
    if (subjectIds.length === 0) return Promise.resolve([]);
    return this.db.manager
      .createQueryBuilder(JournalEntry, 'j')
      .select(['j.index', 'j.action', 'j.subjectId', 'j.recordedAt'])
      .where("j.subject_type = 'agreement-version' AND j.subject_id IN (:...subjectIds)", { subjectIds })
      .orderBy('j.index', 'ASC')
      .getMany();
  }

  /** Versions a time-driven transition may be due for at `now`: fully signed and started, or past their end. */
  async dueVersions(now: Date, manager: EntityManager): Promise<AgreementVersion[]> {
    return manager
      .createQueryBuilder(AgreementVersion, 'v')
      .where(
        "(v.status = 'pending-signatures' AND v.signatures_completed_at IS NOT NULL AND v.valid_from <= :now) OR (v.status IN ('pending-signatures', 'active', 'suspended') AND v.valid_until <= :now)",
        { now },
      )
      .orderBy('v.agreement_id')
      .addOrderBy('v.number')
      .getMany();
  }

  /** The agreements with a version covering this source. */
  async agreementIdsCovering(sourceId: string, manager: EntityManager = this.db.manager): Promise<string[]> {
    const rows = (await manager
      .createQueryBuilder(AgreementVersion, 'v')
      .select('DISTINCT v.agreement_id', 'id')
      .where('v.source_ids @> CAST(:ids AS jsonb)', { ids: JSON.stringify([sourceId]) })
      .getRawMany()) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** The agreements with a public version covering each of these sources, at most `limit` a source, in id order: one query for them all. */
  async publicCovering(sourceIds: string[], limit: number): Promise<{ sourceId: string; id: string }[]> {
    const rows = (await this.db.manager.query(
      `SELECT s.source_id, a.id FROM unnest($1::uuid[]) AS s(source_id)
         CROSS JOIN LATERAL (
           SELECT DISTINCT v.agreement_id AS id FROM agreement_versions v
            WHERE v.source_ids @> jsonb_build_array(s.source_id::text) AND ${PUBLIC_VERSION} ORDER BY v.agreement_id LIMIT $2
         ) a`,
      [sourceIds, limit],
    )) as { source_id: string; id: string }[];
    return rows.map((row) => ({ sourceId: row.source_id, id: row.id }));
  }

  list(filter: AgreementFilter, page: PageQuery) {
    return this.pager.page(this.filtered(filter), page);
  }

  /** How many agreements `list` walks through with this filter, in one query. */
  count(filter: AgreementFilter): Promise<number> {
    return this.filtered(filter).getCount();
  }

  private filtered(filter: AgreementFilter) {
    const qb = this.db.manager.createQueryBuilder(Agreement, 'a');
    const versionConditions: string[] = [];
    const parameters: Record<string, unknown> = {};
    if (filter.publiclyReadable) versionConditions.push(PUBLIC_VERSION);
    if (filter.readableBy) {
      versionConditions.push(`(${PUBLIC_VERSION} OR a.city_id = :readerId OR v.vendor_ids @> CAST(:readerIds AS jsonb))`);
      parameters.readerId = filter.readableBy;
      parameters.readerIds = JSON.stringify([filter.readableBy]);
    }
    if (filter.sourceId) {
      versionConditions.push('v.source_ids @> CAST(:sourceIds AS jsonb)');
      parameters.sourceIds = JSON.stringify([filter.sourceId]);
    }
    if (filter.partyId) {
      qb.andWhere('(a.city_id = :partyId OR EXISTS (SELECT 1 FROM agreement_versions pv WHERE pv.agreement_id = a.id AND pv.vendor_ids @> CAST(:partyIds AS jsonb)))', {
        partyId: filter.partyId,
        partyIds: JSON.stringify([filter.partyId]),
      });
    }
    if (versionConditions.length > 0) {
      qb.andWhere(`EXISTS (SELECT 1 FROM agreement_versions v WHERE v.agreement_id = a.id AND ${versionConditions.join(' AND ')})`, parameters);
    }
    return qb;
  }
}
