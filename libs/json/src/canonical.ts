import canonicalize from 'canonicalize';

/** RFC 8785 (JCS) canonical text of a JSON value: the form Plaza hashes and signs. */
export function canonicalJson(value: unknown): string {
  const text = (canonicalize as unknown as (v: unknown) => string | undefined)(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}
