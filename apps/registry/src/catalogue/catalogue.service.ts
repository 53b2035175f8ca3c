import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { AgreementService } from '../agreements/index.js';
import { ORGANISATION_DIRECTORY, type Organisation, type OrganisationDirectory } from '../organisations/index.js';
import { PrivacyRecordService } from '../privacy-records/index.js';
import { SOURCE_DIRECTORY, type SourceDirectory } from '../sources/index.js';
import { STANDARD_DIRECTORY, type StandardDirectory } from '../standards/index.js';
import { type CatalogueDataset, catalogueGraph, type CatalogueSettings } from './catalogue-graph.js';
import { type CatalogueMediaType, serialise } from './catalogue-formats.js';
import { CatalogueError, CatalogueErrorCode } from './catalogue-error.js';
import { CATALOGUE_PAGE_SIZE, type CatalogueQuery } from './catalogue.dto.js';

/** How many public privacy records and agreements of a source the catalogue links, at most. */
const LINKED = 100;

/**
 * The open-data catalogue: the registry's sources as DCAT-AP 3 datasets, a page at a time. A harvest is pinned to the
 * journal size its first page saw, and pages are keyed on the order sources were registered in, so a source registered
 * during a harvest neither shifts a page nor appears twice: the next harvest finds it.
 */
@Injectable()
export class CatalogueService {
  private readonly settings: CatalogueSettings;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(UnitOfWork) private readonly journal: UnitOfWork,
    @Inject(SOURCE_DIRECTORY) private readonly sources: SourceDirectory,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
    @Inject(STANDARD_DIRECTORY) private readonly standards: StandardDirectory,
    @Inject(PrivacyRecordService) private readonly privacyRecords: PrivacyRecordService,
    @Inject(AgreementService) private readonly agreements: AgreementService,
  ) {
    this.settings = { publicUrl: config.publicUrl, operatorName: config.operatorName, operatorUrl: config.operatorUrl, defaultLicence: config.defaultLicence };
  }

  /** The page `query` asks for, at `path` (the URL its links keep), in `mediaType`. */
  async page(query: CatalogueQuery, path: string, mediaType: CatalogueMediaType): Promise<string> {
    const size = await this.journal.size();
    const pin = query.pin ?? size;
    if (pin > size) throw new CatalogueError(CatalogueErrorCode.PinBeyondJournal, `pin ${pin} is beyond the journal's ${size} entries: follow the catalogue's own links.`);
    if (query.after !== undefined && (query.pin === undefined || query.after >= query.pin)) {
      throw new CatalogueError(CatalogueErrorCode.InvalidPosition, 'after must come with the pin of its harvest and be below it: follow the catalogue\'s own links.');
    }
    const city = query.city === undefined ? null : await this.city(query.city);
    const limit = query.limit ?? CATALOGUE_PAGE_SIZE;
    const [slice, total] = await Promise.all([
      this.sources.registeredBetween(query.after ?? -1, pin, limit + 1, city?.id),
      this.sources.countRegisteredBefore(pin, city?.id),
    ]);
    const onPage = slice.slice(0, limit);
    const datasets = await this.datasets(onPage.map((s) => s.id));
    const link = (after?: number) => {
      const params = new URLSearchParams();
      if (city) params.set('city', city.slug);
      params.set('pin', String(pin));
      if (after !== undefined) params.set('after', String(after));
      if (query.limit !== undefined) params.set('limit', String(limit));
      return `${this.settings.publicUrl}${path}?${params}`;
    };
    const cities = new Map(datasets.map((d) => [d.owner.id, d.owner]));
    const quads = catalogueGraph(
      {
        city, cities: [...cities.values()], datasets, total, limit,
        pageUrl: link(query.after), firstUrl: link(), nextUrl: slice.length > limit ? link(onPage.at(-1)!.registeredAt) : null,
      },
      this.settings,
    );
    return serialise(quads, mediaType);
  }

  private async city(slug: string): Promise<Organisation> {
    const city = await this.organisations.findByReference(slug);
    if (!city || city.kind !== 'city') throw new CatalogueError(CatalogueErrorCode.UnknownCity, `There is no city "${slug}" in this registry.`);
    return city;
  }

  /** The sources with these ids, in this order, with what the catalogue says of each. */
  private async datasets(ids: string[]): Promise<CatalogueDataset[]> {
    const [rows, lives, privacyRecords, agreements] = await Promise.all([
      this.sources.findByIds(ids),
      this.sources.lives(ids),
      this.privacyRecords.publicCovering(ids, LINKED).then(bySource),
      this.agreements.publicCovering(ids, LINKED).then(bySource),
    ]);
    const owners = new Map((await this.organisations.findByIds([...new Set(rows.map((s) => s.ownerId))])).map((o) => [o.id, o]));
    const schemaUris = new Map<string, Promise<string[]>>();
    const urisOf = (standard: string, major: number) => {
      const key = `${standard}@${major}`;
      if (!schemaUris.has(key)) schemaUris.set(key, this.standards.versionsOfMajor(standard, major).then((versions) => versions.map((v) => v.schemaUri)));
      return schemaUris.get(key)!;
    };
    const byId = new Map(rows.map((s) => [s.id, s]));
    return Promise.all(
      ids.map(async (id) => {
        const source = byId.get(id)!;
        const uris = await Promise.all(source.standards.map(({ standard, major }) => urisOf(standard, major)));
        return {
          source, owner: owners.get(source.ownerId)!, life: lives.get(id)!, schemaUris: uris.flat(),
          privacyRecords: privacyRecords.get(id) ?? [], agreements: agreements.get(id) ?? [],
        };
      }),
    );
  }
}

/** (source, record) pairs as each source's record ids. */
function bySource(pairs: { sourceId: string; id: string }[]): Map<string, string[]> {
  const ids = new Map<string, string[]>();
  for (const { sourceId, id } of pairs) ids.set(sourceId, [...(ids.get(sourceId) ?? []), id]);
  return ids;
}
