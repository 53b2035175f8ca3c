import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import { decodeBase64 } from './base64.js';
import { DsseError } from './errors.js';
import type { AttributeValue, ExtensionType } from './types.js';

/** The core context attributes in digest order (data follows them). */
export const CORE_ATTRIBUTES = ['id', 'source', 'specversion', 'type', 'datacontenttype', 'dataschema', 'subject', 'time'] as const;
const CORE_SET: ReadonlySet<string> = new Set(CORE_ATTRIBUTES);

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * Normalises an RFC 3339 timestamp to UTC with second precision and a `Z` suffix, as the digest
 * requires: `2026-05-13T10:49:12.123456+01:00` becomes `2026-05-13T09:49:12Z`; a value without an
 * offset is taken as UTC; the fraction is truncated. Leap seconds (`:60`) and results outside years
 * 0000-9999 are refused (DsseError `invalid_time`) rather than guessed.
 */
export function normalizeTime(value: string): string {
  const m = TIMESTAMP.exec(value);
  const bad = (why: string): never => {
    throw new DsseError('invalid_time', `"${value}" is not an RFC 3339 timestamp (${why})`);
  };
  if (!m) return bad('format');
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12) bad('month');
  const daysInMonth = month === 2 ? (isLeap(year) ? 29 : 28) : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > daysInMonth) bad('day');
  if (hour > 23 || minute > 59 || second > 59) bad('time of day');
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) bad('offset');
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Already normal (UTC, whole seconds, upper-case T and Z), as signers send it: the fields were checked, nothing moves.
  if (value.length === 20 && value.charCodeAt(10) === 0x54 && value.charCodeAt(19) === 0x5a) return value;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) bad('year out of range after normalisation');
  return `${pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

// One-shot digests (crypto.hash, Node >= 20.12): no Hash object per digest, and a core digest takes ten of them.
const sha256 = (bytes: Uint8Array | string): Buffer => hash('sha256', bytes, 'buffer');
const EMPTY_DIGEST = sha256(new Uint8Array(0));
const DIGEST_BYTES = 32;

// The attributes that name what an event is (specversion, source, type, datacontenttype, dataschema) are mostly the
// same from one event to the next, so their digests are kept: a few short strings, the whole map dropped when full.
const REPEATING: ReadonlySet<string> = new Set(['specversion', 'source', 'type', 'datacontenttype', 'dataschema']);
const KEPT_DIGESTS = 256;
const KEPT_LENGTH = 512;
const keptDigests = new Map<string, Buffer>();

// Events sent together often share their `time` (readings taken at once): its digest, of the normalised time, is kept
// apart from the others' (the same text means another digest there).
const keptTimeDigests = new Map<string, Buffer>();

function attributeDigest(name: string, value: string): Buffer {
  const time = name === 'time';
  if ((!time && !REPEATING.has(name)) || value.length > KEPT_LENGTH) return sha256(time ? normalizeTime(value) : value);
  const kept = time ? keptTimeDigests : keptDigests;
  let digest = kept.get(value);
  if (digest === undefined) {
    if (kept.size >= KEPT_DIGESTS) kept.clear();
    digest = sha256(time ? normalizeTime(value) : value);
    kept.set(value, digest);
  }
  return digest;
}

/**
 * CORE_DIGEST: SHA-256 over the SHA-256 of id, source, specversion, type, datacontenttype,
 * dataschema, subject, time (UTC seconds) and the data bytes. Absent (or empty) attributes
 * contribute the SHA-256 of the empty byte sequence. Core attributes must be strings.
 */
export function coreDigest(attributes: Readonly<Record<string, AttributeValue>>, data: Uint8Array): Buffer {
  // The nine digests are written into one buffer, which is then digested.
  const parts = Buffer.allocUnsafe((CORE_ATTRIBUTES.length + 1) * DIGEST_BYTES);
  for (let i = 0; i < CORE_ATTRIBUTES.length; i++) {
    const name = CORE_ATTRIBUTES[i]!;
    const value = own(attributes, name);
    if (value === undefined || value === '') {
      EMPTY_DIGEST.copy(parts, i * DIGEST_BYTES);
      continue;
    }
    if (typeof value !== 'string') throw new DsseError('invalid_attribute', `core attribute "${name}" must be a string`);
    attributeDigest(name, value).copy(parts, i * DIGEST_BYTES);
  }
  sha256(data).copy(parts, CORE_ATTRIBUTES.length * DIGEST_BYTES);
  return sha256(parts);
}

/**
 * The canonical bytes of an extension attribute value of a given CloudEvents type. Without a
 * declared type the JSON type decides: boolean, integer, or string (binary-mode headers are strings,
 * whose text equals the canonical form of booleans and integers).
 */
export function canonicalValue(name: string, value: AttributeValue, type?: ExtensionType): Uint8Array {
  const unsupported = (): never => {
    throw new DsseError('unsupported_extension_type', `extension "${name}" cannot be serialised as ${type ?? typeof value}`);
  };
  switch (type ?? (typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'integer' : 'string')) {
    case 'boolean':
      if (value === true || value === 'true') return Buffer.from('true');
      if (value === false || value === 'false') return Buffer.from('false');
      return unsupported();
    case 'integer': {
      const n = typeof value === 'string' && /^-?(0|[1-9][0-9]*)$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -2147483648 || n > 2147483647) return unsupported();
      return Buffer.from(String(n));
    }
    case 'binary': {
      const bytes = typeof value === 'string' ? decodeBase64(value) : null;
      return bytes ?? unsupported();
    }
    case 'timestamp':
      return typeof value === 'string' ? Buffer.from(normalizeTime(value)) : unsupported();
    default:
      return typeof value === 'string' ? Buffer.from(value) : unsupported();
  }
}

/** EXT_DIGEST: SHA-256 over the SHA-256 of each named extension's canonical value, in list order. */
export function extDigest(
  attributes: Readonly<Record<string, AttributeValue>>,
  names: readonly string[],
  types: Readonly<Record<string, ExtensionType>> = {},
): Buffer {
  const parts = names.map((name) => {
    const value = own(attributes, name);
    return value === undefined ? EMPTY_DIGEST : sha256(canonicalValue(name, value, own(types, name)));
  });
  return sha256(Buffer.concat(parts));
}

const NAME = /^[a-z0-9]+$/;

/** Why a signedextattrs list is invalid, or null if it is valid. */
export function signedExtensionsProblem(names: readonly unknown[]): string | null {
  const seen = new Set<string>();
  for (const name of names) {
    if (typeof name !== 'string' || !NAME.test(name)) return `${JSON.stringify(name)} is not a CloudEvents attribute name`;
    if (CORE_SET.has(name)) return `"${name}" is a core context attribute`;
    if (name === 'dssematerial') return '"dssematerial" cannot be signed';
    if (seen.has(name)) return `"${name}" is repeated`;
    seen.add(name);
  }
  return null;
}

export function own<T>(record: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
}
