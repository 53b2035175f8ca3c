import { Inject, Injectable } from '@nestjs/common';
import { detectMode, DsseError, SCHEME_VERSION } from '#plaza/dsse';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../kernel/auth/principal.js';
import { RequestError, RequestErrorCode } from '../kernel/errors/request-error.js';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { ExchangeError, ExchangeErrorCode, type Refusal } from './exchange-error.js';
import { type ConformanceCount, type ExchangeSource, type FeedPosition, ExchangeRepository, type NewEvent, type NewRejection, type StoredIdentity } from './exchange.repository.js';
import type {
  BatchResponse, ConformanceResponse, EventAcceptedResponse, EventFeedQuery, EventFeedResponse, RejectionPage, RejectionsQuery, ServedEvent,
} from './exchange.dto.js';
import {
  checkEnvelope, type EnvelopedEvent, MAX_BATCH, type Mode, printable, readBatch, readBinaryMessage, readRefusal, type ReceivedEvent, readStructured,
} from './received-event.js';
import { type DataVerdict, judgeData, RegistryChecks, resolveStandard, type Resolution, type Validate } from './registry-checks.js';
import { checkSignature, keyidsOf, keyRefusal, PublicKeys, type SignedEvent } from './signature-check.js';
import { AgreementLifecycle, type EventType } from '../agreements/index.js';
import { PrivacyGate } from '../privacy-records/index.js';
import { SourceError, SourceErrorCode } from '../sources/index.js';
import { StandardsCatalogue } from '../standards/index.js';

export type OutcomeStatus = 'accepted' | 'duplicate' | 'valid' | 'rejected';

/** What became of one event. */
export interface Outcome {
  index: number;
  status: OutcomeStatus;
  source?: string;
  id?: string;
  sequence?: string;
  receivedAt?: Date;
  refusal?: Refusal;
}

export interface Submission {
  mode: Mode;
  outcomes: Outcome[];
}

/** A message as it arrived: Node's raw header list (repeats visible) and the body bytes. */
export interface RawMessage {
  rawHeaders: readonly string[];
  body: Buffer;
}

// A DSSE keyid Plaza could have registered (an RFC 7638 thumbprint); anything else is unknown without a query.
const KEYID = /^[A-Za-z0-9_-]{1,128}$/;
const DEADLOCK = '40P01';
const identityKey = (source: string, id: string) => JSON.stringify([source, id]);
const sameDigests = (a: { coreDigest: Buffer; extDigest: Buffer | null }, b: { coreDigest: Buffer; extDigest: Buffer | null }) =>
  a.coreDigest.equals(b.coreDigest) && (a.extDigest === null ? b.extDigest === null : b.extDigest !== null && a.extDigest.equals(b.extDigest));

/**
 * The exchange gateway: every event goes through the seven checks of DESIGN.md in order (envelope, signature,
 * source, agreement, standard, terms, once). Reading, the envelope and the signatures are checked before any
 * transaction; then one transaction per request locks the keys, sources and agreements the events rely on, runs
 * checks 3 to 7 and stores the accepted events, the rejections and the conformance counts, in a handful of
 * set-based statements. Nothing is acknowledged before it is committed.
 */
