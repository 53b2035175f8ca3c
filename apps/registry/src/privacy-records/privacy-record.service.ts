import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import type { Page } from '../kernel/paging/paging.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { notFound, readsPrivately, requireDraft } from './privacy-record-access.js';
import { recordPrivacyRecord } from './privacy-record-journal.js';
import { PrivacyRecordReferences } from './privacy-record-references.js';
import { reviewDateAhead } from './privacy-record-status.js';
import {
  CoveredSourceResponse, type CreatePrivacyRecordDto, type ListPrivacyRecordsQuery, PrivacyRecordDetailResponse, PrivacyRecordResponse,
  type UpdatePrivacyRecordDto,
} from './privacy-record.dto.js';
import type { PrivacyRecord } from './privacy-record.entity.js';
import { PrivacyRecordError, PrivacyRecordErrorCode } from './privacy-record-error.js';
import { type PrivacyRecordFilter, PrivacyRecordRepository } from './privacy-record.repository.js';
import { type Organisation, ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';
import { SOURCE_DIRECTORY, type SourceDirectory } from '../sources/index.js';

/** Privacy impact records: opening, editing drafts and reading. The decisive steps are use cases of their own. */
@Injectable()
export class PrivacyRecordService {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(PrivacyRecordRepository) private readonly records: PrivacyRecordRepository,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
    @Inject(PrivacyRecordReferences) private readonly references: PrivacyRecordReferences,
    @Inject(SOURCE_DIRECTORY) private readonly sources: SourceDirectory,
  ) {}

  async create(principal: Principal, dto: CreatePrivacyRecordDto): Promise<PrivacyRecordDetailResponse> {
    requireReviewDateAhead(dto.nextReviewDate);
    const record = await this.uow.run(actorOf(principal), async (tx) => {
      await this.references.require(principal.organisationId, { sourceIds: dto.sourceIds, agreementIds: dto.agreementIds ?? [] }, tx.manager);
      const created = await this.records.insert(
        {
          ...dto, agreementIds: dto.agreementIds ?? [], organisationId: principal.organisationId, authorMemberId: principal.memberId,
          contributorMemberIds: [principal.memberId], status: 'draft', submittedAt: null, decidedAt: null, decidedByMemberId: null, deciderRoleSince: null,
          rejectionReason: null, expiredAt: null,
        },
        tx.manager,
      );
      recordPrivacyRecord(tx, 'privacy-record.opened', created);
      return created;
    });
    return this.get(principal, record.id) as Promise<PrivacyRecordDetailResponse>;
  }

  async update(principal: Principal, id: string, dto: UpdatePrivacyRecordDto): Promise<PrivacyRecordDetailResponse> {
    if (dto.nextReviewDate !== undefined) requireReviewDateAhead(dto.nextReviewDate);
    await this.uow.run(actorOf(principal), async (tx) => {
      const record = await this.records.findOwnedForUpdate(principal.organisationId, id, tx.manager);
      if (!record) throw notFound(id);
      requireDraft(record);
      Object.assign(record, dto);
      await this.references.require(principal.organisationId, record, tx.manager);
      if (!record.contributorMemberIds.includes(principal.memberId)) record.contributorMemberIds = [...record.contributorMemberIds, principal.memberId];
      await this.records.save(record, tx.manager);
      recordPrivacyRecord(tx, 'privacy-record.edited', record);
    });
    return this.get(principal, id) as Promise<PrivacyRecordDetailResponse>;
  }

  /** The public part of an approved or expired record, or the whole record for its city's members; anything else is a 404. */
  async get(principal: Principal | undefined, id: string): Promise<PrivacyRecordResponse | PrivacyRecordDetailResponse> {
    const record = await this.records.findById(id);
    if (!record) throw notFound(id);
    const full = readsPrivately(principal, record.organisationId);
    if (!full && record.status !== 'approved' && record.status !== 'expired') throw notFound(id);
    return (await this.present([record], principal))[0]!;
  }

  async list(principal: Principal | undefined, query: ListPrivacyRecordsQuery): Promise<Page<PrivacyRecordResponse>> {
    const filter: PrivacyRecordFilter = { status: query.status, sourceId: query.source };
    if (principal && readsPrivately(principal, principal.organisationId)) filter.privateTo = principal.organisationId;
    if (query.city) {
      const city = await this.organisations.findByReference(query.city);
      if (!city) return { items: [], nextCursor: null };
      filter.organisationId = city.id;
    }
    const { rows, nextCursor } = await this.records.list(filter, query, new Date());
    return { items: await this.present(rows, principal), nextCursor };
  }

  /** The public records covering each of these sources (at most `limit` a source), as (source, record) pairs. */
  publicCovering(sourceIds: string[], limit: number): Promise<{ sourceId: string; id: string }[]> {
    return this.records.publicCovering(sourceIds, limit);
  }

  /** How many records the list shows to anyone without a key, unfiltered. */
  countPublic(): Promise<number> {
    return this.records.count({}, new Date());
  }

  private async present(rows: PrivacyRecord[], principal: Principal | undefined): Promise<PrivacyRecordResponse[]> {
    const now = new Date();
    const cities = new Map<string, Organisation>((await this.organisations.findByIds([...new Set(rows.map((r) => r.organisationId))])).map((o) => [o.id, o]));
    const sources = new Map((await this.sources.findByIds([...new Set(rows.flatMap((r) => r.sourceIds))])).map((s) => [s.id, CoveredSourceResponse.from(s)]));
    return rows.map((r) => {
      const city = cities.get(r.organisationId)!;
      const base = PrivacyRecordResponse.from(r, { slug: city.slug, name: city.name }, city.privacyContact, r.sourceIds.map((id) => sources.get(id)!).filter(Boolean), now);
      return readsPrivately(principal, r.organisationId) ? PrivacyRecordDetailResponse.full(r, base) : base;
    });
  }
}

function requireReviewDateAhead(nextReviewDate: string): void {
  if (!reviewDateAhead(nextReviewDate, new Date())) {
    throw new PrivacyRecordError(PrivacyRecordErrorCode.ReviewDateNotAhead, `nextReviewDate ${nextReviewDate} is not after today (UTC).`, {
      errors: [{ pointer: '#/nextReviewDate', detail: 'must be after today (UTC)' }],
    });
  }
}
