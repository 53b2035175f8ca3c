import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import type { AgreementVersion } from './agreement.entity.js';
import { findVersion, requireCity } from './agreement-access.js';
import { AGREEMENT_DOCUMENT_TYPE, type AgreementDocument, documentBytes, documentDigest } from './agreement-document.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';
import { AgreementLifecycle } from './agreement-lifecycle.js';
import { AgreementPrivacy } from './agreement-privacy.js';
import { AgreementRepository } from './agreement.repository.js';
import { type Organisation, ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';
import { SOURCE_DIRECTORY, type SourceDirectory } from '../sources/index.js';

/**
 * Draft -> pending signatures. The version's canonical document (RFC 8785) is built and fixed now: its
 * exact bytes are what every party signs, and they never change after. Refused when the window has
 * already ended, when it cites privacy records that are not approved ones of the city (the document names them),
 * or when the version covers personal information without usable privacy records.
 */
@Injectable()
export class OpenSignatures {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(AgreementRepository) private readonly agreements: AgreementRepository,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
    @Inject(SOURCE_DIRECTORY) private readonly sources: SourceDirectory,
    @Inject(AgreementLifecycle) private readonly lifecycle: AgreementLifecycle,
    @Inject(AgreementPrivacy) private readonly privacy: AgreementPrivacy,
  ) {}

  async execute(principal: Principal, id: string, n: number): Promise<void> {
    const now = new Date();
    await this.uow.run(actorOf(principal), async (tx) => {
      const agreement = requireCity(await this.agreements.lockAgreement(id, tx.manager), principal, id);
      const versions = await this.agreements.versions(id, tx.manager);
      const version = findVersion(versions, id, n);
      if (version.status !== 'draft') {
        throw new AgreementError(AgreementErrorCode.WrongStatus, `Version ${n} is ${version.status}; signatures open only on a draft, and only once.`);
      }
      if (version.validUntil <= now) {
        throw new AgreementError(AgreementErrorCode.InvalidValidity, `Version ${n} ends at ${version.validUntil.toISOString()}, which has passed; change validUntil first.`);
      }
      await this.privacy.requireCitable(version.privacyRecordIds, agreement.cityId, now, 'signatures', tx.manager);
      if (!(await this.privacy.allows(version, agreement.cityId, now, tx.manager))) {
        throw new AgreementError(
          AgreementErrorCode.PrivacyRecordRequired,
          'A source this agreement covers collects personal information: list privacy impact records that are approved, unexpired and cover it.',
        );
      }
      const city = (await this.organisations.findById(agreement.cityId, tx.manager))!;
      const bytes = documentBytes(await this.document(city, versions, version, now, tx.manager));
      Object.assign(version, { document: bytes, documentDigest: documentDigest(bytes), signaturesOpenedAt: now });
      await this.lifecycle.transition(tx, version, agreement.cityId, 'pending-signatures', now);
    });
  }

  private async document(city: Organisation, versions: AgreementVersion[], version: AgreementVersion, now: Date, manager: EntityManager): Promise<AgreementDocument> {
    const party = (o: Organisation) => ({ id: o.id, slug: o.slug, name: { en: o.name.en, fr: o.name.fr } });
    const vendors = new Map((await this.organisations.findByIds(version.vendorIds, manager)).map((o) => [o.id, o]));
    const found = new Map((await this.sources.findByIds(version.sourceIds, manager)).map((s) => [s.id, s]));
    const sources = version.sourceIds.map((sourceId) => {
      const source = found.get(sourceId.toLowerCase())!;
      return { id: source.id, ceSource: source.ceSource, name: { en: source.name.en, fr: source.name.fr } };
    });
    // The version this one amends: the latest earlier version that came into force.
    const amended = versions.filter((v) => v.number < version.number && v.documentDigest && v.history.some((h) => h.status === 'active')).pop();
    return {
      type: AGREEMENT_DOCUMENT_TYPE,
      agreement: version.agreementId,
      version: version.number,
      amends: amended ? { version: amended.number, documentDigest: amended.documentDigest! } : null,
      city: party(city),
      vendors: version.vendorIds.map((vendorId) => party(vendors.get(vendorId)!)),
      sources,
      eventTypes: version.eventTypes,
      purposes: version.purposes,
      allowedFields: version.allowedFields.map(({ partyId, standard, major, fields }) => ({ party: vendors.get(partyId)!.slug, standard, major, fields })),
      retention: version.retention,
      onwardSharing: version.onwardSharing,
      dataResidency: version.dataResidency,
      validFrom: version.validFrom.toISOString(),
      validUntil: version.validUntil.toISOString(),
      privacyRecords: version.privacyRecordIds,
      summary: version.summary,
      signaturesOpenedAt: now.toISOString(),
    };
  }
}
