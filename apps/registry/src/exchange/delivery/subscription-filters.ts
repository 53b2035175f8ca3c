/**
 * The CloudEvents Subscriptions filters a subscription may carry: the dialects every implementation must support
 * (`exact`, `prefix`, `suffix` over attributes, and `all`, `any`, `not` over filters). A filter list passes an event
 * when every filter does. The attributes are those the registry keeps of every accepted event; `sql` (optional in the
 * draft) is not supported, and a filter naming it or any other dialect is refused at creation, as the draft asks.
 */
export type Filter =
  | { exact: Record<string, string> }
  | { prefix: Record<string, string> }
  | { suffix: Record<string, string> }
  | { all: Filter[] }
  | { any: Filter[] }
  | { not: Filter };

export const FILTER_ATTRIBUTES = ['id', 'source', 'type', 'time'] as const;
export type FilterableEvent = Record<(typeof FILTER_ATTRIBUTES)[number], string>;

const MAX_NODES = 64;
const MAX_DEPTH = 8;
const MAX_VALUE_LENGTH = 1024;

export class FilterError extends Error {}

/** Reads a subscription's `filters` member; throws FilterError naming the JSON pointer of the first thing wrong. */
export function parseFilters(value: unknown): Filter[] {
  if (!Array.isArray(value)) throw new FilterError('/filters must be an array of filters');
  const budget = { nodes: 0 };
  return value.map((filter, i) => parseFilter(filter, `/filters/${i}`, 1, budget));
}

function parseFilter(value: unknown, at: string, depth: number, budget: { nodes: number }): Filter {
  if (++budget.nodes > MAX_NODES) throw new FilterError(`the filters may hold at most ${MAX_NODES} filters in all`);
  if (depth > MAX_DEPTH) throw new FilterError(`${at}: filters may nest at most ${MAX_DEPTH} deep`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FilterError(`${at} must be an object with one dialect`);
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new FilterError(`${at} must name exactly one dialect (exact, prefix, suffix, all, any or not)`);
  const dialect = keys[0]!;
  const body = (value as Record<string, unknown>)[dialect];
  switch (dialect) {
    case 'exact':
    case 'prefix':
    case 'suffix':
      return { [dialect]: parseAttributes(body, `${at}/${dialect}`) } as Filter;
    case 'all':
    case 'any':
      if (!Array.isArray(body) || body.length === 0) throw new FilterError(`${at}/${dialect} must be a non-empty array of filters`);
      return { [dialect]: body.map((f, i) => parseFilter(f, `${at}/${dialect}/${i}`, depth + 1, budget)) } as Filter;
    case 'not':
      return { not: parseFilter(body, `${at}/not`, depth + 1, budget) };
    default:
      throw new FilterError(`${at}: the dialect "${dialect.slice(0, 40)}" is not supported (exact, prefix, suffix, all, any, not)`);
  }
}

function parseAttributes(value: unknown, at: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    throw new FilterError(`${at} must be a non-empty object of attribute names to values`);
  }
  const attributes: Record<string, string> = {};
  for (const [name, expected] of Object.entries(value)) {
    if (!(FILTER_ATTRIBUTES as readonly string[]).includes(name)) throw new FilterError(`${at}: filters may name ${FILTER_ATTRIBUTES.join(', ')}; not "${name.slice(0, 40)}"`);
    if (typeof expected !== 'string' || expected === '' || expected.length > MAX_VALUE_LENGTH) {
      throw new FilterError(`${at}/${name} must be a non-empty string of at most ${MAX_VALUE_LENGTH} characters`);
    }
    attributes[name] = expected;
  }
  return attributes;
}

/** Whether an event passes every filter (an empty list passes everything). Comparisons are case-sensitive. */
export function passes(filters: readonly Filter[], event: FilterableEvent): boolean {
  return filters.every((filter) => passesOne(filter, event));
}

function passesOne(filter: Filter, event: FilterableEvent): boolean {
  const each = (attributes: Record<string, string>, test: (actual: string, expected: string) => boolean) =>
    Object.entries(attributes).every(([name, expected]) => test(event[name as keyof FilterableEvent], expected));
  if ('exact' in filter) return each(filter.exact, (a, e) => a === e);
  if ('prefix' in filter) return each(filter.prefix, (a, e) => a.startsWith(e));
  if ('suffix' in filter) return each(filter.suffix, (a, e) => a.endsWith(e));
  if ('all' in filter) return filter.all.every((f) => passesOne(f, event));
  if ('any' in filter) return filter.any.some((f) => passesOne(f, event));
  return !passesOne(filter.not, event);
}
