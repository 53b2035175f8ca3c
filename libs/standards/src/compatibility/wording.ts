/**
 * Plain-English rendering of values, types and schema locations for incompatibility messages.
 */
import { type JsonType, tokens } from './schema.js';

const MAX_VALUE_LENGTH = 60;
const MAX_VALUES = 8;

/** A JSON value as a reader sees it, shortened when long. */
export function showValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

/** A list of values, "a, b or c" (or "a, b and c"), shortened when long. */
export function showValues(values: readonly unknown[], conjunction: 'or' | 'and' = 'or'): string {
  const shown = values.slice(0, MAX_VALUES).map(showValue);
  if (values.length > MAX_VALUES) return `${shown.join(', ')} (and ${values.length - MAX_VALUES} more)`;
  return orList(shown, conjunction);
}

function orList(items: string[], conjunction: 'or' | 'and' = 'or'): string {
  if (items.length <= 1) return items[0] ?? 'nothing';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

/** A set of types, e.g. "string or null", "any type". */
export function showTypes(types: ReadonlySet<JsonType>): string {
  const list = [...types].filter((t) => !(t === 'integer' && types.has('number')));
  if (list.length >= 6) return 'any type';
  if (list.length === 0) return 'no type';
  return orList(list);
}

const PLURAL: Record<JsonType, string> = {
  null: 'null', boolean: 'booleans', object: 'objects', array: 'arrays', number: 'numbers', integer: 'integers', string: 'strings',
};

/** Types as the values they stand for: "strings and null". */
export function pluralTypes(types: readonly JsonType[], numberMeansNonInteger = false): string {
  const words = types.map((t) => (t === 'number' && numberMeansNonInteger ? 'non-integer numbers' : PLURAL[t]));
  if (words.length <= 1) return words[0] ?? 'nothing';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Where in the data a schema location applies, in words. */
export interface Place {
  /** Dotted path in the data, e.g. `location.lat` or `readings[]`; empty for the whole data. */
  path: string;
  /** What the location is. */
  role: 'data' | 'property' | 'items' | 'other-properties' | 'definition' | 'value';
}

const places = new Map<string, Place>();

/** Reads a schema pointer as a place in the data. */
export function place(loc: string): Place {
  let known = places.get(loc);
  if (known === undefined) {
    if (places.size > 10_000) places.clear();
    known = readPlace(loc);
    places.set(loc, known);
  }
  return known;
}

function readPlace(loc: string): Place {
  const parts = tokens(loc);
  let path = '';
  let role: Place['role'] = 'data';
  const join = (name: string): string => (path === '' ? name : `${path}.${name}`);
  for (let i = 0; i < parts.length; i++) {
    const token = parts[i]!;
    const next = parts[i + 1];
    if ((token === 'properties' || token === 'patternProperties' || token === 'dependentSchemas') && next !== undefined) {
      if (token === 'properties') {
        path = join(next);
        role = 'property';
      }
      i++;
    } else if (token === '$defs' || token === 'definitions') {
      if (next !== undefined) {
        path = next;
        role = 'definition';
        i++;
      }
    } else if (token === 'items') {
      path = `${path}[]`;
      role = 'items';
    } else if (token === 'prefixItems' && next !== undefined) {
      path = `${path}[${next}]`;
      role = 'value';
      i++;
    } else if (token === 'additionalProperties') {
      path = join('*');
      role = 'other-properties';
    } else if ((token === 'allOf' || token === 'anyOf' || token === 'oneOf') && next !== undefined) {
      i++;
    } else if (token === 'contains' || token === 'propertyNames' || token === 'unevaluatedItems' || token === 'unevaluatedProperties') {
      role = 'value';
    }
  }
  return { path, role };
}

/** The subject of a sentence about a schema location, e.g. "the property `pm25`", lower case. */
export function subject(loc: string): string {
  const { path, role } = place(loc);
  const parent = path.replace(/(\.\*|\[\])$/, '');
  switch (role) {
    case 'data': return 'the data';
    case 'property': return `the property \`${path}\``;
    case 'items': return parent === '' ? 'each item of the data' : `each item of \`${parent}\``;
    case 'other-properties': return parent === '' ? 'each undeclared top-level property' : `each undeclared property of \`${parent}\``;
    case 'definition': return `the definition \`${path}\``;
    default: return path === '' ? 'the data' : `the value at \`${path}\``;
  }
}

/** The dotted data path of property `name` of the object described at `loc`. */
export function propertyPath(loc: string, name: string): string {
  const { path } = place(loc);
  return path === '' ? name : `${path}.${name}`;
}

/** The object described at `loc`, for sentences about its content model. */
export function objectSubject(loc: string): string {
  const s = subject(loc);
  return s === 'the data' ? 'the data object' : s;
}

export function capitalize(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
