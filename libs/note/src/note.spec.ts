import { Buffer } from 'node:buffer';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import {
  addSignatures,
  ed25519Signer,
  formatNote,
  noteVerifierFromKey,
  parseNote,
  signNote,
  verifyNote,
  type NoteSigner,
  type NoteVerifier,
} from './index.js';
import { reasonOf, refusalOf } from './test-support/refusals.js';

const signerNamed = (name: string): NoteSigner => ed25519Signer(name, generateKeyPairSync('ed25519').privateKey);
const verifierOf = (signer: NoteSigner): NoteVerifier => noteVerifierFromKey(signer.verifierKey);

const log = signerNamed('log.example/a');
const witness = signerNamed('witness.example/w');
const TEXT = 'log.example/a\n42\nsome text\n';
/** The signature line of TEXT by the log, to put under texts that could not be signed. */
const LOG_LINE = signNote(TEXT, log).slice(TEXT.length + 1);

/** A note text as signed-note allows it: UTF-8 lines without control characters, ending with a newline. */
const textArb = fc
  .array(fc.string({ unit: 'grapheme', maxLength: 30 }).filter((line) => !/[\x00-\x1f]/.test(line)), { minLength: 1, maxLength: 6 })
  .map((lines) => `${lines.join('\n')}\n`);

describe('reading a signed note', () => {
  it('splits text from signatures at the last blank line, so the text may hold blank lines and keeps its final newline', () => {
    const text = 'first\n\nafter a blank line\n\n';
    const note = parseNote(signNote(text, log));
    expect(note.text).toBe(text);
    expect(note.signatures.map((s) => [s.name, s.keyId, s.signature.length])).toEqual([[log.name, log.keyId, 64]]);
  });

  it('gives back the same bytes when formatted again', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const message = signNote(parseNote(signNote(text, log)), witness);
        expect(formatNote(parseNote(message))).toBe(message);
        expect(formatNote(parseNote(Buffer.from(message)))).toBe(message);
      }),
    );
  });

  it.each([
    ['no blank line before the signatures', `${TEXT}— x AAAAAAA=\n`],
    ['no signature after the blank line', `${TEXT}\n`],
    ['a signature line without its final newline', signNote(TEXT, log).slice(0, -1)],
    ['a hyphen instead of the em dash', signNote(TEXT, log).replace('—', '-')],
    ['two hyphens instead of the em dash', signNote(TEXT, log).replace('—', '--')],
    ['an en dash instead of the em dash', signNote(TEXT, log).replace('—', '–')],
    ['no space after the em dash', signNote(TEXT, log).replace('— ', '—')],
    ['a key name with a space', `${TEXT}\n— log example AAAAAAA=\n`],
    ['a key name with a plus', `${TEXT}\n— log+example AAAAAAA=\n`],
    ['a signature without its base64', `${TEXT}\n— log.example/a\n`],
    ['signature bytes shorter than a key id and one byte', `${TEXT}\n— log.example/a AAAAAA==\n`],
    ['base64 that is not canonical (non-zero trailing bits)', `${TEXT}\n— log.example/a AAAAAAB=\n`],
    ['URL-safe base64', `${TEXT}\n— log.example/a AAAA-_8=\n`],
    ['a line after the signatures that is not a signature', `${signNote(TEXT, log)}trailing\n`],
    ['a carriage return (CRLF lines)', signNote(TEXT, log).replaceAll('\n', '\r\n')],
    ['a carriage return in the text', `a\rb\n\n${LOG_LINE}`],
    ['a tab in the text', `a\tb\n\n${LOG_LINE}`],
    ['a NUL byte', `a\0b\n\n${LOG_LINE}`],
  ])('refuses %s as malformed', (_, message) => {
    expect(reasonOf(() => parseNote(message))).toBe('malformed');
  });

  it('refuses bytes that are not UTF-8, and a string holding a lone surrogate (UTF-8 cannot carry it)', () => {
    const good = Buffer.from(signNote('caf\u00e9\n', log));
    expect(parseNote(good).text).toBe('café\n');
    const bad = Buffer.from(good);
    bad[3] = 0xff;
    expect(reasonOf(() => parseNote(bad))).toBe('malformed');
    expect(reasonOf(() => parseNote(`a\ud800\n\n— x AAAAAAA=\n`))).toBe('malformed');
  });

  it('takes 100 signature lines and refuses 101 (Go\'s limit), or fewer when the reader caps lower, never below 16', () => {
    const lines = (n: number): string => `${TEXT}\n${'— x AAAAAAA=\n'.repeat(n)}`;
    expect(parseNote(lines(100)).signatures).toHaveLength(100);
    expect(reasonOf(() => parseNote(lines(101)))).toBe('too_many_signatures');
    expect(parseNote(lines(16), { maxSignatures: 16 }).signatures).toHaveLength(16);
    expect(reasonOf(() => parseNote(lines(17), { maxSignatures: 16 }))).toBe('too_many_signatures');
    expect(() => parseNote(lines(1), { maxSignatures: 15 })).toThrow(RangeError);
    expect(reasonOf(() => verifyNote(lines(101), [verifierOf(log)]))).toBe('too_many_signatures');
  });
});

