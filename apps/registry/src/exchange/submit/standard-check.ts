import { Buffer } from 'node:buffer';
import { Inject, Injectable } from '@nestjs/common';
import { assertStrictJson, escapeToken, inspectJson, JsonReadError } from '#plaza/json';
import { ExchangeErrorCode, type PointerError, type Refusal } from '../exchange-error.js';
import { type ExchangeSource, type ExchangeStandard, type ExchangeVersion, RegistryReadModel } from '../registry-read-model.js';
import { EXCHANGE_CODES } from './dsse-codes.js';
import { type EnvelopedEvent, LONE_SURROGATES, MAX_DEPTH, printable, type ReceivedEvent } from './read.js';
import { StandardsCatalogue } from '../../standards/index.js';

/**
 * Check 5, the standard, all of it: the event's `type` and `dataschema` name a published version of a standard, the
 * source declares that standard's major, and `data` is strict JSON valid against the version's schema. What needs
 * no lock is settled before the transaction (prepare: which version, and is the data valid); what depends on the
 * source is judged under its lock, after checks 3 and 4 (judge), so the order of the checks holds.
 */
export type StandardFinding =
  /** The type or dataschema names no published version (the standard, if the type names one, still tells check 4 what to look for). */
  | { standard?: ExchangeStandard; unresolved: Refusal }
  /** The version the event follows, and its data read and validated (or why not). */
  | { standard: ExchangeStandard; version: ExchangeVersion; data: { value: unknown } | Refusal };

const refusal = (code: ExchangeErrorCode, detail: string, errors?: PointerError[]): Refusal => ({ code, check: 'standard', detail, ...(errors ? { errors } : {}) });
const dataPointer = (pointer: string) => `/data${pointer}`;

@Injectable()
export class StandardCheck {
  constructor(
    @Inject(RegistryReadModel) private readonly registry: RegistryReadModel,
    @Inject(StandardsCatalogue) private readonly catalogue: StandardsCatalogue,
  ) {}

  /** Check 5's first half, before the transaction, for events whose signature verified (given the standards and versions they name). */
  async prepare(events: EnvelopedEvent[], standards: ExchangeStandard[], versions: ExchangeVersion[]): Promise<StandardFinding[]> {
    const byType = new Map(standards.map((s) => [s.ceType, s]));
    const byUri = new Map(versions.map((v) => [v.schemaUri, v]));
    // The catalogue compiles a published schema once and keeps it (published schemas never change): fetched once per process.
    const schemas = await this.registry.schemas(versions.map((v) => v.schemaUri).filter((uri) => !this.catalogue.holds(uri)));
    // Findings are spelled out, not spread from `resolved`: a spread followed by a member costs microseconds an event.
    return events.map((event) => {
      const resolved = resolve(event, byType, byUri);
      if ('unresolved' in resolved) return resolved;
      const { standard, version } = resolved;
      const data = readData(event);
      if ('code' in data) return { standard, version, data };
      const validation = this.catalogue.validate({ schemaUri: version.schemaUri, status: version.status, schema: schemas.get(version.schemaUri) ?? {} }, data.value);
      if (validation.valid) return { standard, version, data };
      return {
        standard,
        version,
        data: refusal(ExchangeErrorCode.DataInvalid, `the data is not valid against ${version.schemaUri}`, validation.errors.map((e) => ({ pointer: dataPointer(e.pointer), detail: e.message }))),
      };
    });
  }

  /** Check 5's second half, under the source's lock, once checks 3 and 4 passed: the version and the data, or why not. */
  judge(finding: StandardFinding, source: ExchangeSource): { version: ExchangeVersion; data: unknown } | Refusal {
    if ('unresolved' in finding) return finding.unresolved;
    const { standard, version, data } = finding;
    if (!source.standards.some((s) => s.standard === standard.id && s.major === version.major)) {
      return refusal(ExchangeErrorCode.TypeNotDeclaredBySource, `the source does not declare ${standard.id} ${version.major}.x`, [{ pointer: '/dataschema', detail: 'not declared by the source' }]);
    }
    if ('code' in data) return data;
    return { version, data: data.value };
  }
}

/** The standard of the event's type and the published version its dataschema names. */
function resolve(
  event: EnvelopedEvent, standards: ReadonlyMap<string, ExchangeStandard>, versions: ReadonlyMap<string, ExchangeVersion>,
): { standard?: ExchangeStandard; unresolved: Refusal } | { standard: ExchangeStandard; version: ExchangeVersion } {
  const standard = standards.get(event.type);
  if (!standard) return { unresolved: refusal(ExchangeErrorCode.TypeUnknown, `no standard has the CloudEvents type "${printable(event.type)}"`, [{ pointer: '/type', detail: 'unknown type' }]) };
  const dataschema = event.attributes.dataschema;
  if (typeof dataschema !== 'string' || dataschema === '') {
    return { standard, unresolved: refusal(ExchangeErrorCode.DataschemaMissing, `the event must name the version of ${standard.id} it follows as its dataschema`, [{ pointer: '/dataschema', detail: 'missing' }]) };
  }
  const version = versions.get(dataschema);
  if (!version || version.standardId !== standard.id || version.status === 'retired') {
    return {
      standard,
      unresolved: refusal(ExchangeErrorCode.DataschemaUnpublished, `"${printable(dataschema)}" is not a published (nor deprecated) version of ${standard.id}`, [
        { pointer: '/dataschema', detail: 'not a published version of the standard of this type' },
      ]),
    };
  }
  return { standard, version };
}

