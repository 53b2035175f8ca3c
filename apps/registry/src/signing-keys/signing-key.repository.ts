import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import { SigningKey, SigningKeyChallenge } from './signing-key.entity.js';

/** What a new key is given: unrevoked, it is valid from `validFrom` until `expiresAt`. */
export type NewSigningKey = Pick<SigningKey, 'kid' | 'organisationId' | 'jwk' | 'alg' | 'label' | 'validFrom' | 'expiresAt' | 'registeredViaOperator'>;

/** Every query of the signing keys feature. */
@Injectable()
export class SigningKeyRepository {
  private readonly pager = new KeysetPager({ createdAt: { expression: 'k.created_at', cast: 'timestamptz' } }, 'createdAt', 'k.kid', /^[A-Za-z0-9_-]{43}$/);

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  findByKid(kid: string, manager: EntityManager = this.db.manager): Promise<SigningKey | null> {
    return manager.findOneBy(SigningKey, { kid });
  }

  /** Which of these kids are stored, whatever their status. */
  async storedKids(kids: string[]): Promise<string[]> {
    const rows = await this.db.manager.createQueryBuilder(SigningKey, 'k').select('k.kid', 'kid').where('k.kid IN (:...kids)', { kids }).getRawMany<{ kid: string }>();
    return rows.map((r) => r.kid);
  }

  findOwnedForUpdate(organisationId: string, kid: string, manager: EntityManager): Promise<SigningKey | null> {
    return manager.findOne(SigningKey, { where: { kid, organisationId }, lock: { mode: 'pessimistic_write' } });
  }

  /** The key whose latest change is the journal entry `index`, for its journaled kind (a plain object, not an injectable). */
  static atJournalIndex(manager: EntityManager, index: number): Promise<SigningKey | null> {
    return manager.findOneBy(SigningKey, { journalIndex: index });
  }

  /** Stores a new key, in the unit of work that journals its registration; a kid already stored fails on the primary key. */
  async insert(fields: NewSigningKey, manager: EntityManager): Promise<SigningKey> {
    const key = manager.create(SigningKey, { ...fields, revokedAt: null, revocationReason: null, revocationComment: null });
    // An INSERT, never save(): save() looks the kid up again and, had a racing registration committed meanwhile,
    // would update that key instead of failing on the primary key.
    await manager.insert(SigningKey, key);
    return key;
  }

  /** Stores the key's revocation, in the unit of work that journals it. */
  revoke(key: SigningKey, revocation: Pick<SigningKey, 'revokedAt' | 'revocationReason' | 'revocationComment'>, manager: EntityManager): Promise<SigningKey> {
    Object.assign(key, revocation);
    return manager.save(key);
  }

  history(organisationId: string, page: PageQuery) {
    return this.pager.page(this.db.manager.createQueryBuilder(SigningKey, 'k').where('k.organisation_id = :organisationId', { organisationId }), page);
  }

  activeAt(organisationId: string, at: Date): Promise<SigningKey[]> {
    return this.db.manager
      .createQueryBuilder(SigningKey, 'k')
      .where('k.organisation_id = :organisationId AND k.valid_from <= :at AND (k.expires_at IS NULL OR k.expires_at > :at) AND (k.revoked_at IS NULL OR k.revoked_at > :at)', { organisationId, at })
      .orderBy('k.created_at')
      .getMany();
  }

  /**
   * Stores a challenge. An organisation holds at most `limit` live ones (unused, unexpired): beyond that its oldest are
   * retired, so a client that asks and never answers cannot grow the table, nor lock the organisation's admins out.
   */
  async saveChallenge(organisationId: string, challenge: string, expiresAt: Date, now: Date, limit: number): Promise<void> {
    await this.db.transaction(async (manager) => {
      // An organisation's requests insert and count one at a time, so concurrent ones cannot all slip under the limit.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`plaza.challenges:${organisationId}`]);
      await manager.insert(SigningKeyChallenge, { organisationId, challenge, expiresAt, usedAt: null });
      await manager.query(
        `DELETE FROM signing_key_challenges WHERE id IN (
           SELECT id FROM signing_key_challenges WHERE organisation_id = $1 AND used_at IS NULL AND expires_at > $2 AND challenge <> $3
            ORDER BY expires_at DESC, id OFFSET $4)`,
        [organisationId, now, challenge, limit - 1],
      );
    });
  }

  /** Marks a live challenge of this organisation as used; false when it is unknown, expired or already used. */
  async consumeChallenge(organisationId: string, challenge: string, now: Date, manager: EntityManager): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(SigningKeyChallenge)
      .set({ usedAt: now })
      .where('organisation_id = :organisationId AND challenge = :challenge AND used_at IS NULL AND expires_at > :now', { organisationId, challenge, now })
      .execute();
    return result.affected === 1;
  }

  async purgeExpiredChallenges(now: Date): Promise<void> {
    await this.db.manager.createQueryBuilder().delete().from(SigningKeyChallenge).where('expires_at < :now', { now }).execute();
  }
}