@Injectable()
export class ExchangeService {
  /** Published versions whose schema this process has handed to the catalogue, which compiled and keeps it (published schemas never change). */
  private readonly compiled = new Set<string>();
  private readonly publicKeys = new PublicKeys();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ExchangeRepository) private readonly repository: ExchangeRepository,
    @Inject(AgreementLifecycle) private readonly lifecycle: AgreementLifecycle,
    @Inject(PrivacyGate) private readonly privacy: PrivacyGate,
    @Inject(StandardsCatalogue) private readonly catalogue: StandardsCatalogue,
  ) {}

  async submit(principal: Principal, message: RawMessage, dryRun: boolean): Promise<Submission> {
    const receivedAt = new Date();
    const mode = detectMode(contentTypeOf(message.rawHeaders));
    const read = this.read(mode, message);
    const submitted = Array.isArray(read) ? read.length : 1;
    const who = { organisationId: principal.organisationId, apiKeyId: principal.keyId };
    if (!Array.isArray(read)) {
      await this.admit(principal, submitted, receivedAt, [], [], []);
      if (!dryRun) await this.repository.insertRejections([rejectionOf(mode, null, null, read, receivedAt)], who);
      return { mode, outcomes: [{ index: 0, status: 'rejected', refusal: read }] };
    }

    const outcomes: Outcome[] = new Array<Outcome>(read.length);
    const early: NewRejection[] = [];
    const refuse = (event: ReceivedEvent, refusal: Refusal, keyid: string | null = null) => {
      outcomes[event.index] = { index: event.index, status: 'rejected', ...identityOf(event), refusal };
      early.push(rejectionOf(mode, event, keyid, refusal, receivedAt));
    };

    // 1. envelope
    const bounds = { maxSkewSeconds: this.config.exchangeMaxSkewSeconds, maxAgeSeconds: this.config.exchangeMaxAgeSeconds };
    const enveloped: EnvelopedEvent[] = [];
    for (const event of read) {
      const checked = checkEnvelope(event, receivedAt, bounds);
      if ('code' in checked) refuse(event, checked);
      else enveloped.push(checked);
    }

    // 2. signature, outside any transaction (the key is judged again under a lock when storing). The statement that
    // takes the quota also reads the keys, and the standards the events name: published standards never change their schema.
    const keyids = enveloped.map(keyidsOf);
    const { keys: found, standards, versions } = await this.admit(
      principal, submitted, receivedAt,
      [...new Set(keyids.flat())].filter((kid) => KEYID.test(kid)),
      [...new Set(enveloped.map((e) => e.type))],
      [...new Set(enveloped.flatMap((e) => (typeof e.attributes.dataschema === 'string' ? [e.attributes.dataschema] : [])))],
    );
    const keys = new Map(found.map((key) => [key.kid, key]));
    const signed: SignedEvent[] = [];
    for (const [i, event] of enveloped.entries()) {
      const checked = await checkSignature(event, keyids[i]!, keys, this.publicKeys, principal.organisationId, receivedAt);
      if ('code' in checked) refuse(event, checked);
      else signed.push(checked);
    }

    // 5, first half, outside the transaction.
    const byType = new Map(standards.map((s) => [s.ceType, s]));
    const byUri = new Map(versions.map((v) => [v.schemaUri, v]));
    const schemas = await this.repository.schemas(versions.map((v) => v.schemaUri).filter((uri) => !this.compiled.has(uri)));
    const validate: Validate = (version, data) => {
      // Once the catalogue holds a version's schema it never reads it again: it is fetched once per process.
      const result = this.catalogue.validate({ schemaUri: version.schemaUri, status: version.status, schema: schemas.get(version.schemaUri) ?? {} }, data);
      if (version.status !== 'retired') this.compiled.add(version.schemaUri);
      return result;
    };
    const prepared = signed.map((event) => {
      const resolution = resolveStandard(event, byType, byUri);
      return { event, resolution, data: judgeData(event, resolution, validate) };
    });

    if (prepared.length === 0) {
      if (!dryRun) await this.repository.insertRejections(early, who);
    } else {
      const judged = await this.withDeadlockRetry(() =>
        this.repository.transaction((manager) => this.judgeAndStore(principal, mode, prepared, early, dryRun, manager)),
      );
      for (const outcome of judged) outcomes[outcome.index] = outcome;
    }
    return { mode, outcomes };
  }

  /** Reads the events of a message; a single event that cannot be read is refused, an unreadable batch is a problem. */
  private read(mode: Mode, message: RawMessage): ReceivedEvent[] | Refusal {
    try {
      if (mode === 'binary') return [readBinaryMessage(message.rawHeaders, message.body)];
      if (mode === 'structured') return [readStructured(message.body)];
      const events = readBatch(message.body);
      if (events.length === 0) throw new ExchangeError(ExchangeErrorCode.BatchEmpty, 'The batch holds no event.', { check: 'envelope' });
      return events;
    } catch (error) {
      if (error instanceof ExchangeError) throw error;
      // Reading stopped at the first event past the bound: nothing beyond it was read.
      if (error instanceof DsseError && error.code === 'too_many_events') {
        throw new ExchangeError(ExchangeErrorCode.BatchTooLarge, `The batch holds more than ${MAX_BATCH} events; at most ${MAX_BATCH} are accepted in one request.`);
      }
      const refusal = readRefusal(error);
      if (mode === 'batch') throw ExchangeError.refusing(refusal);
      return refusal;
    }
  }

  /** Takes the events from the organisation's quota (429 when they do not fit) and reads the keys and standards they need. */
  private async admit(principal: Principal, events: number, at: Date, kids: string[], types: string[], schemaUris: string[]) {
    const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
    const limit = this.config.exchangeEventsPerMinute;
    const { admitted, ...found } = await this.repository.admit({ organisationId: principal.organisationId, minute, events, limit }, kids, types, schemaUris);
    if (admitted) return found;
    const retryAfter = Math.max(1, Math.ceil((minute.getTime() + 60_000 - Date.now()) / 1000));
    throw new ExchangeError(
      ExchangeErrorCode.QuotaExceeded,
      `Your organisation may submit ${limit} events a minute; these ${events} would go beyond it. Retry in ${retryAfter} s.`,
      {},
      retryAfter,
    );
  }

  /** Checks 3 to 7 and the writes, in the request's one transaction. */
  private async judgeAndStore(
    principal: Principal,
    mode: Mode,
    prepared: { event: SignedEvent; resolution: Resolution; data: DataVerdict | null }[],
    early: NewRejection[],
    dryRun: boolean,
    manager: EntityManager,
  ): Promise<Outcome[]> {
    const organisationId = principal.organisationId;
    const events = prepared.map((p) => p.event);
    const locked = await this.repository.lockRegistry([...new Set(events.map((e) => e.keyid))], [...new Set(events.map((e) => e.source))], organisationId, manager);
    const keys = new Map(locked.keys.map((key) => [key.kid, key]));
    const sources = new Map(locked.sources.map((s) => [s.ceSource, s]));
    const agreements = locked.agreements;
    // A statement after the locks: it sees every suspension or termination that committed before them.
    const versions = await this.repository.versions(agreements.map((a) => a.id), manager);
    // Read after the locks: a revocation, suspension or termination that committed before them is in the past of `now`.
    const now = new Date();
    const checks = new RegistryChecks({ sources, agreements, versions }, organisationId, now, this.lifecycle, this.privacy, manager);

    const outcomes: Outcome[] = [];
    // What is refused (and counted) before the insert is stored with it; what the insert reveals, after it.
    let rejections: NewRejection[] = [...early];
    let counts = new Map<string, ConformanceCount>();
    const sortedCounts = () => [...counts.values()].sort((a, b) => `${a.sourceId} ${a.code}`.localeCompare(`${b.sourceId} ${b.code}`));
    // Only the source's owner and operator can smear or flatter its public record: a stranger's events naming it
    // (refused as not_source_operator, source_inactive, ...) are not counted, whatever key signed them.
    const count = (source: ExchangeSource | undefined, code: string) => {
      if (!source || (source.ownerId !== organisationId && source.operatorId !== organisationId)) return;
      const key = `${source.id} ${code}`;
      const entry = counts.get(key) ?? { sourceId: source.id, code, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    };
    const reject = (event: SignedEvent, refusal: Refusal, source: ExchangeSource | undefined) => {
      outcomes.push({ index: event.index, status: 'rejected', ...identityOf(event), refusal });
      rejections.push(rejectionOf(mode, event, event.keyid, refusal, now));
      count(source, refusal.code);
    };

    const passed: { event: SignedEvent; source: ExchangeSource; standardVersionId: string }[] = [];
    for (const { event, resolution, data } of prepared) {
      const keyProblem = keyRefusal(keys.get(event.keyid)!, now);
      if (keyProblem) {
        reject(event, keyProblem, sources.get(event.source));
        continue;
      }
      const verdict = await checks.judge(event, resolution, data);
      if ('code' in verdict) reject(event, verdict, verdict.source);
      else passed.push({ event, source: verdict.source, standardVersionId: verdict.version.id });
    }

    // 7. once: (source, id) is new, or the same content again (an idempotent duplicate), or a conflict.
    const firsts = new Map<string, (typeof passed)[number]>();
    for (const p of passed) if (!firsts.has(identityKey(p.event.source, p.event.id))) firsts.set(identityKey(p.event.source, p.event.id), p);
    const stored = new Map<string, { identity: StoredIdentity; fresh: boolean }>();
    // Every event inserted now is accepted now: the statement counts them itself.
    const fresh = dryRun
      ? []
      : await this.repository.store(
        [...firsts.values()].sort((a, b) => compare(a.event, b.event)).map(({ event, source, standardVersionId }): NewEvent => ({
          sourceId: source.id, source: event.source, id: event.id, type: event.type, timeText: event.timeText, time: event.time, keyid: event.keyid,
          standardVersionId, coreDigest: event.coreDigest, extDigest: event.extDigest, dssematerial: event.dssematerial, received: event.received, headers: event.headers ?? null,
        })),
        { receivedAt: now, mode, scheme: SCHEME_VERSION, organisationId, apiKeyId: principal.keyId },
        rejections, sortedCounts(), manager,
      );
    rejections = [];
    counts = new Map();
    for (const identity of fresh) stored.set(identityKey(identity.source, identity.id), { identity, fresh: true });
    const missing = [...firsts.values()].filter((p) => !stored.has(identityKey(p.event.source, p.event.id))).map((p) => ({ source: p.event.source, id: p.event.id }));
    for (const identity of await this.repository.identities(missing, manager)) stored.set(identityKey(identity.source, identity.id), { identity, fresh: false });

    for (const { event, source } of passed) {
      const key = identityKey(event.source, event.id);
      const first = firsts.get(key)!.event;
      const found = stored.get(key);
      // Compared with what was accepted before, or else (a dry run of a new event) with its first occurrence in this request.
      const original = found?.identity ?? first;
      if (!sameDigests(event, original)) {
        reject(event, {
          code: ExchangeErrorCode.EventConflict, check: 'once',
          detail: found ? `an event with this source and id, but other content, was accepted as sequence ${found.identity.sequence}` : 'an earlier event of this request has this source and id, but other content',
        }, source);
        continue;
      }
      if (!found) {
        outcomes.push({ index: event.index, status: event === first ? 'valid' : 'duplicate', source: event.source, id: event.id });
        continue;
      }
      const status: OutcomeStatus = found.fresh && event === first ? 'accepted' : 'duplicate';
      outcomes.push({ index: event.index, status, source: event.source, id: event.id, sequence: found.identity.sequence, receivedAt: found.identity.receivedAt });
    }

    if (!dryRun) {
      // Conflicts with events stored earlier, known only now (rare).
      await this.repository.insertRejections(rejections, { organisationId, apiKeyId: principal.keyId }, manager);
      await this.repository.countConformance(sortedCounts(), now, manager);
    }
    return outcomes;
  }

  /** Two requests storing overlapping events in different orders can deadlock; PostgreSQL aborts one, which is then run again. */
  private async withDeadlockRetry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const code = (error as { code?: unknown; driverError?: { code?: unknown } }).driverError?.code ?? (error as { code?: unknown }).code;
        if (code !== DEADLOCK || attempt >= 3) throw error;
      }
    }
  }

  /**
   * GET /api/v1/exchange/events: a source's accepted events. The owning city reads them all; a vendor only while it
   * is a party to an agreement version in force now covering the source (as for submitting: a suspended, terminated
   * or expired agreement shares nothing), and only the event types that version covers. Anything else is a 404.
   */
  async feed(principal: Principal, query: EventFeedQuery): Promise<EventFeedResponse> {
    const notFound = () => new ExchangeError(ExchangeErrorCode.SourceNotFound, 'No source with this CloudEvents source value is one whose events you may read.');
    const source = await this.repository.findSource({ ceSource: query.source });
    if (!source) throw notFound();
    let covered: EventType[] | null = null;
    if (source.ownerId !== principal.organisationId) {
      const inForce = await this.lifecycle.inForceForSource(source.id, new Date());
      covered = inForce.filter((v) => v.vendorIds.includes(principal.organisationId)).flatMap((v) => v.eventTypes);
      if (covered.length === 0) throw notFound();
      if (query.type !== undefined) {
        const { standards } = await this.repository.standards([query.type], []);
        if (!standards.some((s) => covered!.some((c) => c.standard === s.id))) throw notFound();
      }
    }
    const after = query.cursor === undefined ? { xid: '0', sequence: '0' } : decodePosition(query.cursor);
    const limit = query.limit ?? 100;
    const rows = await this.repository.feed(source.id, query.type ?? null, covered, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const position = last ? encodePosition({ xid: last.xid, sequence: last.sequence }) : encodePosition(after);
    return {
      items: page.map((row): ServedEvent => ({
        sequence: row.sequence, source: row.source, id: row.id, type: row.type, time: row.timeText, receivedAt: row.receivedAt.toISOString(),
        mode: row.mode, scheme: row.scheme, keyid: row.keyid,
        ...(row.mode === 'binary' ? { headers: row.headers ?? [], bodyBase64: row.received.toString('base64') } : { event: row.received.toString('utf8') }),
      })),
      nextCursor: rows.length > limit ? position : null,
      pollCursor: position,
    };
  }

  /** GET /api/v1/exchange/rejections: the caller's organisation's own refused events, newest first. */
  async rejections(principal: Principal, query: RejectionsQuery): Promise<RejectionPage> {
    const before = query.cursor === undefined ? null : decodeRejectionCursor(query.cursor);
    const limit = query.limit ?? 50;
    const rows = await this.repository.rejections(principal.organisationId, before, limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({ ...r, receivedAt: r.receivedAt.toISOString() })),
      nextCursor: rows.length > limit ? Buffer.from(page[page.length - 1]!.rejectionId).toString('base64url') : null,
    };
  }

  /** GET /api/v1/sources/:id/conformance: public counts by outcome, of events whose signature verified. */
  async conformance(sourceId: string): Promise<ConformanceResponse> {
    const source = await this.repository.findSource({ id: sourceId });
    if (!source) throw new SourceError(SourceErrorCode.NotFound, `There is no data source ${sourceId}.`);
    const rows = await this.repository.conformance(source.id);
    const accepted = rows.find((r) => r.code === 'accepted');
    const refused = rows.filter((r) => r.code !== 'accepted');
    return {
      source: source.id,
      ceSource: source.ceSource,
      accepted: accepted?.count ?? 0,
      rejected: refused.reduce((sum, r) => sum + r.count, 0),
      rejectedByCode: Object.fromEntries(refused.map((r) => [r.code, r.count])),
      lastAcceptedAt: accepted ? accepted.lastReceivedAt.toISOString() : null,
    };
  }
}