describe('signing a note', () => {
  it('adds a new signer\'s line after the note\'s own and replaces one by the same name and key id', () => {
    const first = parseNote(signNote(parseNote(signNote(TEXT, log)), witness));
    const again = parseNote(signNote(first, log));
    expect(again.signatures.map((s) => s.name)).toEqual([witness.name, log.name]);
    // Ed25519 is deterministic: the replaced line is the same signature, moved to the end.
    expect(again.signatures[1]).toEqual(first.signatures[0]);
    const other = signerNamed(log.name);
    expect(parseNote(signNote(first, other)).signatures.map((s) => [s.name, s.keyId])).toEqual([
      [log.name, log.keyId],
      [witness.name, witness.keyId],
      [other.name, other.keyId],
    ]);
  });

  it('signs with several signers at once, in their order', () => {
    expect(parseNote(signNote(TEXT, [witness, log])).signatures.map((s) => s.name)).toEqual([witness.name, log.name]);
  });

  it('refuses a text that does not end with a newline or holds a control character', () => {
    expect(reasonOf(() => signNote('no newline', log))).toBe('malformed');
    expect(reasonOf(() => signNote('crlf\r\n', log))).toBe('malformed');
    expect(reasonOf(() => signNote('a\ud800\n', log))).toBe('malformed');
  });

  it('refuses a signer whose name a note could not carry', () => {
    const unnamed: NoteSigner = { ...log, name: 'two words' };
    expect(reasonOf(() => signNote(TEXT, unnamed))).toBe('invalid_name');
  });

  it('refuses to format a note without signatures, which no reader would take', () => {
    expect(reasonOf(() => formatNote({ text: TEXT, signatures: [] }))).toBe('malformed');
  });
});

