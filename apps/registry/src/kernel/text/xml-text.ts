/** What XML 1.0 cannot carry (its Char production): control characters, lone surrogates, U+FFFE and U+FFFF. */
const NOT_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * `text` with what XML cannot carry shown as U+FFFD. Text for people refuses such characters now, but a name stored
 * before that must still make a well-formed feed or SVG rather than a document no reader parses.
 */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, '\uFFFD');
}
