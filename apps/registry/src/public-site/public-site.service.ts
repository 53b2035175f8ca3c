import { Inject, Injectable } from '@nestjs/common';
import { RequestError, RequestErrorCode } from '../kernel/errors/request-error.js';
import type { Page } from '../kernel/paging/paging.js';
import type { LogPageQuery, SourcesPageQuery } from './public-site.dto.js';
import type { Locale } from './i18n.js';
import { type EntriesRead, type EntryInWords, JournalInWords } from './journal/journal-in-words.js';
import { type HistoryView, RecordHistory } from './history/record-history.js';
import type { JournalSubjects } from '../platform/journal/journaled-kind.js';
import { RegistryChanges } from '../platform/registry-changes/registry-changes.js';
import type { RegistryCache } from '../platform/registry-changes/registry-cache.js';
import { AgreementService, type AgreementResponse, type AgreementSummary, type AgreementVersionResponse } from '../agreements/index.js';
import { type ConformanceResponse, SourceConformance } from '../exchange/index.js';
import { OrganisationService, type OrganisationResponse } from '../organisations/index.js';
import { PrivacyRecordError, PrivacyRecordErrorCode, PrivacyRecordService, type PrivacyRecordResponse } from '../privacy-records/index.js';
import { ProposalService, type ProposalDetailResponse, type ProposalResponse } from '../proposals/index.js';
import { SourceService, type SourceResponse } from '../sources/index.js';
import { StandardError, StandardErrorCode, StandardService, type StandardDetailResponse, type StandardResponse } from '../standards/index.js';
import {
  type CheckpointResponse, JOURNAL_CHANGES, type JournalChangeFilter, type JournalChanges, parseCheckpoint, TransparencyService, type InclusionProofResponse,
} from '../transparency/index.js';

const PAGE = 50;
/** Entries on a page of the log. */
const LOG_PAGE = 50;
/** "What is near me" lists at most this many sources, nearest first, with no further page. */
const NEAREST = 50;
/** Its radius when the resident gives none, in km. */
export const DEFAULT_RADIUS_KM = 2;
/** How many pages' reads are kept at once (each for one change at most: they are shared by its renderings). */
const PAGE_READS_KEPT = 64;
/** The city filter of the sources page offers at most this many pages of cities. */
const CITY_PAGES = 10;

/** How many of each the public lists hold, counted in one query each. */
export interface HomeView {
  cities: number;
  vendors: number;
  sources: number;
  agreements: number;
  privacyRecords: number;
  standards: number;
  proposals: number;
  logSize: number;
}

/** A public record's page: what it shows, and a page of its history (its parts' too) in the reader's language. */
export interface RecordView<T> {
  record: T;
  history: HistoryView;
}

export interface SourcesView {
  page: Page<SourceResponse>;
  cities: OrganisationResponse[];
  /** "What is near me": the point asked, the radius, and each listed source's distance in metres (the list is then nearest first). */
  /** What is near a point: the nearest sources within the radius, at most `shown`, and whether more were within it. */
  near: { lat: number; lon: number; radiusKm: number; distances: Map<string, number>; shown: number; more: boolean } | null;
}

/** What a source's sign states, each fact from the registry: null where the registry holds none. */
export interface SignView {
  source: SourceResponse;
  owner: OrganisationResponse;
  /** The agreement in force that covers the source, and its version in force. */
  agreement: { id: string; version: AgreementVersionResponse } | null;
  /** The approved privacy assessment that covers it, the latest approved if several do. */
  privacyRecord: PrivacyRecordResponse | null;
}

export interface StandardRef {
  id: string;
  major: number;
  title: StandardResponse['title'] | null;
}

export interface SourceView {
  source: SourceResponse;
  owner: OrganisationResponse;
  privacyRecords: PrivacyRecordResponse[];
  agreements: AgreementSummary[];
  standards: StandardRef[];
  /** The exchange's public conformance record: events accepted, and refused by code. */
  conformance: ConformanceResponse;
}