const NUMBER_MAYBE_UNSAFE = /\d{16}|\d[eE]/;
const JSON_MEDIA = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;.*)?$/i;

/**
 * The event's `data` as a JSON value, read once and strictly, or why it cannot be validated: a JSON media type, some
 * data, strict JSON (libs/json: UTF-8, grammar, no duplicate member, depth, checked before parsing), no NUL and no
 * unpaired surrogate in any text (libs/json's inspection), no number beyond ±(2^53 - 1). Pointers are into the event (`/data/...`).
 */
export function readData(event: ReceivedEvent): { value: unknown } | Refusal {
  const contentType = event.attributes.datacontenttype;
  if (typeof contentType === 'string' && !JSON_MEDIA.test(contentType.trim())) {
    return refusal(ExchangeErrorCode.DataNotJson, `datacontenttype "${printable(contentType)}" is not JSON; standards describe JSON data`);
  }
  if (event.dataEncoding === 'none' || (event.dataEncoding === 'binary' && event.data.length === 0)) return refusal(ExchangeErrorCode.DataMissing, 'the event has no data');
  const bytes = Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength);
  // A structured `data` member was read strictly with the whole body; other data has not been read yet.
  if (event.dataEncoding !== 'json') {
    try {
      assertStrictJson(bytes, { maxDepth: MAX_DEPTH });
    } catch (error) {
      if (!(error instanceof JsonReadError)) throw error;
      const code = EXCHANGE_CODES[error.code];
      return refusal(code === ExchangeErrorCode.BodyUnreadable ? ExchangeErrorCode.DataNotJson : code, `the data is not strict JSON: ${error.message}`);
    }
  }
  const text = bytes.toString('utf8');
  const value: unknown = JSON.parse(text);
  // Raw UTF-8 cannot encode a NUL in a string nor a surrogate: only a \u0000 or \uD800-\uDFFF escape can make one.
  const flaw = text.includes('\\u') && (text.includes('\\u0000') || /\\u[dD][89a-fA-F]/.test(text)) ? inspectJson(text) : null;
  if (flaw) {
    // The flaw is in a member name when the last token of its pointer (the name) holds it.
    const token = flaw.pointer.slice(flaw.pointer.lastIndexOf('/') + 1);
    if (flaw.flaw === 'nul_character') {
      const detail = `${token.includes('\u0000') ? 'a member name contains' : 'text contains'} a NUL character (U+0000)`;
      return refusal(ExchangeErrorCode.DataNulCharacter, detail, [{ pointer: dataPointer(flaw.pointer), detail }]);
    }
    const detail = `${token.search(LONE_SURROGATES) >= 0 ? 'a member name contains' : 'text contains'} an unpaired UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is not Unicode text`;
    return refusal(ExchangeErrorCode.DataNotJson, detail, [{ pointer: dataPointer(printable(flaw.pointer, 300)), detail }]);
  }
  // A number beyond 2^53 - 1 is written with sixteen digits in a row at least, or with an exponent.
  const unsafe = NUMBER_MAYBE_UNSAFE.test(text) ? unsafeNumber(value) : null;
  if (unsafe !== null) {
    const detail = 'a number beyond ±(2^53 - 1) cannot be read the same way by every consumer';
    return refusal(ExchangeErrorCode.DataNumberOutOfRange, detail, [{ pointer: dataPointer(unsafe), detail }]);
  }
  return { value };
}

/** A value met in the walk, and where: the pointer is only spelled out for the value at fault. */
interface Visit {
  value: unknown;
  parent: Visit | undefined;
  token: string;
}

/** The pointer of the first number beyond ±(2^53 - 1), or null. Linear in the value: each value is visited once. */
function unsafeNumber(root: unknown): string | null {
  const pending: Visit[] = [{ value: root, parent: undefined, token: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value } = next;
    if (typeof value === 'number' && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
      const tokens: string[] = [];
      for (let at: Visit | undefined = next; at?.parent; at = at.parent) tokens.push(escapeToken(at.token));
      return tokens.reverse().map((token) => `/${token}`).join('');
    }
    if (value === null || typeof value !== 'object') continue;
    for (const [name, member] of Object.entries(value)) pending.push({ value: member, parent: next, token: name });
  }
  return null;
}
