import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { isUniqueViolation } from '../kernel/errors/unique-violation.js';
import { RequestError, RequestErrorCode } from '../kernel/errors/request-error.js';
import type { Page } from '../kernel/paging/paging.js';
import { type Transaction, UnitOfWork } from '../platform/journal/unit-of-work.js';
import { PRIVACY_COVERAGE, type PrivacyCoverage } from './privacy-coverage.js';
import { boxAround, type BoundingBox, type Geometry, parseGeometry } from './geojson.js';
import { canTransition, SOURCE_TRANSITIONS } from './source-status.js';
import type { Source } from './source.entity.js';
import { SourceError, SourceErrorCode } from './source-error.js';
import { organisationRef as ref, recordSource as record } from './source-record.js';
import { type SourceFilter, SourceRepository } from './source.repository.js';
import { type ChangeSourceStatusDto, type CreateSourceDto, type ListSourcesQuery, SourceResponse, type UpdateSourceDto } from './source.dto.js';
import { type Organisation, ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';

const DEFAULT_RADIUS_M = 500;

@Injectable()
export class SourceService {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(SourceRepository) private readonly sources: SourceRepository,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
    @Inject(PRIVACY_COVERAGE) private readonly privacy: PrivacyCoverage,
  ) {}

  async create(principal: Principal, dto: CreateSourceDto): Promise<SourceResponse> {
    const { geometry, bbox } = location(dto.location);
    const owner = await this.organisations.findById(principal.organisationId);
    const operator = await this.operatorFor(owner!, dto.operator);
    try {
      const source = await this.uow.run(actorOf(principal), async (tx) => {
        if (await this.sources.ceSourceTaken(dto.ceSource, tx.manager)) throw ceSourceTaken(dto.ceSource);
        const { location: _raw, operator: _slug, ...fields } = dto;
        const created = await this.sources.insert(
          {
            ...fields, ownerId: owner!.id, operatorId: operator.id, location: geometry, ...bbox, licence: dto.licence ?? null,
            standards: dto.standards.map(({ standard, major }) => ({ standard, major })),
            status: 'planned', statusReason: null, statusChangedAt: new Date(), privacyFlaggedAt: null, privacyFlagReason: null, privacyFlagRecordId: null, searchText: searchText(dto.name, dto.description, dto.ceSource),
          },
          tx.manager,
        );
        record(tx, 'source.created', created, owner!, operator);
        return created;
      });
      return SourceResponse.from(source, ref(owner!), ref(operator));
    } catch (error) {
      throw isUniqueViolation(error) ? ceSourceTaken(dto.ceSource) : error;
    }
  }

  async update(principal: Principal, id: string, dto: UpdateSourceDto): Promise<SourceResponse> {
    const owner = await this.organisations.findById(principal.organisationId);
    const parsed = dto.location !== undefined ? location(dto.location) : undefined;
    const newOperator = dto.operator !== undefined ? await this.operatorFor(owner!, dto.operator) : undefined;
    let operator: Organisation | undefined = newOperator;
    const source = await this.uow.run(actorOf(principal), async (tx) => {
      const current = await this.owned(principal, id, tx);
      if (current.status === 'retired') throw new SourceError(SourceErrorCode.RetiredIsFinal, 'A retired source is kept as it was; register a new one.');
      // A source that is active and starts collecting personal information must already be covered.
      if (dto.personalInformation === true && !current.personalInformation && current.status === 'active') await this.requirePrivacyRecord(current, tx);
      const { location: _raw, operator: _slug, ...fields } = dto;
      Object.assign(current, fields);
      if (parsed) Object.assign(current, { location: parsed.geometry, ...parsed.bbox });
      if (newOperator) current.operatorId = newOperator.id;
      current.searchText = searchText(current.name, current.description, current.ceSource);
      await this.sources.save(current, tx.manager);
      operator ??= (await this.organisations.findById(current.operatorId, tx.manager))!;
      record(tx, 'source.updated', current, owner!, operator);
      return current;
    });
    return SourceResponse.from(source, ref(owner!), ref(operator!));
  }

  async changeStatus(principal: Principal, id: string, dto: ChangeSourceStatusDto): Promise<SourceResponse> {
    const owner = await this.organisations.findById(principal.organisationId);
    let operator: Organisation | undefined;
    const source = await this.uow.run(actorOf(principal), async (tx) => {
      const current = await this.owned(principal, id, tx);
      if (!canTransition(current.status, dto.status)) {
        const allowed = SOURCE_TRANSITIONS[current.status];
        throw new SourceError(
          SourceErrorCode.InvalidTransition,
          `A ${current.status} source cannot become ${dto.status}; ${allowed.length ? `it can become ${allowed.join(' or ')}` : 'retired is final'}.`,
        );
      }
      if (dto.status === 'active' && current.personalInformation) await this.requirePrivacyRecord(current, tx);
      Object.assign(current, { status: dto.status, statusReason: dto.reason ?? null, statusChangedAt: new Date() });
      await this.sources.save(current, tx.manager);
      operator = (await this.organisations.findById(current.operatorId, tx.manager))!;
      record(tx, `source.${dto.status}`, current, owner!, operator);
      return current;
    });
    return SourceResponse.from(source, ref(owner!), ref(operator!));
  }

  async get(id: string): Promise<SourceResponse> {
    const source = await this.sources.findById(id);
    if (!source) throw notFound(id);
    return (await this.present([source]))[0]!;
  }

  async list(query: ListSourcesQuery): Promise<Page<SourceResponse>> {
    const filter = await this.filterOf(query);
    if (!filter) return { items: [], nextCursor: null };
    const { rows, nextCursor } = await this.sources.list(filter, query);
    return { items: await this.present(rows), nextCursor };
  }

  /**
   * The sources within `radiusM` metres of a point that also match the list's filters, nearest first, each with its
   * distance: at most `limit`, no further page.
   */
  async nearest(point: { lat: number; lon: number }, radiusM: number, query: ListSourcesQuery, limit: number): Promise<{ source: SourceResponse; distanceM: number }[]> {
    if (point.lat < -90 || point.lat > 90 || point.lon < -180 || point.lon > 180) {
      throw new RequestError(RequestErrorCode.Invalid, 'The latitude must be within -90..90 and the longitude within -180..180.');
    }
    const filter = await this.filterOf(query);
    if (!filter) return [];
    const found = await this.sources.nearest(point, radiusM, filter, limit);
    const presented = await this.present(found.map((f) => f.source));
    return presented.map((source, i) => ({ source, distanceM: found[i]!.distanceM }));
  }

  /** The repository's filter for a list query; null when it names a city the registry does not hold. */
  private async filterOf(query: ListSourcesQuery): Promise<SourceFilter | null> {
    const filter: SourceFilter = { kind: query.kind, status: query.status, personalInformation: query.personalInformation, text: query.q };
    if (query.city) {
      const city = await this.organisations.findByReference(query.city);
      if (!city) return null;
      filter.ownerId = city.id;
    }
    if (query.standard) {
      const [standard, major] = query.standard.split('@');
      filter.standard = major === undefined ? { standard: standard! } : { standard: standard!, major: Number(major) };
    }
    filter.box = boundingBox(query);
    return filter;
  }

  /** How many sources the public list holds, unfiltered. */
  count(): Promise<number> {
    return this.sources.count({});
  }

  /** A source that collects personal information is active only under an approved privacy impact record in force now. */
  private async requirePrivacyRecord(source: Source, tx: Transaction): Promise<void> {
    if (!(await this.privacy.sourceCovered(source.id, new Date(), tx.manager))) throw privacyRecordRequired();
  }

  private async owned(principal: Principal, id: string, tx: Transaction): Promise<Source> {
    const source = await this.sources.findOwnedForUpdate(principal.organisationId, id, tx.manager);
    if (!source) throw notFound(id);
    return source;
  }

  private async operatorFor(owner: Organisation, slug: string | undefined): Promise<Organisation> {
    if (slug === undefined || slug === owner.slug) return owner;
    const operator = await this.organisations.findBySlug(slug);
    if (!operator || operator.kind !== 'vendor') {
      throw new SourceError(SourceErrorCode.InvalidOperator, `operator must be the owning city or a registered vendor; "${slug}" is neither.`);
    }
    return operator;
  }

  private async present(rows: Source[]): Promise<SourceResponse[]> {
    const ids = [...new Set(rows.flatMap((s) => [s.ownerId, s.operatorId]))];
    const byId = new Map((await this.organisations.findByIds(ids)).map((o) => [o.id, ref(o)]));
    return rows.map((s) => SourceResponse.from(s, byId.get(s.ownerId)!, byId.get(s.operatorId)!));
  }
}