export interface AgreementView {
  agreement: AgreementResponse;
  /** Titles of the public privacy records the versions rely on, by id. */
  privacyRecords: Map<string, PrivacyRecordResponse['title']>;
}

export interface LogEntryView {
  index: number;
  /** The entry's exact bytes, as text (RFC 8785 JSON), and the fields a reader looks for. */
  text: string;
  time: string;
  action: string;
  subject: string;
  /** The API key the change was made with and whether the operator stands behind it; null for the registry itself (and in entries older than format 2). */
  key: { prefix: string; operator: boolean } | null;
  leafHash: string;
}

export interface LogView {
  checkpoint: CheckpointResponse & { origin: string; size: number; root: string };
  /** A page of the entries the filters select, newest first, in words. */
  entries: EntryInWords[];
  /** The index the older page starts below (its `before`), or null on the last page. */
  older: number | null;
  /** The cities the filter offers. */
  cities: OrganisationResponse[];
  /** The entry asked for (`index`): its bytes, its inclusion proof, and what it says in words. */
  chosen: { entry: LogEntryView; proof: InclusionProofResponse; words: EntryInWords } | null;
}

/** What a log page reads, the same in both languages: its checkpoint, its entries and their records, its cities. */
interface LogReads {
  checkpoint: LogView['checkpoint'];
  listed: EntriesRead;
  older: number | null;
  cities: OrganisationResponse[];
  chosen: { entry: LogEntryView; proof: InclusionProofResponse; told: EntriesRead } | null;
}

/**
 * What the public pages show, read through the features' own services exactly as the public API reads it (no key,
 * so only what is public): nothing here queries the database itself, and nothing is made up. What a page reads the
 * same in both languages is read once a change (its two renderings after a change share it).
 */
@Injectable()
export class PublicSiteService {
  /** By page and arguments. */
  private readonly pageReads: RegistryCache<string, object>;
  /** The log page's, apart: it shows the log's checkpoint, so it follows the log's changes too. */
  private readonly logReads: RegistryCache<string, object>;

  constructor(
    @Inject(OrganisationService) private readonly organisations: OrganisationService,
    @Inject(SourceService) private readonly sources: SourceService,
    @Inject(AgreementService) private readonly agreements: AgreementService,
    @Inject(PrivacyRecordService) private readonly privacyRecords: PrivacyRecordService,
    @Inject(StandardService) private readonly standards: StandardService,
    @Inject(ProposalService) private readonly proposals: ProposalService,
    @Inject(TransparencyService) private readonly log: TransparencyService,
    @Inject(SourceConformance) private readonly conformance: SourceConformance,
    @Inject(JOURNAL_CHANGES) private readonly journal: JournalChanges,
    @Inject(JournalInWords) private readonly words: JournalInWords,
    @Inject(RecordHistory) private readonly history: RecordHistory,
    @Inject(RegistryChanges) changes: RegistryChanges,
  ) {
    this.pageReads = changes.cache(PAGE_READS_KEPT);
    this.logReads = changes.cache(PAGE_READS_KEPT, undefined, undefined, true);
  }

  /** What a page reads for these arguments (never its language), read once a change for its renderings in both. */
  private shared<T extends object>(page: string, args: unknown, read: () => Promise<T>, cache = this.pageReads): Promise<T> {
    return cache.get(`${page}\n${JSON.stringify(args)}`, read) as Promise<T>;
  }

  home(): Promise<HomeView> {
    return this.shared('home', null, () => this.count());
  }

  private async count(): Promise<HomeView> {
    const [cities, vendors, sources, agreements, privacyRecords, standards, proposals, logSize] = await Promise.all([
      this.organisations.count('city'),
      this.organisations.count('vendor'),
      this.sources.count(),
      this.agreements.count(),
      this.privacyRecords.countPublic(),
      this.standards.count(),
      this.proposals.count(),
      this.log.size(),
    ]);
    return { cities, vendors, sources, agreements, privacyRecords, standards, proposals, logSize };
  }

