import { Buffer } from 'node:buffer';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { ed25519Signer, formatCheckpoint, noteVerifierFromKey, openCheckpoint, parseCheckpoint, signNote, type Checkpoint } from './index.js';
import { reasonOf } from './test-support/refusals.js';

const ROOT = 'rKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=';
const lineArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((line) => !/[\x00-\x1f]/.test(line));
const checkpointArb: fc.Arbitrary<Checkpoint> = fc.record({
  origin: lineArb,
  size: fc.maxSafeNat(),
  rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  extensions: fc.array(lineArb, { maxLength: 3 }),
});

describe('checkpoints', () => {
  it('writes origin, decimal size, base64 root and extension lines, each ending with a newline', () => {
    const rootHash = Buffer.from(ROOT, 'base64');
    expect(formatCheckpoint({ origin: 'example.com/log/testdata', size: 15, rootHash, extensions: [] })).toBe(`example.com/log/testdata\n15\n${ROOT}\n`);
    expect(formatCheckpoint({ origin: 'o', size: 0, rootHash, extensions: ['ext one', 'ext two'] })).toBe(`o\n0\n${ROOT}\next one\next two\n`);
  });

  it('reads back what it writes', () => {
    fc.assert(
      fc.property(checkpointArb, (checkpoint) => {
        const read = parseCheckpoint(formatCheckpoint(checkpoint));
        expect({ ...read, rootHash: Buffer.from(read.rootHash).toString('hex') }).toEqual({ ...checkpoint, rootHash: Buffer.from(checkpoint.rootHash).toString('hex') });
      }),
    );
  });

  it.each([
    ['fewer than three lines', `o\n15\n`],
    ['no final newline', `o\n15\n${ROOT}`],
    ['an empty origin', `\n15\n${ROOT}\n`],
    ['a size with a leading zero', `o\n015\n${ROOT}\n`],
    ['a signed size', `o\n+15\n${ROOT}\n`],
    ['a negative size', `o\n-1\n${ROOT}\n`],
    ['a size in hexadecimal', `o\n0xf\n${ROOT}\n`],
    ['a size beyond 2^53 - 1', `o\n9007199254740992\n${ROOT}\n`],
    ['a root of 31 bytes', `o\n15\n${Buffer.alloc(31).toString('base64')}\n`],
    ['a root of 33 bytes', `o\n15\n${Buffer.alloc(33).toString('base64')}\n`],
    ['a root in URL-safe base64', `o\n15\n${Buffer.from(ROOT, 'base64').toString('base64url')}\n`],
    ['an empty extension line', `o\n15\n${ROOT}\n\n`],
    ['a carriage return', `o\r\n15\n${ROOT}\n`],
  ])('refuses %s', (_, text) => {
    expect(reasonOf(() => parseCheckpoint(text))).toBe('malformed');
  });

  it('takes the largest exact size, 2^53 - 1', () => {
    expect(parseCheckpoint(`o\n9007199254740991\n${ROOT}\n`).size).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    ['an empty origin', { origin: '' }],
    ['an origin of two lines', { origin: 'a\nb' }],
    ['a fractional size', { size: 1.5 }],
    ['a negative size', { size: -1 }],
    ['a short root', { rootHash: new Uint8Array(31) }],
    ['an empty extension line', { extensions: [''] }],
    ['an extension line holding a tab', { extensions: ['a\tb'] }],
  ])('refuses to write %s', (_, change) => {
    const base: Checkpoint = { origin: 'o', size: 1, rootHash: new Uint8Array(32), extensions: [] };
    expect(reasonOf(() => formatCheckpoint({ ...base, ...change }))).toBe('malformed');
  });

  it('opens a signed checkpoint with the log\'s key, and refuses it from any other key', () => {
    const log = ed25519Signer('log.example', generateKeyPairSync('ed25519').privateKey);
    const other = ed25519Signer('log.example', generateKeyPairSync('ed25519').privateKey);
    const note = signNote(formatCheckpoint({ origin: 'log.example', size: 3, rootHash: new Uint8Array(32), extensions: [] }), log);
    expect(openCheckpoint(note, [noteVerifierFromKey(log.verifierKey)]).checkpoint.size).toBe(3);
    expect(reasonOf(() => openCheckpoint(note, [noteVerifierFromKey(other.verifierKey)]))).toBe('unknown_key');
  });
});