describe('verifying a note', () => {
  const signed = signNote(TEXT, [log, witness]);

  it('accepts a note whose known signatures verify, and keeps signatures by unknown keys unverified', () => {
    const note = verifyNote(signed, [verifierOf(log)]);
    expect(note.verified.map((s) => s.name)).toEqual([log.name]);
    expect(note.unverified.map((s) => s.name)).toEqual([witness.name]);
    expect(formatNote(note)).toBe(signed);
  });

  it('verifies every signature the verifiers know', () => {
    expect(verifyNote(signed, [verifierOf(witness), verifierOf(log)]).verified.map((s) => s.name)).toEqual([log.name, witness.name]);
  });

  it('refuses a note no known key signed', () => {
    expect(reasonOf(() => verifyNote(signed, [verifierOf(signerNamed('someone.else'))]))).toBe('unknown_key');
    expect(reasonOf(() => verifyNote(signed, []))).toBe('unknown_key');
  });

  it('refuses the whole note when a known key\'s signature fails, even if another known key verifies', () => {
    const tampered = signed.replace('42', '43');
    expect(reasonOf(() => verifyNote(tampered, [verifierOf(log)]))).toBe('invalid_signature');
    const { signatures } = parseNote(signed);
    const broken = { ...signatures[1]!, signature: new Uint8Array(64) };
    expect(refusalOf(() => verifyNote({ text: TEXT, signatures: [signatures[0]!, broken] }, [verifierOf(log), verifierOf(witness)]))).toMatchObject({
      reason: 'invalid_signature',
      key: { name: witness.name, keyId: witness.keyId },
    });
  });

  it('ignores a signature by the right name under another key id, and one by the right key id under another name', () => {
    const impostor = signerNamed(log.name);
    const sameIdOtherName = { name: 'other.example', keyId: log.keyId, signature: new Uint8Array(64) };
    const note = parseNote(signNote(TEXT, [impostor, log]));
    const verified = verifyNote({ text: TEXT, signatures: [...note.signatures, sameIdOtherName] }, [verifierOf(log)]);
    expect(verified.verified.map((s) => s.keyId)).toEqual([log.keyId]);
    expect(verified.unverified.map((s) => [s.name, s.keyId])).toEqual([
      [log.name, impostor.keyId],
      [sameIdOtherName.name, log.keyId],
    ]);
  });

  it('refuses a note whose only signature is by the right name under another key id', () => {
    expect(reasonOf(() => verifyNote(signNote(TEXT, signerNamed(log.name)), [verifierOf(log)]))).toBe('unknown_key');
  });

  it('keeps one of each repeated line, and one signature per known key', () => {
    const witnessLine = signed.slice(TEXT.length + 1 + LOG_LINE.length);
    const repeated = `${TEXT}\n${LOG_LINE}${witnessLine}${LOG_LINE}${witnessLine}`;
    const note = verifyNote(repeated, [verifierOf(log)]);
    expect(note.signatures.map((s) => s.name)).toEqual([log.name, witness.name]);
    expect(note.verified).toHaveLength(1);
    expect(note.unverified).toHaveLength(1);
  });

  it('refuses a second, invalid signature by a key that already verified (Go would skip it unchecked)', () => {
    const note = parseNote(signed);
    const forged = { ...note.signatures[0]!, signature: new Uint8Array(64).fill(1) };
    expect(reasonOf(() => verifyNote({ text: TEXT, signatures: [...note.signatures, forged] }, [verifierOf(log)]))).toBe('invalid_signature');
  });

  it('refuses to choose between two different verifiers answering to one name and key id, but takes one key listed twice', () => {
    const lookalike: NoteVerifier = { ...verifierOf(log), verifierKey: 'a different key', verify: () => true };
    expect(reasonOf(() => verifyNote(signed, [verifierOf(log), lookalike]))).toBe('ambiguous_key');
    expect(verifyNote(signed, [verifierOf(log), verifierOf(log)]).verified).toHaveLength(1);
  });

  it('verifies what it signed, and refuses any change to the text', () => {
    fc.assert(
      fc.property(textArb, fc.nat(), (text, at) => {
        const message = signNote(text, log);
        expect(verifyNote(message, [verifierOf(log)]).text).toBe(text);
        const bytes = Buffer.from(message);
        const i = at % Buffer.byteLength(text);
        bytes[i] = bytes[i]! ^ 0x20;
        // A flipped bit breaks the signature, or the note's shape, or its UTF-8: never is it accepted.
        expect(reasonOf(() => verifyNote(bytes, [verifierOf(log)]))).toBeDefined();
      }),
      { numRuns: 200 },
    );
  });

  it('a signature added to a verified note is verified with the rest', () => {
    const withWitness = addSignatures(verifyNote(signNote(TEXT, log), [verifierOf(log)]), parseNote(signNote(TEXT, witness)).signatures);
    expect(verifyNote(withWitness, [verifierOf(log), verifierOf(witness)]).verified).toHaveLength(2);
  });
});