  /** The sources page; filtered by a city, it is that city's page, with the city and its own history (from `query.history`). */
  async sourceList(query: SourcesPageQuery, locale: Locale): Promise<{ list: SourcesView; city: { record: OrganisationResponse; history: HistoryView } | null }> {
    const { lang: _lang, history: _history, ...args } = query;
    const list = await this.shared('sources', args, () => this.readSources(query));
    const city = list.cities.find((c) => c.slug === query.city);
    return { list, city: city ? { record: city, history: await this.historyOf([{ subjectType: 'organisation', subjectIds: [city.id] }], locale, query.history) } : null };
  }

  /** A page of these records' history, newest first, from the entry `before` (the latest when absent). */
  private historyOf(subjects: readonly JournalSubjects[], locale: Locale, before: number | undefined): Promise<HistoryView> {
    return this.history.of(subjects, locale, before ?? null);
  }

  private async readSources(query: SourcesPageQuery): Promise<SourcesView> {
    const filters = { city: query.city, kind: query.kind, status: query.status, personalInformation: query.personalInformation, bbox: query.bbox };
    if ((query.lat === undefined) !== (query.lon === undefined) || (query.radius !== undefined && query.lat === undefined)) {
      throw new RequestError(RequestErrorCode.Invalid, 'What is near a point needs both its latitude and its longitude (and a radius only with them).');
    }
    if (query.lat !== undefined && query.lon !== undefined) {
      const point = { lat: query.lat, lon: query.lon };
      const radiusKm = query.radius ?? DEFAULT_RADIUS_KM;
      // One more than is shown, to say so when the radius holds more.
      const [nearest, cities] = await Promise.all([this.sources.nearest(point, radiusKm * 1000, { ...filters, limit: NEAREST + 1 }, NEAREST + 1), this.allCities()]);
      const found = nearest.slice(0, NEAREST);
      const page = { items: found.map((f) => f.source), nextCursor: null };
      const distances = new Map(found.map((f) => [f.source.id, f.distanceM]));
      return { page, cities, near: { ...point, radiusKm, distances, shown: NEAREST, more: nearest.length > NEAREST } };
    }
    const [page, cities] = await Promise.all([this.sources.list({ ...filters, cursor: query.cursor, limit: PAGE }), this.allCities()]);
    return { page, cities, near: null };
  }

  /**
   * The facts of a source's sign, read as its page reads them: the agreement in force over it (an agreement listed as
   * active whose version in force covers it) and the latest approved privacy assessment that covers it.
   */
  sign(id: string): Promise<SignView> {
    return this.shared('sign', id, () => this.readSign(id));
  }

  private async readSign(id: string): Promise<SignView> {
    const source = await this.sources.get(id);
    const [owner, records, agreements] = await Promise.all([
      this.organisations.get(source.owner.slug),
      this.privacyRecords.list(undefined, { source: id, limit: 100 }),
      this.agreements.list({ source: id, limit: 100 }),
    ]);
    const privacyRecord = records.items
      .filter((r) => r.status === 'approved')
      .sort((a, b) => (b.decidedAt ?? '').localeCompare(a.decidedAt ?? ''))[0] ?? null;
    let agreement: SignView['agreement'] = null;
    for (const summary of agreements.items.filter((a) => a.status === 'active')) {
      const full = await this.agreements.get(summary.id);
      const version = full.versions.find((v) => v.number === full.inForceVersion && v.sources.some((s) => s.id === id));
      if (version) {
        agreement = { id: full.id, version };
        break;
      }
    }
    return { source, owner, agreement, privacyRecord };
  }

  async source(id: string, locale: Locale, history?: number): Promise<RecordView<SourceView>> {
    const record = await this.shared('source', id, () => this.readSource(id));
    return { record, history: await this.historyOf([{ subjectType: 'source', subjectIds: [record.source.id] }], locale, history) };
  }

