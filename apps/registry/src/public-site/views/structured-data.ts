import { type Html, jsonLd } from '../html.js';
import type { Locale } from '../i18n.js';
import type { SourceView } from '../public-site.service.js';
import type { SourceResponse } from '../../sources/index.js';

/** What structured data needs of the registry: where it is published, by whom, and the licence of a source naming none. */
export interface SiteFacts {
  publicUrl: string;
  operatorName: string;
  defaultLicence: string;
}

const SCHEMA = 'https://schema.org';

/** A location's extent as schema.org reads it: a point's coordinates, or a box ("lat lon lat lon", lower corner first). */
function place(location: SourceResponse['location']): object {
  const points: number[][] = [];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') points.push(c as number[]);
    else if (Array.isArray(c)) c.forEach(walk);
  };
  walk((location as { coordinates: unknown }).coordinates);
  const lons = points.map((p) => p[0]!);
  const lats = points.map((p) => p[1]!);
  const geo = points.length === 1
    ? { '@type': 'GeoCoordinates', longitude: lons[0], latitude: lats[0] }
    : { '@type': 'GeoShape', box: `${Math.min(...lats)} ${Math.min(...lons)} ${Math.max(...lats)} ${Math.max(...lons)}` };
  return { '@type': 'Place', geo };
}

/** The schema.org Dataset of a source page: the fields Google Dataset Search reads, in the page's language. */
export function datasetStructuredData(locale: Locale, view: SourceView, site: SiteFacts): Html {
  const { source, owner } = view;
  const url = `${site.publicUrl}/sources/${source.id}`;
  const publisher = { '@type': 'Organization', name: locale.text(owner.name), url: `${site.publicUrl}/sources?city=${owner.slug}` };
  return jsonLd({
    '@context': SCHEMA,
    '@type': 'Dataset',
    '@id': url,
    url,
    identifier: url,
    name: locale.text(source.name),
    description: locale.text(source.description),
    inLanguage: locale.lang,
    keywords: source.measures.map((m) => locale.text(m)),
    variableMeasured: source.measures.map((m) => locale.text(m)),
    measurementTechnique: locale.t.technology[source.technology] ?? source.technology,
    license: source.licence ?? site.defaultLicence,
    creator: publisher,
    publisher,
    dateCreated: source.createdAt,
    dateModified: source.updatedAt,
    spatialCoverage: place(source.location),
    includedInDataCatalog: { '@type': 'DataCatalog', name: locale.t.siteName, url: `${site.publicUrl}/sources` },
  });
}

/** The schema.org DataCatalog of the sources list, naming the datasets on the page. */
export function catalogStructuredData(locale: Locale, sources: SourceResponse[], site: SiteFacts): Html {
  return jsonLd({
    '@context': SCHEMA,
    '@type': 'DataCatalog',
    '@id': `${site.publicUrl}/sources`,
    url: `${site.publicUrl}/sources`,
    name: locale.t.siteName,
    description: locale.t.sourcesTitle,
    inLanguage: locale.lang,
    publisher: { '@type': 'Organization', name: site.operatorName },
    dataset: sources.map((s) => ({ '@type': 'Dataset', '@id': `${site.publicUrl}/sources/${s.id}`, url: `${site.publicUrl}/sources/${s.id}`, name: locale.text(s.name) })),
  });
}
