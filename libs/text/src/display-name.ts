/**
 * The form in which two display names count as the same name: Unicode compatibility forms folded (NFKC:
 * full-width letters, ligatures), case folded (upper then lower case, so "ß" and "SS" meet), runs of white
 * space made one space, and the ends trimmed. "AirSense", "ＡｉｒＳｅｎｓｅ" and " airsense " share one key.
 */
export function displayNameKey(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/** The distinct keys of a name given in several languages. */
export function displayNameKeys(names: readonly string[]): string[] {
  return [...new Set(names.map(displayNameKey))];
}
