import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import type { Page } from '../kernel/paging/paging.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { type Agreement, type AgreementSignature, type AgreementVersion } from './agreement.entity.js';
import { agreementNotFound, findVersion, isParty, mayRead, requireCity, versionNotFound } from './agreement-access.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';
import { AgreementLifecycle } from './agreement-lifecycle.js';
import { recordVersion, versionSubject } from './agreement-record.js';
import { AgreementTerms } from './agreement-terms.js';
import {
  AgreementResponse, AgreementSummary, AgreementVersionResponse, type CreateAgreementDto, type ListAgreementsQuery, SignatureResponse, SourceRef,
  type UpdateAgreementDto,
} from './agreement.dto.js';
import { AgreementRepository } from './agreement.repository.js';
import { parseDetachedJws, verifyDetachedJws } from './detached-jws.js';
import { type Organisation, OrganisationScope, ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';
import { keyStatusAt, SIGNING_KEY_DIRECTORY, type SigningKey, type SigningKeyDirectory } from '../signing-keys/index.js';
import { SOURCE_DIRECTORY, type SourceDirectory } from '../sources/index.js';

/** Who is reading: a resident (no key), or a party reading through its own organisation's path. */
/**
 * Who reads: a resident with no key; a caller, whose key's organisation reads what it may at the one route of each
 * agreement (`/api/v1/agreements`); or, through the deprecated routes under an organisation, that organisation as a
 * party (anything else it is not party to reads like a missing agreement there).
 */
type Viewer = { kind: 'public' } | { kind: 'caller'; organisationId: string } | { kind: 'party'; organisation: Organisation };

const viewerOf = (principal: Principal | undefined): Viewer => (principal ? { kind: 'caller', organisationId: principal.organisationId } : { kind: 'public' });
const viewerIdOf = (viewer: Viewer): string | null => (viewer.kind === 'party' ? viewer.organisation.id : viewer.kind === 'caller' ? viewer.organisationId : null);

/** Drafting, edits of drafts and every read; the lifecycle's steps are use cases beside this, each in its own transaction. */
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
  ) {}

  /** A city drafts version 1 of a new agreement. */
  async create(principal: Principal, dto: CreateAgreementDto): Promise<AgreementResponse> {
    const city = (await this.organisations.findById(principal.organisationId))!;
    const resolved = await this.terms.resolve(city, { ...dto, allowedFields: dto.allowedFields ?? [], privacyRecords: dto.privacyRecords ?? [] });
    const now = new Date();
    const id = await this.uow.run(actorOf(principal), async (tx) => {
      const agreement = await this.agreements.insertAgreement(city.id, tx.manager);
      const version = await this.agreements.insertVersion(
        {
          ...resolved, agreementId: agreement.id, number: 1, status: 'draft', document: null, documentDigest: null, signaturesOpenedAt: null,
          signaturesCompletedAt: null, statusReason: null, statusChangedAt: now, history: [{ status: 'draft', at: now.toISOString(), reason: null }],
        },
        tx.manager,
      );
      recordVersion(tx, 'agreement.drafted', version, city.id);
      return agreement.id;
    });
    return this.get(id, principal);
  }

  /** The city edits a draft version; absent members stay as they were. */
  async update(principal: Principal, id: string, n: number, dto: UpdateAgreementDto): Promise<AgreementResponse> {
    const city = (await this.organisations.findById(principal.organisationId))!;
    await this.uow.run(actorOf(principal), async (tx) => {
      const agreement = requireCity(await this.agreements.lockAgreement(id, tx.manager), principal, id);
      const version = findVersion(await this.agreements.versions(id, tx.manager), id, n);
      if (version.status !== 'draft') throw new AgreementError(AgreementErrorCode.WrongStatus, `Version ${n} is ${version.status}; only a draft can be edited (amend the agreement instead).`);
      Object.assign(version, await this.terms.resolve(city, this.terms.merge(await this.terms.inputOf(version, tx.manager), dto), tx.manager));
      await this.agreements.saveVersion(version, tx.manager);
      recordVersion(tx, 'agreement.draft-edited', version, agreement.cityId);
    });
    return this.get(id, principal);
  }

  // Reading

  /** The agreements the caller may read (without a key, those that came into force), in any status. */
  async list(query: ListAgreementsQuery, principal?: Principal): Promise<Page<AgreementSummary>> {
    let partyId: string | undefined;
    if (query.party) {
      const party = await this.organisations.findByReference(query.party);
      if (!party) return { items: [], nextCursor: null };
      partyId = party.id;
    }
    const readers = principal ? { readableBy: principal.organisationId } : { publiclyReadable: true };
    const { rows, nextCursor } = await this.agreements.list({ partyId, sourceId: query.source, ...readers }, query);
    return { items: await this.summaries(rows, viewerOf(principal)), nextCursor };
  }

  /** The public agreements covering each of these sources (at most `limit` a source), as (source, agreement) pairs. */
  publicCovering(sourceIds: string[], limit: number): Promise<{ sourceId: string; id: string }[]> {
    return this.agreements.publicCovering(sourceIds, limit);
  }

  /** How many agreements the public list holds, unfiltered. */
  count(): Promise<number> {
    return this.agreements.count({ publiclyReadable: true });
  }

  async listForParty(principal: Principal, slug: string, query: ListAgreementsQuery): Promise<Page<AgreementSummary>> {
    const organisation = await this.scope.resolve(principal, slug);
    const { rows, nextCursor } = await this.agreements.list({ partyId: organisation.id, sourceId: query.source }, query);
    return { items: await this.summaries(rows, { kind: 'party', organisation }), nextCursor };
  }

  /** The agreement with the versions the caller may read: its parties read drafts and pending versions too. */
  async get(id: string, principal?: Principal): Promise<AgreementResponse> {
    return this.present(id, viewerOf(principal));
  }

  async forParty(principal: Principal, slug: string, id: string): Promise<AgreementResponse> {
    return this.present(id, { kind: 'party', organisation: await this.scope.resolve(principal, slug) });
  }

  async getVersion(id: string, n: number, principal?: Principal): Promise<AgreementVersionResponse> {
    const response = await this.present(id, viewerOf(principal));
    const version = response.versions.find((v) => v.number === n);
    if (!version) throw versionNotFound(id, n);
    return version;
  }

  /** The exact document bytes of a version the viewer may read. */
  async document(id: string, n: number, principal?: Principal, slug?: string): Promise<Buffer> {
    const viewer: Viewer = principal && slug ? { kind: 'party', organisation: await this.scope.resolve(principal, slug) } : viewerOf(principal);
    const { versions } = await this.readable(id, viewer);
    const version = versions.find((v) => v.number === n);
    if (!version?.document) throw versionNotFound(id, n);
    return Buffer.from(version.document);
  }

  /** The agreement, all its versions, and those the viewer may read (at least one, or it reads like a missing agreement). */
  private async readable(id: string, viewer: Viewer): Promise<{ agreement: Agreement; all: AgreementVersion[]; versions: AgreementVersion[] }> {
    const agreement = await this.agreements.findAgreement(id);
    if (!agreement) throw agreementNotFound(id);
    const viewerId = viewerIdOf(viewer);
    const all = await this.agreements.versions(id);
    // A party reads through its own path only agreements it is party to; any other reads like a missing one.
    if (viewer.kind === 'party' && !all.some((v) => isParty(agreement, v, viewer.organisation.id))) throw agreementNotFound(id);
    const versions = all.filter((v) => mayRead(agreement, v, viewerId));
    if (versions.length === 0) throw agreementNotFound(id);
    return { agreement, all, versions };
  }

  /** One query per kind of thing the readable versions name (signatures, organisations, sources, journal entries), however many versions there are. */
  private async present(id: string, viewer: Viewer): Promise<AgreementResponse> {
    const { agreement, all, versions } = await this.readable(id, viewer);
    const inForce = await this.lifecycle.inForceAmong(agreement, all, new Date());
    const signatures = await this.agreements.signatures(versions.map((v) => v.id));
    const organisations = await this.organisationsOf([agreement.cityId, ...versions.flatMap((v) => v.vendorIds), ...signatures.map((s) => s.organisationId)]);
    // Stored source ids are as the city wrote them; the database answers them in lower case.
    const sources = new Map((await this.sources.findByIds([...new Set(versions.flatMap((v) => v.sourceIds))])).map((s) => [s.id, SourceRef.from(s)]));
    const keys = await this.keysOf(signatures);
    const journal = await this.agreements.journal(versions.map(versionSubject));
    const path = viewer.kind === 'party' ? `/api/v1/organisations/${viewer.organisation.slug}/agreements` : '/api/v1/agreements';
    const presented: AgreementVersionResponse[] = [];
    for (const version of versions) {
      const own = signatures.filter((s) => s.versionId === version.id);
      const signed: SignatureResponse[] = [];
      for (const signature of own) signed.push(await this.presentSignature(signature, version, organisations, keys));
      presented.push(
        AgreementVersionResponse.from(agreement, version, {
          organisations,
          sources: version.sourceIds.flatMap((sourceId) => sources.get(sourceId.toLowerCase()) ?? []),
          signatures: signed,
          signedBy: new Set(own.map((s) => s.organisationId)),
          journal: journal.filter((j) => j.subjectId === versionSubject(version)),
          path,
        }),
      );
    }
    const inForceVersion = inForce && versions.some((v) => v.id === inForce.id) ? inForce.number : null;
    return AgreementResponse.from(agreement, organisations.get(agreement.cityId)!, inForceVersion, presented);
  }

  /** Recomputed for every response: the stored bytes, the key's public history, and its validity at receipt. */
  private async presentSignature(
    s: AgreementSignature,
    v: AgreementVersion,
    organisations: ReadonlyMap<string, Organisation>,
    keys: ReadonlyMap<string, SigningKey | null>,
  ): Promise<SignatureResponse> {
    const key = keys.get(s.kid) ?? null;
    const jws = parseDetachedJws(s.jws);
    const verifies =
      key !== null && jws !== null && v.document !== null && key.organisationId === s.organisationId && jws.header.kid === key.kid &&
      keyStatusAt(key, s.signedAt) === 'active' && (await verifyDetachedJws(jws, v.document, key.jwk, key.alg));
    return SignatureResponse.from(s, organisations.get(s.organisationId), key, jws, verifies);
  }

  /** The keys these signatures name, each read once: the signing-keys port reads a kid at a time. */
  private async keysOf(signatures: AgreementSignature[]): Promise<Map<string, SigningKey | null>> {
    const keys = new Map<string, SigningKey | null>();
    for (const kid of new Set(signatures.map((s) => s.kid))) keys.set(kid, await this.keys.findByKid(kid));
    return keys;
  }

  /** One query for the versions of every listed agreement, one for their organisations. */
  private async summaries(rows: Agreement[], viewer: Viewer): Promise<AgreementSummary[]> {
    const versions = await this.agreements.versionsOf(rows.map((a) => a.id));
    const viewerId = viewerIdOf(viewer);
    const organisations = await this.organisationsOf([...rows.map((a) => a.cityId), ...versions.flatMap((v) => v.vendorIds)]);
    return rows.flatMap((agreement) => {
      const latest = versions.filter((v) => v.agreementId === agreement.id && mayRead(agreement, v, viewerId)).pop();
      return latest ? [AgreementSummary.from(agreement, latest, organisations)] : [];
    });
  }

  private async organisationsOf(ids: string[]): Promise<Map<string, Organisation>> {
    return new Map((await this.organisations.findByIds([...new Set(ids)])).map((o) => [o.id, o]));
  }
}
