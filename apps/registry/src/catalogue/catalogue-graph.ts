import { DataFactory, type Quad, type Quad_Object, type Quad_Subject } from 'n3';
import type { LocalizedText } from '../kernel/text/localized-text.js';
import type { Organisation } from '../organisations/index.js';
import type { Source, SourceLife, SourceStatus } from '../sources/index.js';
import { DATA_THEME_SCHEME, REGIONS_AND_CITIES, themesOf } from './themes.js';

const { namedNode, literal, quad } = DataFactory;

export const PREFIXES = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  locn: 'http://www.w3.org/ns/locn#',
  adms: 'http://www.w3.org/ns/adms#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  hydra: 'http://www.w3.org/ns/hydra/core#',
  dcatap: 'http://data.europa.eu/r5r/',
} as const;

const EU = 'http://publications.europa.eu/resource/authority';
const GEOJSON = 'https://www.iana.org/assignments/media-types/application/vnd.geo+json';
const CLOUDEVENTS = 'https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md';
const ADMS_STATUS = 'http://purl.org/adms/status';
/** The ADMS status of a source: what a harvester shows beside the dataset (a retired one is withdrawn, and stays listed). */
const STATUS: Record<SourceStatus, { code: string; label: LocalizedText }> = {
  planned: { code: 'UnderDevelopment', label: { en: 'Under development', fr: 'En développement' } },
  active: { code: 'Completed', label: { en: 'Completed', fr: 'Achevé' } },
  suspended: { code: 'Deprecated', label: { en: 'Deprecated', fr: 'Obsolète' } },
  retired: { code: 'Withdrawn', label: { en: 'Withdrawn', fr: 'Retiré' } },
};

/**
 * An IRI from text a user or an operator typed (a licence, a contact's address, a standard's `$id`): what validation
 * let through may still hold characters an IRI may not (a quoted e-mail's `"` or `>`, a URL's `|`), which would break
 * the serialisers or, read leniently, add triples. They are percent-encoded.
 */
