import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * Characters that change how text around them is shown without being seen: bidi embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069) and marks, zero-width characters (U+200B–U+200D, U+2060, U+FEFF),
 * the soft hyphen and every other format character (Cf), control characters (Cc) and the Unicode line and
 * paragraph separators. With them a name can read as another's ("‮ecnesria" shows as "airsense"). Noncharacters
 * (U+FFFE, U+FFFF, U+FDD0–U+FDEF…) are no text at all, and XML (feeds, catalogues) cannot carry some of them.
 */
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}]/u;
/** The same, but tab and line breaks are allowed: descriptions, reasons and comments have paragraphs. */
const INVISIBLE_MULTILINE = /(?![\t\n\r])[\p{Cf}\p{Cc}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}]/u;

/** The first character of `text` that is never accepted in text meant for people, if any. */
export function invisibleCharacter(text: string, options: { multiline?: boolean } = {}): string | undefined {
  return (options.multiline ? INVISIBLE_MULTILINE : INVISIBLE).exec(text)?.[0];
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** A name or text people read: no invisible format or control characters (see INVISIBLE); line breaks only if multiline. */
export function IsTextForPeople(options: { multiline?: boolean } = {}, validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTextForPeople',
      validator: {
        validate: (value) => typeof value !== 'string' || invisibleCharacter(value, options) === undefined,
        defaultMessage: (args) => {
          const found = typeof args?.value === 'string' ? invisibleCharacter(args.value, options) : undefined;
          return `${args?.property} contains an invisible or control character (${found ? codePoint(found) : '?'}), which text for people never holds`;
        },
      },
    },
    validationOptions,
  );
}
