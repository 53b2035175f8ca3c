/**
 * Escaping by construction for the public pages. Templates are TypeScript functions, so the compiler checks every
 * value a page shows against the data it is given, and nothing is read from disk at run time. Every value
 * interpolated into `html` is escaped unless it is itself the result of `html` (already-escaped markup): the only way
 * to produce markup is this tag, so forgetting to escape a resident-supplied text is not something a template can do.
 */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** What a template may interpolate: text (escaped), numbers, markup from `html`, lists of those, or nothing. */
export type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

// In a script element only `</script` or `<!--` could end it early; \u escapes keep any such text JSON, and & as well.
const SCRIPT_UNSAFE: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** Structured data (JSON-LD) for a page's head or body: JSON whose text can never close or open markup. */
export function jsonLd(data: object): Html {
  const json = JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => SCRIPT_UNSAFE[c]!);
  return new Html(`<script type="application/ld+json">${json}</script>`);
}