function dataIri(text: string) {
  return namedNode(text.replace(/[\x00-\x20<>"{}|^`\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`));
}

type Prefix = keyof typeof PREFIXES;
const term = (curie: `${Prefix}:${string}`) => {
  const [prefix, local] = curie.split(':') as [Prefix, string];
  return namedNode(PREFIXES[prefix] + local);
};

/** One source as the catalogue shows it, with what it reads of the other features. */
export interface CatalogueDataset {
  source: Source;
  owner: Organisation;
  life: SourceLife;
  /** The canonical `$id`s of the versions of the standards it emits. */
  schemaUris: string[];
  /** Ids of the public privacy impact records and agreements about it. */
  privacyRecords: string[];
  agreements: string[];
}

export interface CataloguePage {
  /** One city's catalogue, or the registry's (null). */
  city: Organisation | null;
  /** Every city with a dataset on this page (the registry's catalogue links each city's). */
  cities: Organisation[];
  datasets: CatalogueDataset[];
  total: number;
  limit: number;
  /** This page's URL, the first page's and the next one's (null on the last page). */
  pageUrl: string;
  firstUrl: string;
  nextUrl: string | null;
}

export interface CatalogueSettings {
  publicUrl: string;
  operatorName: string;
  operatorUrl: string;
  defaultLicence: string;
}

/**
 * The catalogue page as RDF (DCAT-AP 3, with a Hydra view for paging). Every subject is the IRI of a public page
 * under the registry's public URL (or a fragment of one), so identifiers outlive any change to the API.
 */
export function catalogueGraph(page: CataloguePage, settings: CatalogueSettings): Quad[] {
  const graph = new GraphBuilder();
  const base = settings.publicUrl;
  const catalogueIri = (city: Organisation | null) => namedNode(city ? `${base}/catalog?city=${city.slug}` : `${base}/catalog`);
  const cityIri = (city: Organisation) => namedNode(`${base}/sources?city=${city.slug}`);
  const exchange = namedNode(`${base}/#exchange`);
  const nonPublic = graph.typed(`${EU}/access-right/NON_PUBLIC`, 'dct:RightsStatement');
  const operator = dataIri(settings.operatorUrl);
  graph.add(operator, 'rdf:type', term('foaf:Agent'));
  graph.add(operator, 'foaf:name', literal(settings.operatorName));

  for (const city of page.city ? [page.city] : page.cities) {
    graph.add(cityIri(city), 'rdf:type', term('foaf:Agent'));
    graph.text(cityIri(city), 'foaf:name', city.name);
    graph.add(cityIri(city), 'dct:type', graph.concept('http://purl.org/adms/publishertype/LocalAuthority', { en: 'Local authority', fr: 'Autorité locale' }));
  }

  const describe = (catalogue: Quad_Subject, city: Organisation | null, datasets: CatalogueDataset[]) => {
    graph.add(catalogue, 'rdf:type', term('dcat:Catalog'));
    graph.text(catalogue, 'dct:title', city ? { en: `Sources of ${city.name.en}`, fr: `Sources de ${city.name.fr}` } : { en: 'Plaza register of urban data sources', fr: 'Registre Plaza des sources de données urbaines' });
    graph.text(catalogue, 'dct:description', city
      ? { en: `The sensors, streams and datasets ${city.name.en} registers in Plaza.`, fr: `Les capteurs, flux et jeux de données que ${city.name.fr} inscrit dans Plaza.` }
      : { en: "Every city's sensors, streams and datasets registered in Plaza.", fr: 'Les capteurs, flux et jeux de données de toutes les villes inscrits dans Plaza.' });
    graph.add(catalogue, 'dct:publisher', city ? cityIri(city) : operator);
    graph.add(catalogue, 'dct:creator', operator);
    graph.add(catalogue, 'foaf:homepage', graph.typed(city ? cityIri(city).value : `${base}/`, 'foaf:Document'));
    for (const code of ['ENG', 'FRA']) graph.add(catalogue, 'dct:language', graph.typed(`${EU}/language/${code}`, 'dct:LinguisticSystem'));
    graph.add(catalogue, 'dct:license', graph.typed(settings.defaultLicence, 'dct:LicenseDocument'));
    const themes = graph.typed(DATA_THEME_SCHEME, 'skos:ConceptScheme');
    graph.text(themes, 'dct:title', { en: 'Data theme', fr: 'Thème des données' });
    graph.add(catalogue, 'dcat:themeTaxonomy', themes);
    graph.add(catalogue, 'dcat:service', exchange);
    for (const { source } of datasets) graph.add(catalogue, 'dcat:dataset', namedNode(`${base}/sources/${source.id}`));
  };

  const root = catalogueIri(page.city);
  describe(root, page.city, page.datasets);
  if (!page.city) {
    for (const city of page.cities) {
      graph.add(root, 'dcat:catalog', catalogueIri(city));
      describe(catalogueIri(city), city, page.datasets.filter((d) => d.owner.id === city.id));
    }
  }

  graph.add(exchange, 'rdf:type', term('dcat:DataService'));
  graph.text(exchange, 'dct:title', { en: 'Plaza data exchange', fr: 'Échange de données Plaza' });
  graph.text(exchange, 'dct:description', {
    en: 'Signed events of the registered sources, readable by the parties to a data-sharing agreement that covers them.',
    fr: 'Les événements signés des sources inscrites, lisibles par les parties à une entente de partage qui les couvre.',
  });
  graph.add(exchange, 'dcat:endpointURL', namedNode(`${base}/api/v1/exchange`));
  graph.add(exchange, 'dcat:endpointDescription', namedNode(`${base}/docs/openapi.json`));
  graph.add(exchange, 'dct:publisher', operator);
  graph.add(exchange, 'dct:accessRights', nonPublic);
  graph.add(exchange, 'dct:conformsTo', graph.typed(CLOUDEVENTS, 'dct:Standard'));
  graph.text(exchange, 'dcat:keyword', { en: 'signed events', fr: 'événements signés' });
  graph.add(exchange, 'dcat:theme', graph.concept(REGIONS_AND_CITIES.iri, REGIONS_AND_CITIES.label));

  for (const dataset of page.datasets) datasetGraph(graph, dataset, { settings, exchange, nonPublic, publisher: cityIri(dataset.owner) });

  const view = namedNode(page.pageUrl);
  graph.add(view, 'rdf:type', term('hydra:PartialCollectionView'));
  graph.add(view, 'hydra:first', namedNode(page.firstUrl));
  if (page.nextUrl) graph.add(view, 'hydra:next', namedNode(page.nextUrl));
  graph.add(view, 'hydra:totalItems', literal(String(page.total), term('xsd:nonNegativeInteger')));
  graph.add(view, 'hydra:itemsPerPage', literal(String(page.limit), term('xsd:nonNegativeInteger')));
  graph.add(root, 'hydra:view', view);
  return graph.quads;
}

interface DatasetContext {
  settings: CatalogueSettings;
  exchange: Quad_Subject;
  nonPublic: Quad_Object;
  publisher: Quad_Subject;
}

function datasetGraph(graph: GraphBuilder, d: CatalogueDataset, { settings, exchange, nonPublic, publisher }: DatasetContext): void {
  const { source, owner, life } = d;
  const base = settings.publicUrl;
  const iri = `${base}/sources/${source.id}`;
  const dataset = namedNode(iri);
  const licence = graph.typed(source.licence ?? settings.defaultLicence, 'dct:LicenseDocument');
  const status = graph.concept(`${ADMS_STATUS}/${STATUS[source.status].code}`, STATUS[source.status].label);
  const standards = d.schemaUris.map((uri) => graph.typed(uri, 'dct:Standard'));

  graph.add(dataset, 'rdf:type', term('dcat:Dataset'));
  graph.add(dataset, 'dct:identifier', literal(iri));
  graph.text(dataset, 'dct:title', source.name);
  graph.text(dataset, 'dct:description', source.description);
  for (const measure of source.measures) graph.text(dataset, 'dcat:keyword', measure);
  graph.add(dataset, 'dct:publisher', publisher);
  graph.add(dataset, 'dct:issued', dateTime(source.createdAt));
  graph.add(dataset, 'dct:modified', dateTime(life.modifiedAt));
  graph.add(dataset, 'dct:accessRights', nonPublic);
  graph.add(dataset, 'dct:license', licence);
  graph.add(dataset, 'adms:status', status);
  for (const standard of standards) graph.add(dataset, 'dct:conformsTo', standard);
  for (const { iri: theme, label } of themesOf(source.technology)) {
    graph.add(dataset, 'dcat:theme', graph.concept(theme, label));
    graph.add(namedNode(theme), 'skos:inScheme', namedNode(DATA_THEME_SCHEME));
  }

  const contact = namedNode(`${base}/sources?city=${owner.slug}#privacy-contact`);
  graph.add(dataset, 'dcat:contactPoint', contact);
  graph.add(contact, 'rdf:type', term('vcard:Kind'));
  graph.add(contact, 'rdf:type', term('vcard:Organization'));
  graph.text(contact, 'vcard:fn', owner.privacyContact.name);
  graph.add(contact, 'vcard:hasEmail', dataIri(`mailto:${owner.privacyContact.email}`));
  if (owner.privacyContact.url) graph.add(contact, 'vcard:hasURL', dataIri(owner.privacyContact.url));

  const location = namedNode(`${iri}#location`);
  graph.add(dataset, 'dct:spatial', location);
  graph.add(location, 'rdf:type', term('dct:Location'));
  graph.add(location, 'locn:geometry', literal(JSON.stringify(source.location), namedNode(GEOJSON)));
  const box = { type: 'Polygon', coordinates: [[[source.minLon, source.minLat], [source.maxLon, source.minLat], [source.maxLon, source.maxLat], [source.minLon, source.maxLat], [source.minLon, source.minLat]]] };
  graph.add(location, 'dcat:bbox', literal(JSON.stringify(box), namedNode(GEOJSON)));
  const centroid = { type: 'Point', coordinates: [(source.minLon + source.maxLon) / 2, (source.minLat + source.maxLat) / 2] };
  graph.add(location, 'dcat:centroid', literal(JSON.stringify(centroid), namedNode(GEOJSON)));

  if (life.activatedAt) {
    const period = namedNode(`${iri}#active-period`);
    graph.add(dataset, 'dct:temporal', period);
    graph.add(period, 'rdf:type', term('dct:PeriodOfTime'));
    graph.add(period, 'dcat:startDate', dateTime(life.activatedAt));
    if (life.retiredAt) graph.add(period, 'dcat:endDate', dateTime(life.retiredAt));
  }

  for (const id of d.privacyRecords) graph.add(dataset, 'foaf:page', graph.typed(`${base}/privacy-records/${id}`, 'foaf:Document'));
  for (const id of d.agreements) graph.add(dataset, 'dct:relation', namedNode(`${base}/agreements/${id}`));

  const events = namedNode(`${iri}#events`);
  graph.add(dataset, 'dcat:distribution', events);
  graph.add(events, 'rdf:type', term('dcat:Distribution'));
  graph.text(events, 'dct:title', { en: 'Event feed', fr: "Flux d'événements" });
  graph.text(events, 'dct:description', {
    en: 'Its signed events as the exchange accepted them, for the parties to a data-sharing agreement that covers it.',
    fr: "Ses événements signés, tels que l'échange les a acceptés, pour les parties à une entente de partage qui le couvre.",
  });
  graph.add(events, 'dcat:accessURL', namedNode(`${base}/api/v1/exchange/events?source=${source.id}`));
  graph.add(events, 'dcat:accessService', exchange);
  graph.add(events, 'dct:format', graph.typed(`${EU}/file-type/JSON`, 'dct:MediaTypeOrExtent'));
  graph.add(events, 'dcat:mediaType', graph.typed('https://www.iana.org/assignments/media-types/application/json', 'dct:MediaType'));
  graph.add(events, 'dct:license', licence);
  graph.add(events, 'dct:accessRights', nonPublic);
  graph.add(events, 'adms:status', status);
  graph.add(events, 'dcatap:availability', graph.concept(`${EU}/planned-availability/AVAILABLE`, { en: 'Available', fr: 'Disponible' }));
  for (const standard of standards) graph.add(events, 'dct:conformsTo', standard);
  graph.add(exchange, 'dcat:servesDataset', dataset);
}

function dateTime(at: Date) {
  return literal(at.toISOString(), term('xsd:dateTime'));
}

/** Collects quads, each (subject, predicate, object) once. */
class GraphBuilder {
  readonly quads: Quad[] = [];
  private readonly seen = new Set<string>();

  add(subject: Quad_Subject, predicate: `${Prefix}:${string}`, object: Quad_Object): void {
    const q = quad(subject, term(predicate), object);
    const key = `${subject.value}\n${q.predicate.value}\n${object.termType}:${object.value}:${object.termType === 'Literal' ? `${object.language}|${object.datatype.value}` : ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.quads.push(q);
  }

  /** A bilingual text as two language-tagged literals. */
  text(subject: Quad_Subject, predicate: `${Prefix}:${string}`, text: LocalizedText): void {
    this.add(subject, predicate, literal(text.en, 'en'));
    this.add(subject, predicate, literal(text.fr, 'fr'));
  }

  /** An IRI typed with the class DCAT-AP expects of it. */
  typed(iri: string, type: `${Prefix}:${string}`): Quad_Subject & Quad_Object {
    const node = dataIri(iri);
    this.add(node, 'rdf:type', term(type));
    return node;
  }

  /** A SKOS concept of a vocabulary, with its label. */
  concept(iri: string, label: LocalizedText): Quad_Subject & Quad_Object {
    const node = this.typed(iri, 'skos:Concept');
    this.text(node, 'skos:prefLabel', label);
    return node;
  }
}