function contentTypeOf(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'content-type') return rawHeaders[i + 1];
  return undefined;
}

const compare = (a: { source: string; id: string }, b: { source: string; id: string }) => (a.source === b.source ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.source < b.source ? -1 : 1);

/** The source and id of an event, as far as they are strings (for answers and rejection records). */
function identityOf(event: ReceivedEvent): { source?: string; id?: string } {
  const { source, id } = event.attributes;
  return { ...(typeof source === 'string' ? { source } : {}), ...(typeof id === 'string' ? { id } : {}) };
}

function rejectionOf(mode: Mode, event: ReceivedEvent | null, keyid: string | null, refusal: Refusal, receivedAt: Date): NewRejection {
  const text = (value: unknown) => (typeof value === 'string' ? printable(value, 512) : null);
  return {
    receivedAt, mode, index: event && mode === 'batch' ? event.index : null,
    source: text(event?.attributes.source), id: text(event?.attributes.id), type: text(event?.attributes.type),
    keyid, signatureVerified: keyid !== null, code: refusal.code, check: refusal.check, detail: printable(refusal.detail, 1000),
    errors: refusal.errors ? refusal.errors.map((e) => ({ pointer: printable(e.pointer, 300), detail: printable(e.detail, 300) })) : null,
  };
}

const DIGITS = /^\d{1,20}$/;
/** Decimal text within [0, max]: what PostgreSQL's xid8 (2^64 - 1) or bigint (2^63 - 1) can take. */
const within = (text: unknown, max: bigint): text is string => typeof text === 'string' && DIGITS.test(text) && BigInt(text) <= max;
const XID8_MAX = 2n ** 64n - 1n;
const BIGINT_MAX = 2n ** 63n - 1n;
const invalidCursor = () => new RequestError(RequestErrorCode.InvalidCursor, 'The cursor is not one this registry issued.');

