import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuthError, AuthErrorCode } from '../kernel/errors/auth-error.js';
import { SYSTEM_ACTOR } from '../kernel/auth/actor.js';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import type { Page, PageQuery } from '../kernel/paging/paging.js';
import { type Transaction, UnitOfWork } from '../platform/journal/unit-of-work.js';
import type { RegistryCache } from '../platform/registry-changes/registry-cache.js';
import { RegistryChanges } from '../platform/registry-changes/registry-changes.js';
import type { ApiKey } from './api-key.entity.js';
import { recordApiKey } from './api-key-record.js';
import { ApiKeyError, ApiKeyErrorCode } from './api-key-error.js';
import { apiKeyMatches, apiKeyPrefix, generateApiKey } from './api-key-secret.js';
import { ApiKeyRepository, type KeyHolder } from './api-key.repository.js';
import { ApiKeyResponse, type CreateApiKeyDto, type IssuedApiKeyResponse } from './api-key.dto.js';
import { MemberError, MemberErrorCode, MEMBER_DIRECTORY, type MemberDirectory } from '../members/index.js';
import { OrganisationScope } from '../organisations/index.js';

/** Key holders cached at most: far more keys than one process sees used within the cache's max age. */
const CACHED_HOLDERS = 10_000;

@Injectable()
export class ApiKeyService {
  /**
   * Holders by prefix, so an authenticated request costs no query. Everything the holder row says (revocation, roles,
   * the member's activity, the organisation) changes only through the unit of work, which empties the cache.
   */
  private readonly holders: RegistryCache<string, KeyHolder>;

  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(ApiKeyRepository) private readonly keys: ApiKeyRepository,
    @Inject(MEMBER_DIRECTORY) private readonly members: MemberDirectory,
    @Inject(OrganisationScope) private readonly scope: OrganisationScope,
    @Inject(RegistryChanges) changes: RegistryChanges,
  ) {
    this.holders = changes.cache(CACHED_HOLDERS);
  }

  /** Turns an Authorization header into the member it speaks for, judging expiry by the registry clock on every request. */
  async authenticate(header: string): Promise<Principal> {
    const [scheme, key, ...rest] = header.trim().split(/\s+/);
    const prefix = scheme?.toLowerCase() === 'bearer' && key && rest.length === 0 ? apiKeyPrefix(key) : null;
    const holder = prefix ? await this.holders.get(prefix, () => this.keys.findHolder(prefix)) : null;
    const valid =
      holder !== null && apiKeyMatches(key!, holder.hash) && holder.revoked_at === null &&
      (holder.expires_at === null || holder.expires_at.getTime() > Date.now()) && holder.member_active && !holder.outlived_member;
    if (!valid) throw new AuthError(AuthErrorCode.InvalidKey, 'The API key is unknown, revoked, expired, or its member is inactive.');
    return {
      keyId: holder.id,
      keyPrefix: holder.prefix,
      keyIssuedBy: holder.issued_by_member_id && holder.issued_by_organisation_id ? { organisationId: holder.issued_by_organisation_id, memberId: holder.issued_by_member_id } : null,
      viaOperator: holder.kind === 'operator' || holder.issued_by_operator,
      memberId: holder.member_id,
      roles: holder.roles,
      organisationId: holder.organisation_id,
      organisationSlug: holder.slug,
      organisationKind: holder.kind,
    };
  }

  async issue(principal: Principal, slug: string, dto: CreateApiKeyDto): Promise<IssuedApiKeyResponse> {
    const organisation = await this.scope.resolve(principal, slug);
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw new ApiKeyError(ApiKeyErrorCode.ExpiryNotInFuture, 'expiresAt must be in the future.');
    const { key, prefix, hash } = generateApiKey();
    const issuedBy = { organisationId: principal.organisationId, memberId: principal.memberId };
    const created = await this.uow.run(actorOf(principal), (tx) =>
      this.insert(tx, issuedBy, { organisationId: organisation.id, memberId: dto.memberId, prefix, hash, label: dto.label, expiresAt }),
    );
    return { ...ApiKeyResponse.from(created), key };
  }

  async revoke(principal: Principal, slug: string, keyId: string): Promise<ApiKeyResponse> {
    const organisation = await this.scope.resolve(principal, slug);
    const revoked = await this.uow.run(actorOf(principal), async (tx) => {
      const key = await this.keys.findOwnedForUpdate(organisation.id, keyId, tx.manager);
      if (!key) throw new ApiKeyError(ApiKeyErrorCode.NotFound, `There is no API key ${keyId} in this organisation.`);
      if (key.revokedAt) throw new ApiKeyError(ApiKeyErrorCode.AlreadyRevoked, `The key ${key.prefix} was revoked at ${key.revokedAt.toISOString()}.`);
      await this.keys.revoke(key, new Date(), tx.manager);
      recordApiKey(tx, 'api-key.revoked', key);
      return key;
    });
    return ApiKeyResponse.from(revoked);
  }

  async list(principal: Principal, slug: string, page: PageQuery): Promise<Page<ApiKeyResponse>> {
    const organisation = await this.scope.resolve(principal, slug);
    const { rows, nextCursor } = await this.keys.list(organisation.id, page);
    return { items: rows.map(ApiKeyResponse.from), nextCursor };
  }

  /**
   * At start, for the operator's own member: stores the key `wanted` (issued by the registry itself) unless that is done
   * already: the key itself is stored (`until: 'stored'`: a key the operator supplied), or the member holds a working key
   * (`until: 'member-holds-a-key'`: a key the registry makes). Several instances may start at once on one server
   * database: only one stores it. True when this call stored it.
   */
  async issueAtStart(wanted: Pick<ApiKey, 'organisationId' | 'memberId' | 'prefix' | 'hash' | 'label'>, until: 'stored' | 'member-holds-a-key'): Promise<boolean> {
    const done = (manager?: EntityManager) => (until === 'stored' ? this.keys.existsWithHash(wanted.hash, manager) : this.keys.hasActiveKey(wanted.memberId, manager));
    if (await done()) return false;
    return this.uow.runOnce(SYSTEM_ACTOR, 'plaza.operator-key', async (tx) => {
      if (await done(tx.manager)) return;
      await this.insert(tx, null, { ...wanted, expiresAt: null });
    });
  }

  /**
   * Inside a unit of work: stores a key (its hash) for an active member and records the change. `issuedBy` is the member
   * issuing it (null: the registry, for the operator's own key).
   */
  private async insert(
    tx: Transaction,
    issuedBy: Principal['keyIssuedBy'],
    fields: Pick<ApiKey, 'organisationId' | 'memberId' | 'prefix' | 'hash' | 'label' | 'expiresAt'>,
  ): Promise<ApiKey> {
    const member = await this.members.findInOrganisation(fields.organisationId, fields.memberId, tx.manager);
    if (!member) throw new MemberError(MemberErrorCode.NotFound, `There is no member ${fields.memberId} in this organisation.`);
    if (!member.active) throw new ApiKeyError(ApiKeyErrorCode.MemberInactive, 'An inactive member cannot be given a key.');
    const key = await this.keys.insert(
      { ...fields, issuedByMemberId: issuedBy?.memberId ?? null, issuedByOrganisationId: issuedBy?.organisationId ?? null, memberDeactivations: member.deactivations },
      tx.manager,
    );
    recordApiKey(tx, 'api-key.issued', key);
    return key;
  }
}

