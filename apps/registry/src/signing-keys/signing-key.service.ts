import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { compactVerify } from 'jose';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { isUniqueViolation } from '../kernel/errors/unique-violation.js';
import type { Page, PageQuery } from '../kernel/paging/paging.js';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { DEMO_KEY_KIDS } from './demo-keys.js';
import { parsePublicSigningKey, type PublicSigningKey } from './public-jwk.js';
import { recordSigningKey } from './signing-key-record.js';
import { SigningKeyError, SigningKeyErrorCode } from './signing-key-error.js';
import { SigningKeyRepository } from './signing-key.repository.js';
import { type ChallengeResponse, type JwksResponse, type RegisterSigningKeyDto, type RevokeSigningKeyDto, SigningKeyResponse } from './signing-key.dto.js';
import { OrganisationScope, ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';

@Injectable()
export class SigningKeyService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SigningKeyRepository) private readonly keys: SigningKeyRepository,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
    @Inject(OrganisationScope) private readonly scope: OrganisationScope,
  ) {}

  /** A one-time challenge, bound to the organisation, for proof of possession; asking past the limit retires the oldest. */
  async challenge(principal: Principal, slug: string): Promise<ChallengeResponse> {
    const organisation = await this.scope.resolve(principal, slug);
    const now = new Date();
    await this.keys.purgeExpiredChallenges(now);
    const challenge = `plaza-signing-key-registration:${organisation.slug}:${randomBytes(24).toString('base64url')}`;
    const expiresAt = new Date(now.getTime() + this.config.challengeTtlSeconds * 1000);
    await this.keys.saveChallenge(organisation.id, challenge, expiresAt, now, this.config.challengeLimit);
    return { challenge, expiresAt: expiresAt.toISOString() };
  }

  async register(principal: Principal, slug: string, dto: RegisterSigningKeyDto): Promise<SigningKeyResponse> {
    const organisation = await this.scope.resolve(principal, slug);
    const parsed = await parsePublicSigningKey(dto.jwk);
    // The demo's private keys are public: only a registry running the demo may accept them.
    if (DEMO_KEY_KIDS.has(parsed.kid) && !this.config.demo) {
      throw new SigningKeyError(SigningKeyErrorCode.DemoKey, `The key ${parsed.kid} is one of the demo's published keys; it is accepted only by a registry running the demo.`);
    }
    const challenge = await proofPayload(dto.proof, parsed);
    // Validity is judged by the registry's clock: a key never counts as valid before it arrived.
    const receivedAt = new Date();
    const requestedStart = dto.validFrom ? new Date(dto.validFrom) : receivedAt;
    const validFrom = requestedStart > receivedAt ? requestedStart : receivedAt;
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt <= validFrom) throw new SigningKeyError(SigningKeyErrorCode.InvalidValidity, 'expiresAt must be after validFrom and after now.');
    try {
      const key = await this.uow.run(actorOf(principal), async (tx) => {
        if (!(await this.keys.consumeChallenge(organisation.id, challenge, receivedAt, tx.manager))) {
          throw new SigningKeyError(SigningKeyErrorCode.ChallengeInvalid, 'The signed challenge is not a live challenge of this organisation; ask for a new one.');
        }
        if (await this.keys.findByKid(parsed.kid, tx.manager)) throw alreadyRegistered(parsed.kid);
        const created = await this.keys.insert(
          { kid: parsed.kid, organisationId: organisation.id, jwk: parsed.jwk, alg: parsed.alg, label: dto.label, validFrom, expiresAt, registeredViaOperator: principal.viaOperator },
          tx.manager,
        );
        recordSigningKey(tx, 'signing-key.registered', created, organisation.slug);
        return created;
      });
      return SigningKeyResponse.from(key, organisation.slug);
    } catch (error) {
      throw isUniqueViolation(error) ? alreadyRegistered(parsed.kid) : error;
    }
  }

  async revoke(principal: Principal, slug: string, kid: string, dto: RevokeSigningKeyDto): Promise<SigningKeyResponse> {
    const organisation = await this.scope.resolve(principal, slug);
    const key = await this.uow.run(actorOf(principal), async (tx) => {
      const current = await this.keys.findOwnedForUpdate(organisation.id, kid, tx.manager);
      if (!current) throw notFound(kid);
      if (current.revokedAt) throw new SigningKeyError(SigningKeyErrorCode.AlreadyRevoked, `The key was revoked at ${current.revokedAt.toISOString()}.`);
      await this.keys.revoke(current, { revokedAt: new Date(), revocationReason: dto.reason, revocationComment: dto.comment ?? null }, tx.manager);
      recordSigningKey(tx, 'signing-key.revoked', current, organisation.slug);
      return current;
    });
    return SigningKeyResponse.from(key, organisation.slug);
  }

  async history(slug: string, page: PageQuery): Promise<Page<SigningKeyResponse>> {
    const organisation = await this.scope.findPublic(slug);
    const { rows, nextCursor } = await this.keys.history(organisation.id, page);
    const now = new Date();
    return { items: rows.map((k) => SigningKeyResponse.from(k, organisation.slug, now)), nextCursor };
  }

  async jwks(slug: string): Promise<JwksResponse> {
    const organisation = await this.scope.findPublic(slug);
    return { keys: (await this.keys.activeAt(organisation.id, new Date())).map((k) => k.jwk) };
  }

  async get(kid: string): Promise<SigningKeyResponse> {
    const key = await this.keys.findByKid(kid);
    const organisation = key && (await this.organisations.findById(key.organisationId));
    if (!key || !organisation) throw notFound(kid);
    return SigningKeyResponse.from(key, organisation.slug);
  }
}

/** Verifies the proof of possession with the submitted key and returns the challenge it signs. */
async function proofPayload(proof: string, key: PublicSigningKey): Promise<string> {
  try {
    const { payload, protectedHeader } = await compactVerify(proof, key.key, { algorithms: [key.alg] });
    // An unencoded payload (b64: false) or other critical extensions are not part of this protocol.
    if (protectedHeader.b64 !== undefined || protectedHeader.crit !== undefined) throw new Error('unexpected header parameters');
    return new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    throw new SigningKeyError(SigningKeyErrorCode.ProofInvalid, `The proof is not a compact JWS (${key.alg}) over the challenge made with the private half of this key.`);
  }
}



function alreadyRegistered(kid: string): SigningKeyError {
  return new SigningKeyError(SigningKeyErrorCode.AlreadyRegistered, `A key with thumbprint ${kid} is already registered.`);
}

function notFound(kid: string): SigningKeyError {
  return new SigningKeyError(SigningKeyErrorCode.NotFound, `There is no signing key ${kid}.`);
}
