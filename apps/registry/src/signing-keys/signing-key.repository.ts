import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../common/paging/paging.js';
import { SigningKey, SigningKeyChallenge } from './signing-key.entity.js';

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

  async saveChallenge(organisationId: string, challenge: string, expiresAt: Date): Promise<void> {
    await this.db.manager.insert(SigningKeyChallenge, { organisationId, challenge, expiresAt, usedAt: null });
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