function encodePosition(position: FeedPosition): string {
  return Buffer.from(JSON.stringify({ x: position.xid, s: position.sequence }), 'utf8').toString('base64url');
}

function decodePosition(cursor: string): FeedPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  const p = value as { x?: unknown; s?: unknown } | null;
  if (!p || typeof p !== 'object' || Object.keys(p).length !== 2 || !within(p.x, XID8_MAX) || !within(p.s, BIGINT_MAX)) throw invalidCursor();
  return { xid: p.x, sequence: p.s };
}

function decodeRejectionCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!within(id, BIGINT_MAX)) throw invalidCursor();
  return id;
}

/** The HTTP answer to a submission: a single event's status (201 when accepted now), a batch's results, or a refused single event's problem. */
export function answerOf(submission: Submission): { statusCode: number; body: EventAcceptedResponse | BatchResponse } {
  const view = (o: Outcome) => ({
    status: o.status, ...(o.source !== undefined ? { source: o.source } : {}), ...(o.id !== undefined ? { id: o.id } : {}),
    ...(o.sequence !== undefined ? { sequence: o.sequence } : {}), ...(o.receivedAt ? { receivedAt: o.receivedAt.toISOString() } : {}),
  });
  if (submission.mode !== 'batch') {
    const [outcome] = submission.outcomes as [Outcome];
    if (outcome.refusal) throw ExchangeError.refusing(outcome.refusal);
    return { statusCode: outcome.status === 'accepted' ? 201 : 200, body: view(outcome) as EventAcceptedResponse };
  }
  const tally = (...statuses: OutcomeStatus[]) => submission.outcomes.filter((o) => statuses.includes(o.status)).length;
  return {
    statusCode: 200,
    body: {
      accepted: tally('accepted', 'valid'),
      duplicates: tally('duplicate'),
      rejected: tally('rejected'),
      results: submission.outcomes.map((o) => ({
        index: o.index, ...view(o),
        ...(o.refusal ? { code: o.refusal.code, check: o.refusal.check, detail: o.refusal.detail, ...(o.refusal.errors ? { errors: o.refusal.errors } : {}) } : {}),
      })),
    },
  };
}