  private async readSource(id: string): Promise<SourceView> {
    const source = await this.sources.get(id);
    const [owner, privacyRecords, agreements, standards, conformance] = await Promise.all([
      this.organisations.get(source.owner.slug),
      this.privacyRecords.list(undefined, { source: id, limit: 100 }),
      this.agreements.list({ source: id, limit: 100 }),
      Promise.all(source.standards.map(async ({ standard, major }) => ({ id: standard, major, title: (await this.standardOrNull(standard))?.title ?? null }))),
      this.conformance.of(id),
    ]);
    return { source, owner, privacyRecords: privacyRecords.items, agreements: agreements.items, standards, conformance };
  }

  agreementList(cursor: string | undefined): Promise<Page<AgreementSummary>> {
    return this.shared('agreements', cursor, () => this.agreements.list({ cursor, limit: PAGE }));
  }

  /** An agreement's page, with the history of all its versions. */
  async agreement(id: string, locale: Locale, history?: number): Promise<RecordView<AgreementView>> {
    const record = await this.shared('agreement', id, () => this.readAgreement(id));
    const versions = record.agreement.versions.map((v) => `${record.agreement.id}/${v.number}`);
    return { record, history: await this.historyOf([{ subjectType: 'agreement-version', subjectIds: versions }], locale, history) };
  }

  private async readAgreement(id: string): Promise<AgreementView> {
    const agreement = await this.agreements.get(id);
    const ids = [...new Set(agreement.versions.flatMap((v) => v.privacyRecords))];
    const records = await Promise.all(ids.map((recordId) => this.privacyRecords.get(undefined, recordId).catch(ignoreNotFound)));
    return { agreement, privacyRecords: new Map(records.filter((r) => r !== null).map((r) => [r.id, r.title])) };
  }

  privacyRecordList(cursor: string | undefined): Promise<Page<PrivacyRecordResponse>> {
    return this.shared('privacy-records', cursor, () => this.privacyRecords.list(undefined, { cursor, limit: PAGE }));
  }

  async privacyRecord(id: string, locale: Locale, history?: number): Promise<RecordView<PrivacyRecordResponse>> {
    const record = await this.shared('privacy-record', id, () => this.privacyRecords.get(undefined, id));
    return { record, history: await this.historyOf([{ subjectType: 'privacy-record', subjectIds: [record.id] }], locale, history) };
  }

  /** Every standard with its versions (the catalogue is small: a few dozen at most). */
  standardList(): Promise<StandardDetailResponse[]> {
    return this.shared('standards', null, () => this.readStandards());
  }

