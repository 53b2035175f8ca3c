import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import type { AgreementVersion } from './agreement.entity.js';
import { agreementNotFound, findVersion, isParty } from './agreement-access.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';
import { AgreementLifecycle } from './agreement-lifecycle.js';
import { recordSignature, recordVersion } from './agreement-record.js';
import { AgreementRepository } from './agreement.repository.js';
import { type DetachedJws, parseDetachedJws, verifyDetachedJws } from './detached-jws.js';
import { keyStatusAt, SIGNING_KEY_DIRECTORY, type SigningKeyDirectory } from '../signing-keys/index.js';

/**
 * A party signs a version awaiting signatures with one of its registered keys (a detached JWS over the
 * stored document bytes). The key's validity is judged by the registry's clock at receipt. The last
 * signature activates the version at once if its start has come (and the privacy rule allows it);
 * otherwise the scheduler does at validFrom.
 */
@Injectable()
export class SignAgreement {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(AgreementRepository) private readonly agreements: AgreementRepository,
    @Inject(SIGNING_KEY_DIRECTORY) private readonly keys: SigningKeyDirectory,
    @Inject(AgreementLifecycle) private readonly lifecycle: AgreementLifecycle,
  ) {}

  async execute(principal: Principal, id: string, n: number, jwsText: string): Promise<void> {
    const receivedAt = new Date();
    await this.lifecycle.settle(id, receivedAt);
    await this.uow.run(actorOf(principal), async (tx) => {
      const agreement = await this.agreements.lockAgreement(id, tx.manager);
      if (!agreement) throw agreementNotFound(id);
      const versions = await this.agreements.versions(id, tx.manager);
      const version = versions.find((v) => v.number === n);
      // A version one is not party to reads like a missing one (and so does the agreement, if no version names you).
      if (!version || !isParty(agreement, version, principal.organisationId)) {
        if (versions.some((v) => isParty(agreement, v, principal.organisationId))) findVersion([], id, n);
        throw agreementNotFound(id);
      }
      if (version.status !== 'pending-signatures') {
        throw new AgreementError(AgreementErrorCode.WrongStatus, `Version ${n} is ${version.status}; parties sign only while it is pending-signatures.`);
      }
      const signatures = await this.agreements.signatures([version.id], tx.manager);
      if (signatures.some((s) => s.organisationId === principal.organisationId)) {
        throw new AgreementError(AgreementErrorCode.AlreadySigned, `Your organisation already signed version ${n}.`);
      }
      const jws = parseDetachedJws(jwsText);
      if (!jws) throw malformed();
      await this.verify(jws, principal.organisationId, version, versions, receivedAt, tx.manager);

      const signature = await this.agreements.insertSignature(
        { versionId: version.id, organisationId: principal.organisationId, kid: jws.header.kid, jws: jwsText, signedAt: receivedAt, signedViaOperator: principal.viaOperator },
        tx.manager,
      );
      recordSignature(tx, signature, version);
      const signed = new Set([...signatures.map((s) => s.organisationId), principal.organisationId]);
      if ([agreement.cityId, ...version.vendorIds].every((party) => signed.has(party))) {
        version.signaturesCompletedAt = receivedAt;
        await this.agreements.completeSignatures(version.id, receivedAt, tx.manager);
        // Completing the signatures changes the version: when that does not also activate it (its start is still to come,
        // or the privacy rule holds it back), the change needs an entry of its own, or the version's latest entry would
        // digest a state it no longer has.
        if (!(await this.lifecycle.activateIfDue(tx, agreement, versions, version, receivedAt))) {
          recordVersion(tx, 'agreement.signatures-completed', version, agreement.cityId);
        }
      }
    });
  }

  private async verify(jws: DetachedJws, organisationId: string, version: AgreementVersion, versions: AgreementVersion[], at: Date, manager: EntityManager): Promise<void> {
    const key = await this.keys.findByKid(jws.header.kid, manager);
    if (!key) throw new AgreementError(AgreementErrorCode.SigningKeyUnknown, `No registered signing key has kid ${jws.header.kid}.`);
    if (key.organisationId !== organisationId) {
      throw new AgreementError(AgreementErrorCode.SigningKeyOfAnotherOrganisation, `Key ${key.kid} belongs to another organisation; sign with one of your own registered keys.`);
    }
    const status = keyStatusAt(key, at);
    if (status === 'revoked') throw new AgreementError(AgreementErrorCode.SigningKeyRevoked, `Key ${key.kid} was revoked at ${key.revokedAt!.toISOString()}.`);
    if (status === 'expired') throw new AgreementError(AgreementErrorCode.SigningKeyExpired, `Key ${key.kid} expired at ${key.expiresAt!.toISOString()}.`);
    if (status === 'pending') throw new AgreementError(AgreementErrorCode.SigningKeyNotYetValid, `Key ${key.kid} is valid from ${key.validFrom.toISOString()}.`);
    if (jws.header.alg !== key.alg) throw malformed(`The protected header's alg must be ${key.alg}, the algorithm of key ${key.kid}.`);
    if (await verifyDetachedJws(jws, version.document!, key.jwk, key.alg)) return;
    for (const other of versions) {
      if (other.id !== version.id && other.document && (await verifyDetachedJws(jws, other.document, key.jwk, key.alg))) {
        throw new AgreementError(AgreementErrorCode.SignatureOverOtherVersion, `The signature is over the document of version ${other.number}, not version ${version.number}.`);
      }
    }
    throw new AgreementError(AgreementErrorCode.SignatureInvalid, `The signature does not verify over the document of version ${version.number} with key ${key.kid}.`);
  }
}

function malformed(detail = 'The signature must be a detached compact JWS, <protected>..<signature>, whose protected header has alg and kid and no b64 or crit.'): AgreementError {
  return new AgreementError(AgreementErrorCode.SignatureMalformed, detail);
}
