import jsonld from 'jsonld';
import { type Quad, Writer } from 'n3';
import Negotiator from 'negotiator';
import { CatalogueError, CatalogueErrorCode } from './catalogue-error.js';
import { PREFIXES } from './catalogue-graph.js';

/** The RDF syntaxes the catalogue is served in, each by its media type and the file extension of its plain link. */
export const CATALOGUE_FORMATS = {
  'text/turtle': 'ttl',
  'application/ld+json': 'jsonld',
} as const;
export type CatalogueMediaType = keyof typeof CATALOGUE_FORMATS;
export const CATALOGUE_MEDIA_TYPES = Object.keys(CATALOGUE_FORMATS) as CatalogueMediaType[];

// The JSON-LD context is inline: a harvester (rdflib, in ckanext-dcat) would otherwise fetch a remote one.
const CONTEXT = { ...PREFIXES };

function write(quads: Quad[], format: string, prefixes: Record<string, string> = {}): Promise<string> {
  return new Promise((done, fail) => {
    const writer = new Writer({ format, prefixes });
    writer.addQuads(quads);
    writer.end((error, result: string) => (error ? fail(error) : done(result)));
  });
}

/** The quads in Turtle or in compacted JSON-LD, written by the RDF libraries. */
export async function serialise(quads: Quad[], mediaType: CatalogueMediaType): Promise<string> {
  if (mediaType === 'text/turtle') return write(quads, 'text/turtle', { ...PREFIXES });
  const expanded = await jsonld.fromRDF(await write(quads, 'application/n-quads'), { format: 'application/n-quads' });
  return JSON.stringify(await jsonld.compact(expanded, CONTEXT));
}

/**
 * The media type to answer `accept` with: the client's preferred one the catalogue is served in (Turtle when it
 * names none, or any). With `required`, none acceptable is a 406 problem; without, it is undefined.
 */
export function negotiate(accept: string | undefined, required: true): CatalogueMediaType;
export function negotiate(accept: string | undefined, required?: false): CatalogueMediaType | undefined;
export function negotiate(accept: string | undefined, required = false): CatalogueMediaType | undefined {
  const [chosen] = new Negotiator({ headers: { accept: accept ?? '*/*' } }).mediaTypes(CATALOGUE_MEDIA_TYPES) as CatalogueMediaType[];
  if (chosen === undefined && required) {
    throw new CatalogueError(CatalogueErrorCode.NotAcceptable, `The catalogue is served as ${CATALOGUE_MEDIA_TYPES.join(' or ')}; or fetch /catalog.ttl or /catalog.jsonld.`);
  }
  return chosen;
}