  private async readStandards(): Promise<StandardDetailResponse[]> {
    const all: StandardResponse[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.standards.list({ limit: 100, cursor });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return Promise.all(all.map((s) => this.standards.get(s.id)));
  }

  /** A standard's page, with its versions' history beside its own. */
  async standard(id: string, locale: Locale, history?: number): Promise<RecordView<StandardDetailResponse>> {
    const { record, subjects } = await this.shared('standard', id, () => this.standards.withHistory(id));
    return { record, history: await this.historyOf(subjects, locale, history) };
  }

  proposalList(cursor: string | undefined): Promise<Page<ProposalResponse>> {
    return this.shared('proposals', cursor, () => this.proposals.list({ cursor, limit: PAGE }));
  }

  /** A proposal's page, with its reviews' and votes' history beside its own. */
  async proposal(number: number, locale: Locale, history?: number): Promise<RecordView<ProposalDetailResponse>> {
    const { record, subjects } = await this.shared('proposal', number, () => this.proposals.withHistory(number));
    return { record, history: await this.historyOf(subjects, locale, history) };
  }

  /**
   * The latest checkpoint; a page of the journal's entries (newest first, filtered by organisation, kind and days, keyed
   * on the index so a reader paging back sees each entry once) in words; and the chosen entry with its inclusion proof
   * against that checkpoint.
   */
  async logPage(query: LogPageQuery, locale: Locale): Promise<LogView> {
    const { lang: _lang, ...args } = query;
    const { checkpoint, listed, older, cities, chosen } = await this.shared('log', args, () => this.readLog(query), this.logReads);
    const entries = this.words.word(listed, locale);
    return { checkpoint, entries, older, cities, chosen: chosen && { entry: chosen.entry, proof: chosen.proof, words: this.words.word(chosen.told, locale)[0]! } };
  }

  private async readLog(query: LogPageQuery): Promise<LogReads> {
    const { index } = query;
    const filter = await this.logFilter(query);
    const signed = await this.log.checkpoint();
    const checkpoint = { ...signed, ...parseCheckpoint(signed.body) };
    const { size } = checkpoint;
    // Entries appended after the checkpoint wait for the next one, so every entry listed is in the log shown.
    const [rows, cities] = await Promise.all([this.journal.latest(filter, Math.min(query.before ?? size, size), LOG_PAGE + 1), this.allCities()]);
    const onPage = rows.slice(0, LOG_PAGE);
    const older = rows.length > LOG_PAGE ? onPage.at(-1)!.index : null;
    if (index === undefined || index >= size) return { checkpoint, listed: await this.words.read(onPage), older, cities, chosen: null };
    const [[entry], proof, change] = await Promise.all([
      this.log.entries({ start: index, end: index + 1 }).then((r) => r.entries), this.log.inclusion({ index, size }), this.journal.latest({}, index + 1, 1),
    ]);
    const [listed, told] = await Promise.all([this.words.read(onPage), this.words.read(change)]);
    return { checkpoint, listed, older, cities, chosen: { entry: entryView(entry!), proof, told } };
  }

  /** The journal filter a log page's query asks for: a city it names must exist (a 404 page otherwise), and its days must be in order. */
  private async logFilter(query: LogPageQuery): Promise<JournalChangeFilter> {
    if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
      throw new RequestError(RequestErrorCode.Invalid, 'The first day of the log\'s entries (from) must not be after the last (to).');
    }
    const day = (iso: string, days = 0) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000);
    return {
      organisationId: query.city === undefined ? undefined : (await this.organisations.get(query.city)).id,
      subjectType: query.kind,
      from: query.from === undefined ? undefined : day(query.from),
      until: query.to === undefined ? undefined : day(query.to, 1),
    };
  }

  private async allCities(): Promise<OrganisationResponse[]> {
    const cities: OrganisationResponse[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < CITY_PAGES; pages++) {
      const page = await this.organisations.list({ kind: 'city', limit: 100, cursor });
      cities.push(...page.items);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return cities;
  }

  private async standardOrNull(id: string): Promise<StandardDetailResponse | null> {
    try {
      return await this.standards.get(id);
    } catch (error) {
      // A source may name a standard the registry does not hold (yet): the page shows the id alone.
      if (error instanceof StandardError && error.code === StandardErrorCode.NotFound) return null;
      throw error;
    }
  }
}

/** A record another page links to may not be public (a privacy record not yet approved): it is left out, not an error. */
function ignoreNotFound(error: unknown): null {
  if (error instanceof PrivacyRecordError && error.code === PrivacyRecordErrorCode.NotFound) return null;
  throw error;
}

function entryView(served: { index: number; entry: string; leafHash: string }): LogEntryView {
  const text = Buffer.from(served.entry, 'base64').toString('utf8');
  const fields = JSON.parse(text) as { time: string; action: string; subject: { type: string; id: string }; key?: { prefix: string; operator: boolean } | null };
  const key = fields.key ? { prefix: fields.key.prefix, operator: fields.key.operator } : null;
  return { index: served.index, text, time: fields.time, action: fields.action, subject: `${fields.subject.type} ${fields.subject.id}`, key, leafHash: served.leafHash };
}
