import { FilterError, parseFilters, passes } from './subscription-filters.js';

const event = { id: 'reading-7', source: 'urn:plaza:montreal:air:station-12', type: 'org.plaza.air-quality-observation', time: '2026-12-06T15:00:00Z' };

describe('subscription filters', () => {
  it('passes everything when there are no filters', () => {
    expect(passes(parseFilters([]), event)).toBe(true);
  });

  it('matches exact, prefix and suffix case-sensitively, every attribute of a filter at once', () => {
    expect(passes(parseFilters([{ exact: { type: 'org.plaza.air-quality-observation', id: 'reading-7' } }]), event)).toBe(true);
    expect(passes(parseFilters([{ exact: { type: 'ORG.plaza.air-quality-observation' } }]), event)).toBe(false);
    expect(passes(parseFilters([{ prefix: { source: 'urn:plaza:montreal:' } }]), event)).toBe(true);
    expect(passes(parseFilters([{ suffix: { id: '-7' } }]), event)).toBe(true);
    expect(passes(parseFilters([{ prefix: { source: 'urn:plaza:montreal:', id: 'x' } }]), event)).toBe(false);
  });

  it('combines filters with all, any and not, and needs every filter of the list to pass', () => {
    const any = [{ any: [{ exact: { id: 'nope' } }, { suffix: { id: '7' } }] }];
    expect(passes(parseFilters(any), event)).toBe(true);
    expect(passes(parseFilters([{ not: { prefix: { id: 'reading' } } }]), event)).toBe(false);
    expect(passes(parseFilters([{ all: [{ prefix: { id: 'reading' } }, { not: { exact: { id: 'reading-8' } } }] }]), event)).toBe(true);
    expect(passes(parseFilters([{ prefix: { id: 'reading' } }, { exact: { id: 'reading-8' } }]), event)).toBe(false);
  });

  it.each([
    ['a dialect the registry does not support', [{ sql: "type = 'x'" }], /not supported/],
    ['two dialects in one filter', [{ exact: { id: 'a' }, prefix: { id: 'b' } }], /exactly one dialect/],
    ['an attribute the registry does not keep', [{ exact: { subject: 'a' } }], /may name id, source, type, time/],
    ['an empty value', [{ prefix: { id: '' } }], /non-empty string/],
    ['an empty all', [{ all: [] }], /non-empty array/],
    ['a non-array', { exact: { id: 'a' } }, /must be an array/],
    ['nesting beyond the bound', [{ not: { not: { not: { not: { not: { not: { not: { not: { exact: { id: 'a' } } } } } } } } } }], /nest at most/],
  ])('refuses %s, naming where', (_name, filters, message) => {
    expect(() => parseFilters(filters)).toThrow(FilterError);
    expect(() => parseFilters(filters)).toThrow(message);
  });
});
