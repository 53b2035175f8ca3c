import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import type { Page } from '../kernel/paging/paging.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { Agreement, type AgreementSignature, AgreementVersion, PUBLIC_STATUSES } from './agreement.entity.js';
import { agreementNotFound, findVersion, isParty, mayRead, requireCity, versionNotFound } from './agreement-access.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';
import { AgreementLifecycle } from './agreement-lifecycle.js';
import { AgreementPrivacy } from './agreement-privacy.js';
import { recordVersion, versionSubject } from './agreement-record.js';
import { AgreementTerms } from './agreement-terms.js';
import type {
  AgreementResponse, AgreementSummary, AgreementVersionResponse, CreateAgreementDto, ListAgreementsQuery, SignatureResponse, SourceRef, UpdateAgreementDto,
} from './agreement.dto.js';
import { AgreementRepository } from './agreement.repository.js';
import { parseDetachedJws, verifyDetachedJws } from './detached-jws.js';
import { type Organisation, OrganisationScope, ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';
import { keyStatusAt, SIGNING_KEY_DIRECTORY, type SigningKeyDirectory } from '../signing-keys/index.js';
import { SOURCE_DIRECTORY, type SourceDirectory } from '../sources/index.js';

/** Who is reading: a resident (no key), or a party reading through its own organisation's path. */
type Viewer = { kind: 'public' } | { kind: 'party'; organisation: Organisation };

/** Drafting, edits, resumption and every read; the steps that need their own transaction are use cases beside this. */
@Injectable()
export class AgreementService {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(AgreementRepository) private readonly agreements: AgreementRepository,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
    @Inject(OrganisationScope) private readonly scope: OrganisationScope,
    @Inject(SOURCE_DIRECTORY) private readonly sources: SourceDirectory,
    @Inject(SIGNING_KEY_DIRECTORY) private readonly keys: SigningKeyDirectory,
    @Inject(AgreementTerms) private readonly terms: AgreementTerms,
    @Inject(AgreementLifecycle) private readonly lifecycle: AgreementLifecycle,
    @Inject(AgreementPrivacy) private readonly privacy: AgreementPrivacy,
  ) {}

  /** A city drafts version 1 of a new agreement. */
  async create(principal: Principal, dto: CreateAgreementDto): Promise<AgreementResponse> {
    const city = (await this.organisations.findById(principal.organisationId))!;
    const resolved = await this.terms.resolve(city, { ...dto, allowedFields: dto.allowedFields ?? [], privacyRecords: dto.privacyRecords ?? [] });
    const now = new Date();
    const id = await this.uow.run(actorOf(principal), async (tx) => {
      const agreement = await tx.manager.save(tx.manager.create(Agreement, { cityId: city.id }));
      const version = await tx.manager.save(
        tx.manager.create(AgreementVersion, {
          ...resolved, agreementId: agreement.id, number: 1, status: 'draft', document: null, documentDigest: null, signaturesOpenedAt: null,
          signaturesCompletedAt: null, statusReason: null, statusChangedAt: now, history: [{ status: 'draft', at: now.toISOString(), reason: null }],
        }),
      );
      recordVersion(tx, 'agreement.drafted', version, city.id);
      return agreement.id;
    });
    return this.forParty(principal, city.slug, id);
  }

  /** The city edits a draft version; absent members stay as they were. */
  async update(principal: Principal, id: string, n: number, dto: UpdateAgreementDto): Promise<AgreementResponse> {
    const city = (await this.organisations.findById(principal.organisationId))!;
    await this.uow.run(actorOf(principal), async (tx) => {
      const agreement = requireCity(await this.agreements.lockAgreement(id, tx.manager), principal, id);
      const version = findVersion(await this.agreements.versions(id, tx.manager), id, n);
      if (version.status !== 'draft') throw new AgreementError(AgreementErrorCode.WrongStatus, `Version ${n} is ${version.status}; only a draft can be edited (amend the agreement instead).`);
      Object.assign(version, await this.terms.resolve(city, this.terms.merge(await this.terms.inputOf(version, tx.manager), dto), tx.manager));
      await tx.manager.save(version);
      recordVersion(tx, 'agreement.draft-edited', version, agreement.cityId);
    });
    return this.forParty(principal, city.slug, id);
  }

  /**
   * The city resumes a suspended agreement: the suspended version becomes active again, if its window has
   * not ended and the privacy rule still holds now.
   */
  async resume(principal: Principal, id: string, reason: string | undefined): Promise<AgreementResponse> {
    const now = new Date();
    await this.lifecycle.settle(id, now);
    const city = (await this.organisations.findById(principal.organisationId))!;
    await this.uow.run(actorOf(principal), async (tx) => {
      const agreement = requireCity(await this.agreements.lockAgreement(id, tx.manager), principal, id);
      const versions = await this.agreements.versions(id, tx.manager);
      const suspended = versions.find((v) => v.status === 'suspended');
      if (!suspended) {
        const latest = versions[versions.length - 1]!;
        throw new AgreementError(AgreementErrorCode.WrongStatus, `No version of this agreement is suspended (the latest, version ${latest.number}, is ${latest.status}).`);
      }
      if (!(await this.privacy.allows(suspended, agreement.cityId, now, tx.manager))) {
        throw new AgreementError(AgreementErrorCode.PrivacyRecordRequired, 'A covered source collects personal information and the privacy records are no longer usable; the agreement stays suspended.');
      }
      await this.lifecycle.transition(tx, suspended, agreement.cityId, 'active', now, reason ?? null, 'agreement.resumed');
    });
    return this.forParty(principal, city.slug, id);
  }

  /** The version in force at `at` (dates evaluated here, not by the scheduler), or null: what the exchange asks. */
  inForceAt(agreementId: string, at: Date): Promise<AgreementVersion | null> {
    return this.lifecycle.inForceAt(agreementId, at);
  }

  // Reading

  async list(query: ListAgreementsQuery): Promise<Page<AgreementSummary>> {
    let partyId: string | undefined;
    if (query.party) {
      const party = await this.organisations.findBySlug(query.party);
      if (!party) return { items: [], nextCursor: null };
      partyId = party.id;
    }
    const { rows, nextCursor } = await this.agreements.list({ partyId, sourceId: query.source, statuses: PUBLIC_STATUSES }, query);
    return { items: await this.summaries(rows, { kind: 'public' }), nextCursor };
  }

  /** How many agreements the public list holds, unfiltered. */
  count(): Promise<number> {
    return this.agreements.count({ statuses: PUBLIC_STATUSES });
  }

  async listForParty(principal: Principal, slug: string, query: ListAgreementsQuery): Promise<Page<AgreementSummary>> {
    const organisation = await this.scope.resolve(principal, slug);
    const { rows, nextCursor } = await this.agreements.list({ partyId: organisation.id, sourceId: query.source }, query);
    return { items: await this.summaries(rows, { kind: 'party', organisation }), nextCursor };
  }

  async get(id: string): Promise<AgreementResponse> {
    return this.present(id, { kind: 'public' });
  }

  async forParty(principal: Principal, slug: string, id: string): Promise<AgreementResponse> {
    return this.present(id, { kind: 'party', organisation: await this.scope.resolve(principal, slug) });
  }

  async getVersion(id: string, n: number): Promise<AgreementVersionResponse> {
    const response = await this.present(id, { kind: 'public' });
    const version = response.versions.find((v) => v.number === n);
    if (!version) throw versionNotFound(id, n);
    return version;
  }

  async versionForParty(principal: Principal, slug: string, id: string, n: number): Promise<AgreementVersionResponse> {
    const response = await this.forParty(principal, slug, id);
    const version = response.versions.find((v) => v.number === n);
    if (!version) throw versionNotFound(id, n);
    return version;
  }

  /** The exact document bytes of a version the viewer may read. */
  async document(id: string, n: number, principal?: Principal, slug?: string): Promise<Buffer> {
    const viewer: Viewer = principal && slug ? { kind: 'party', organisation: await this.scope.resolve(principal, slug) } : { kind: 'public' };
    const { versions } = await this.readable(id, viewer);
    const version = versions.find((v) => v.number === n);
    if (!version?.document) throw versionNotFound(id, n);
    return Buffer.from(version.document);
  }

  private async readable(id: string, viewer: Viewer): Promise<{ agreement: Agreement; versions: AgreementVersion[] }> {
    const agreement = await this.agreements.findAgreement(id);
    if (!agreement) throw agreementNotFound(id);
    const viewerId = viewer.kind === 'party' ? viewer.organisation.id : null;
    const all = await this.agreements.versions(id);
    // A party reads through its own path only agreements it is party to; any other reads like a missing one.
    if (viewerId !== null && !all.some((v) => isParty(agreement, v, viewerId))) throw agreementNotFound(id);
    const versions = all.filter((v) => mayRead(agreement, v, viewerId));
    if (versions.length === 0) throw agreementNotFound(id);
    return { agreement, versions };
  }

  private async present(id: string, viewer: Viewer): Promise<AgreementResponse> {
    const { agreement, versions } = await this.readable(id, viewer);
    const all = await this.agreements.versions(id);
    const inForce = await this.lifecycle.inForceAmong(agreement, all, new Date());
    const organisations = await this.organisationsOf([agreement.cityId, ...versions.flatMap((v) => v.vendorIds)]);
    const signatures = await this.agreements.signatures(versions.map((v) => v.id));
    const journal = await this.agreements.journal(versions.map(versionSubject));
    const city = organisations.get(agreement.cityId)!;
    const presented: AgreementVersionResponse[] = [];
    for (const version of versions) {
      presented.push(await this.presentVersion(agreement, version, organisations, signatures.filter((s) => s.versionId === version.id), journal.filter((j) => j.subjectId === versionSubject(version)), viewer));
    }
    return { id: agreement.id, city: ref(city), inForceVersion: inForce && versions.some((v) => v.id === inForce.id) ? inForce.number : null, versions: presented, createdAt: agreement.createdAt.toISOString() };
  }

  private async presentVersion(
    agreement: Agreement,
    v: AgreementVersion,
    organisations: Map<string, Organisation>,
    signatures: AgreementSignature[],
    journal: { index: number; action: string; recordedAt: Date }[],
    viewer: Viewer,
  ): Promise<AgreementVersionResponse> {
    const sources: SourceRef[] = [];
    for (const sourceId of v.sourceIds) {
      const source = await this.sources.findById(sourceId);
      if (source) sources.push({ id: source.id, ceSource: source.ceSource, name: source.name });
    }
    const presentedSignatures: SignatureResponse[] = [];
    for (const s of signatures) presentedSignatures.push(await this.presentSignature(s, v, organisations));
    const signed = new Set(signatures.map((s) => s.organisationId));
    const path = viewer.kind === 'party' ? `/api/v1/organisations/${viewer.organisation.slug}/agreements` : '/api/v1/agreements';
    return {
      agreement: agreement.id,
      number: v.number,
      status: v.status,
      city: ref(organisations.get(agreement.cityId)!),
      vendors: v.vendorIds.map((vendorId) => ref(organisations.get(vendorId)!)),
      sources,
      eventTypes: v.eventTypes,
      purposes: v.purposes,
      allowedFields: v.allowedFields.map(({ partyId, standard, major, fields }) => ({ party: organisations.get(partyId)?.slug ?? partyId, standard, major, fields })),
      retention: v.retention,
      onwardSharing: v.onwardSharing,
      dataResidency: v.dataResidency,
      validFrom: v.validFrom.toISOString(),
      validUntil: v.validUntil.toISOString(),
      privacyRecords: v.privacyRecordIds,
      summary: v.summary,
      statusReason: v.statusReason,
      statusChangedAt: v.statusChangedAt.toISOString(),
      history: v.history,
      signaturesOpenedAt: v.signaturesOpenedAt?.toISOString() ?? null,
      signaturesCompletedAt: v.signaturesCompletedAt?.toISOString() ?? null,
      signatures: presentedSignatures,
      awaitingSignatureFrom: v.document ? [agreement.cityId, ...v.vendorIds].filter((p) => !signed.has(p)).map((p) => organisations.get(p)!.slug) : [],
      documentDigest: v.documentDigest,
      documentBase64: v.document ? Buffer.from(v.document).toString('base64') : null,
      documentUrl: v.document ? `${path}/${agreement.id}/versions/${v.number}/document` : null,
      journal: journal.map((j) => ({ index: j.index, action: j.action, recordedAt: j.recordedAt.toISOString() })),
      journalIndex: v.journalIndex,
      createdAt: v.createdAt.toISOString(),
      updatedAt: v.updatedAt.toISOString(),
    };
  }

  /** Recomputed for every response: the stored bytes, the key's public history, and its validity at receipt. */
  private async presentSignature(s: AgreementSignature, v: AgreementVersion, organisations: Map<string, Organisation>): Promise<SignatureResponse> {
    const key = await this.keys.findByKid(s.kid);
    const jws = parseDetachedJws(s.jws);
    const verifies =
      key !== null && jws !== null && v.document !== null && key.organisationId === s.organisationId && jws.header.kid === key.kid &&
      keyStatusAt(key, s.signedAt) === 'active' && (await verifyDetachedJws(jws, v.document, key.jwk, key.alg));
    const organisation = organisations.get(s.organisationId) ?? (await this.organisations.findById(s.organisationId));
    return {
      organisation: organisation?.slug ?? s.organisationId, kid: s.kid, alg: key?.alg ?? jws?.header.alg ?? '', signedAt: s.signedAt.toISOString(), jws: s.jws, verifies,
      signedViaOperator: s.signedViaOperator, keyRegisteredViaOperator: key?.registeredViaOperator ?? null, journalIndex: s.journalIndex,
    };
  }

  private async summaries(rows: Agreement[], viewer: Viewer): Promise<AgreementSummary[]> {
    const versions = await this.agreements.versionsOf(rows.map((a) => a.id));
    const viewerId = viewer.kind === 'party' ? viewer.organisation.id : null;
    const organisations = await this.organisationsOf([...rows.map((a) => a.cityId), ...versions.flatMap((v) => v.vendorIds)]);
    const items: AgreementSummary[] = [];
    for (const agreement of rows) {
      const latest = versions.filter((v) => v.agreementId === agreement.id && mayRead(agreement, v, viewerId)).pop();
      if (!latest) continue;
      items.push({
        id: agreement.id, city: ref(organisations.get(agreement.cityId)!), vendors: latest.vendorIds.map((id) => ref(organisations.get(id)!)),
        latestVersion: latest.number, status: latest.status, summary: latest.summary, validFrom: latest.validFrom.toISOString(), validUntil: latest.validUntil.toISOString(),
        createdAt: agreement.createdAt.toISOString(),
      });
    }
    return items;
  }

  private async organisationsOf(ids: string[]): Promise<Map<string, Organisation>> {
    return new Map((await this.organisations.findByIds([...new Set(ids)])).map((o) => [o.id, o]));
  }
}

function ref(o: Organisation) {
  return { slug: o.slug, name: o.name };
}