function location(input: Record<string, unknown>): { geometry: Geometry; bbox: BoundingBox } {
  const parsed = parseGeometry(input);
  if ('problems' in parsed) {
    throw new SourceError(SourceErrorCode.InvalidLocation, parsed.problems.join('; '), {
      errors: parsed.problems.map((detail) => ({ pointer: '#/location', detail })),
    });
  }
  return parsed;
}

function boundingBox(query: ListSourcesQuery): BoundingBox | undefined {
  if (query.bbox && query.near) throw new RequestError(RequestErrorCode.Invalid, 'Use bbox or near, not both.');
  if (query.bbox) {
    const [minLon, minLat, maxLon, maxLat] = query.bbox as [number, number, number, number];
    const inRange = [minLon, maxLon].every((v) => v >= -180 && v <= 180) && [minLat, maxLat].every((v) => v >= -90 && v <= 90);
    if (!inRange || minLon > maxLon || minLat > maxLat) {
      throw new RequestError(RequestErrorCode.Invalid, 'bbox must be minLon,minLat,maxLon,maxLat within -180..180 and -90..90, minimum first.');
    }
    return { minLon, minLat, maxLon, maxLat };
  }
  if (query.near) {
    const [lon, lat] = query.near as [number, number];
    if (lon < -180 || lon > 180 || lat < -90 || lat > 90) throw new RequestError(RequestErrorCode.Invalid, 'near must be lon,lat within -180..180 and -90..90.');
    return boxAround(lon, lat, query.radius ?? DEFAULT_RADIUS_M);
  }
  if (query.radius !== undefined) throw new RequestError(RequestErrorCode.Invalid, 'radius needs near.');
  return undefined;
}

function searchText(name: { en: string; fr: string }, description: { en: string; fr: string }, ceSource: string): string {
  return [name.en, name.fr, description.en, description.fr, ceSource].join('\n').toLowerCase();
}

function notFound(id: string): SourceError {
  return new SourceError(SourceErrorCode.NotFound, `There is no data source ${id}.`);
}

function ceSourceTaken(ceSource: string): SourceError {
  return new SourceError(SourceErrorCode.CeSourceTaken, `The CloudEvents source "${ceSource}" is already registered.`);
}

function privacyRecordRequired(): SourceError {
  return new SourceError(SourceErrorCode.PrivacyRecordRequired, 'This source collects personal information: it needs an approved, unexpired privacy impact record covering it before it can be active.');
}
