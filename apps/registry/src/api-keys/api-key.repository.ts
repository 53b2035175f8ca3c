import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import { ApiKey } from './api-key.entity.js';
import type { OrganisationKind, Role } from '../kernel/auth/vocabulary.js';

export interface KeyHolder {
  id: string;
  prefix: string;
  hash: Buffer;
  expires_at: Date | null;
  revoked_at: Date | null;
  member_id: string;
  member_active: boolean;
  /** The key was issued before the member's latest deactivation. */
  outlived_member: boolean;
  issued_by_member_id: string | null;
  issued_by_organisation_id: string | null;
  issued_by_operator: boolean;
  roles: Role[];
  organisation_id: string;
  slug: string;
  kind: OrganisationKind;
}

/** What a new key is given: where it belongs, its secret's prefix and hash, who issued it, and its member's deactivation count now. */
export type NewApiKey = Pick<
  ApiKey,
  'organisationId' | 'memberId' | 'prefix' | 'hash' | 'label' | 'expiresAt' | 'issuedByMemberId' | 'issuedByOrganisationId' | 'memberDeactivations'
>;

/** Every query of the API keys feature. */
@Injectable()
export class ApiKeyRepository {
  private readonly pager = new KeysetPager({ createdAt: { expression: 'k.created_at', cast: 'timestamptz' } }, '-createdAt', 'k.id');

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** The key with this prefix and everything authentication needs about its member and organisation. */
  async findHolder(prefix: string): Promise<KeyHolder | null> {
    const rows = (await this.db.query(
      `SELECT k.id, k.prefix, k.hash, k.expires_at, k.revoked_at, m.id AS member_id, m.active AS member_active, m.roles,
              k.member_deactivations <> m.deactivations AS outlived_member,
              k.issued_by_member_id, k.issued_by_organisation_id, coalesce(issuer.kind = 'operator', false) AS issued_by_operator,
              o.id AS organisation_id, o.slug, o.kind
         FROM api_keys k JOIN members m ON m.id = k.member_id JOIN organisations o ON o.id = k.organisation_id
              LEFT JOIN organisations issuer ON issuer.id = k.issued_by_organisation_id
        WHERE k.prefix = $1`,
      [prefix],
    )) as KeyHolder[];
    return rows[0] ?? null;
  }

  findOwnedForUpdate(organisationId: string, id: string, manager: EntityManager): Promise<ApiKey | null> {
    return manager.findOne(ApiKey, { where: { id, organisationId }, lock: { mode: 'pessimistic_write' } });
  }

  /** The key whose latest change is the journal entry `index`, for its journaled kind (a plain object, not an injectable). */
  static atJournalIndex(manager: EntityManager, index: number): Promise<ApiKey | null> {
    return manager.findOneBy(ApiKey, { journalIndex: index });
  }

  /** Stores a new, unrevoked key, in the unit of work that journals its issue. */
  insert(fields: NewApiKey, manager: EntityManager): Promise<ApiKey> {
    return manager.save(manager.create(ApiKey, { ...fields, revokedAt: null }));
  }

  /** Stores the key as revoked at `at`, in the unit of work that journals the revocation. */
  revoke(key: ApiKey, at: Date, manager: EntityManager): Promise<ApiKey> {
    key.revokedAt = at;
    return manager.save(key);
  }

  hasActiveKey(memberId: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    return manager
      .createQueryBuilder(ApiKey, 'k')
      // The members table, by name: whether the key outlived a deactivation of its member is part of the key's validity.
      .innerJoin('members', 'm', 'm.id = k.member_id')
      .where('k.member_id = :memberId AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND k.member_deactivations = m.deactivations', { memberId })
      .getExists();
  }

  existsWithHash(hash: Buffer, manager: EntityManager = this.db.manager): Promise<boolean> {
    return manager.createQueryBuilder(ApiKey, 'k').where('k.hash = :hash', { hash }).getExists();
  }

  list(organisationId: string, page: PageQuery) {
    return this.pager.page(this.db.manager.createQueryBuilder(ApiKey, 'k').where('k.organisation_id = :organisationId', { organisationId }), page);
  }
}
