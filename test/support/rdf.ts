/**
 * Reading the catalogue as a harvester does: RDF parsed by the RDF libraries (n3 for Turtle, jsonld for JSON-LD),
 * and validated against the DCAT-AP 3 SHACL shapes (rdf-validate-shacl).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import jsonld from 'jsonld';
import { DataFactory, Parser, type Quad, Store } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';

export const NS = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  locn: 'http://www.w3.org/ns/locn#',
  adms: 'http://www.w3.org/ns/adms#',
  hydra: 'http://www.w3.org/ns/hydra/core#',
};

/** A document in `mediaType` (Turtle or JSON-LD) as quads. */
export async function parseRdf(text: string, mediaType: string): Promise<Quad[]> {
  if (mediaType === 'application/ld+json') {
    const nquads = (await jsonld.toRDF(JSON.parse(text), { format: 'application/n-quads' })) as unknown as string;
    return new Parser({ format: 'application/n-quads' }).parse(nquads);
  }
  return new Parser({ format: mediaType }).parse(text);
}

/** The objects of (subject, predicate) in `store`, by value. */
export function objects(store: Store, subject: string, predicate: string): string[] {
  return store.getObjects(DataFactory.namedNode(subject), DataFactory.namedNode(predicate), null).map((o) => o.value);
}

/** The literals of (subject, predicate), by language tag. */
export function texts(store: Store, subject: string, predicate: string): Record<string, string> {
  const found = store.getObjects(DataFactory.namedNode(subject), DataFactory.namedNode(predicate), null);
  return Object.fromEntries(found.map((o) => [(o as { language?: string }).language ?? '', o.value]));
}

export function subjectsOfType(store: Store, type: string): string[] {
  return store.getSubjects(DataFactory.namedNode(`${NS.rdf}type`), DataFactory.namedNode(type), null).map((s) => s.value);
}

const shapesDir = resolve(import.meta.dirname, '../vectors/dcat-ap-3');
const shapes = (...files: string[]) => new Store(files.flatMap((file) => new Parser({ format: 'text/turtle' }).parse(readFileSync(resolve(shapesDir, file), 'utf8'))));

export interface ShaclFinding {
  severity: string;
  focusNode: string;
  path: string;
  message: string;
}

/**
 * The DCAT-AP 3.0.1 findings for `quads`: `violations` of the mandatory and range shapes, `warnings` of the
 * recommended ones.
 */
export async function validateDcatAp(quads: Quad[]): Promise<{ violations: ShaclFinding[]; warnings: ShaclFinding[] }> {
  const data = new Store(quads);
  const findings = async (store: Store) => {
    const report = await new SHACLValidator(store).validate(data);
    return report.results.map((r) => ({
      severity: r.severity?.value.replace('http://www.w3.org/ns/shacl#', '') ?? '',
      focusNode: r.focusNode?.value ?? '',
      path: r.path?.value ?? '',
      message: r.message.map((m) => m.value).join(' '),
    }));
  };
  const [mandatory, recommended] = await Promise.all([findings(shapes('shapes.ttl', 'range.ttl')), findings(shapes('shapes_recommended.ttl'))]);
  return { violations: mandatory, warnings: recommended };
}
