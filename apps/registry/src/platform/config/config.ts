import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { DatabaseSettings } from '#plaza/database';
import { cosignatureVerifierFromKey, isValidKeyName, noteVerifierFromKey } from '#plaza/note';
import { OutboundClient } from '#plaza/outbound';
import type { LogLevel } from '../../kernel/logging/logger.js';

/** Everything the registry reads from its environment, validated once at start. */
export interface AppConfig {
  host: string;
  port: number;
  dataDir: string;
  database: DatabaseSettings;
  /** Supplied operator key; when absent the first start creates one in the data folder. */
  operatorKey: string | undefined;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  /**
   * Which proxies' X-Forwarded-For entries to believe: none (false), the nearest N hops, or the listed addresses and
   * CIDR ranges. Never every hop: the left-most entry is whatever the client wrote.
   */
  trustProxy: false | number | string[];
  /** Where the registry is reached from outside (origin and optional base path, no trailing slash): every absolute URL it prints starts so. */
  publicUrl: string;
  /** Connection limits: the request line and headers, the whole request (body included), an idle keep-alive connection, a socket with no traffic. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  challengeTtlSeconds: number;
  /** Live (unused, unexpired) proof-of-possession challenges an organisation may hold at once. */
  challengeLimit: number;
  /** Seconds a client is asked to wait (Retry-After) while the database is unreachable. */
  retryAfterSeconds: number;
  /** The public baseline of standards and the written proposals, imported at start. */
  standardsDir: string;
  proposalsDir: string;
  /** The coalition's decision rule: share of the electorate that must vote, and share of yes among yes + no needed. */
  votingQuorumPercent: number;
  votingMajorityPercent: number;
  /** Voting closes early only when the whole electorate has voted; otherwise not before this many hours. */
  votingPeriodHours: number;
  /** How often time-driven transitions are applied; 0 turns the timer off (tests drive it by hand). */
  schedulerIntervalSeconds: number;
  /** The transparency log's checkpoint origin line (C2SP tlog-checkpoint). */
  logOrigin: string;
  /**
   * The origin of a log the operator knowingly abandoned after restoring an older backup than it had published: this
   * registry then starts as the new log logOrigin names instead of refusing (see PublishedSize). Null: none.
   */
  logAbandonedOrigin: string | null;
  /** Supplied Ed25519 private JWK signing the log's checkpoints; when absent the first start creates one in the data folder. */
  logSigningKey: LogSigningJwk | undefined;
  /**
   * The log's earlier signing keys, oldest first, as private JWKs: at start, the one that signed the latest checkpoint
   * signs a rotation statement naming the next (and each the one after it, up to the current key). Private, because
   * only the old key itself can vouch for its successor; once the statement is stored they may be removed.
   */
  logPreviousKeys: LogSigningJwk[];
  /** How often the registry looks for a grown log and signs its checkpoint (0: only when one is asked for). */
  checkpointIntervalMs: number;
  /** The other logs this registry witnesses (tlog-witness): each origin with the verifier key its checkpoints must carry. None: the witness is off. */
  witnessLogs: WitnessedLog[];
  /** Supplied Ed25519 private JWK of the witness's cosignatures (never the log's key); when absent the first start creates one in the data folder. */
  witnessSigningKey: LogSigningJwk | undefined;
  /** The witness's key name, in its cosignature lines and verifier key. */
  witnessName: string;
  /**
   * Witnesses the elected instance asks to cosign the log's checkpoints (tlog-witness): each one's add-checkpoint URL
   * prefix and C2SP verifier key; how often at most a new checkpoint is sent to them (0: never); and how many valid
   * cosignatures make a checkpoint witnessed (0 when there are no witnesses).
   */
  logWitnesses: LogWitnessSetting[];
  logWitnessIntervalMs: number;
  logWitnessQuorum: number;
  /** Fork alarms the operator acknowledged: each by its witness's name and its number (the witness's alarm count when it was raised). */
  logWitnessAlarmsAcknowledged: AcknowledgedAlarm[];
  /** Processes serving HTTP on the one port (node:cluster); more than 1 needs a PostgreSQL server. */
  workers: number;
  /**
   * Metrics (/metrics, Prometheus text): the bearer token that reads them on the registry's port, and a port of their
   * own on 127.0.0.1 (in a cluster, the primary's, with every worker's metrics added up). Neither: no metrics.
   */
  metricsToken: string | null;
  metricsPort: number | null;
  /** The exchange: largest request body, events an organisation may submit a minute, and how far `time` may be ahead of or behind receipt. */
  exchangeBodyLimitBytes: number;
  exchangeEventsPerMinute: number;
  exchangeMaxSkewSeconds: number;
  exchangeMaxAgeSeconds: number;
  /**
   * Group commit: concurrent submissions join one transaction. A group closes when it holds this many events, or
   * when this many milliseconds have passed since its first request (0: as soon as the previous group has committed).
   */
  exchangeGroupMaxEvents: number;
  exchangeGroupDelayMs: number;
  /** How long a cached API key, signing key, standard or public answer may be served without being read again, whatever notifications say. */
  registryCacheMaxAgeMs: number;
  /**
   * Public reads: how many bytes of rendered public answers each process keeps (0: none), how long one may be served
   * without being rendered again whatever notifications say, and how long a shared cache (a CDN in front of the
   * registry) may serve one, then serve it stale while it asks again.
   */
  publicCacheBytes: number;
  publicCacheMaxAgeMs: number;
  publicSharedMaxAgeSeconds: number;
  publicStaleSeconds: number;
  /** Retention: how often events past their agreement's retention are deleted (0: never), and how many rows a statement deletes. */
  retentionIntervalSeconds: number;
  retentionBatchRows: number;
  /**
   * Delivery: how often each process looks for subscriptions with events to deliver (0: never), how long a process
   * holds a subscription before another may take it over, how many times a failing delivery is retried (with
   * exponential back-off from the base to the ceiling, with jitter) before the subscription becomes `failing`, and how
   * long one request to a sink may take.
   */
  deliveryPollMs: number;
  deliveryLeaseSeconds: number;
  deliveryMaxAttempts: number;
  deliveryBackoffBaseMs: number;
  deliveryBackoffMaxMs: number;
  deliveryTimeoutMs: number;
  /** Subscriptions an organisation may hold (deleted ones aside): each one is a follower every registry process may run. */
  subscriptionsPerOrganisation: number;
  /** Supplied Ed25519 private JWK signing delivery requests (RFC 9421); when absent the first start creates one in the data folder. */
  deliverySigningKey: LogSigningJwk | undefined;
  /** Supplied 32-byte key (base64url) encrypting sink credentials at rest; when absent the first start creates one in the data folder. */
  secretsKey: Buffer | undefined;
  /**
   * Outbound requests to URLs others chose (sinks, handshake callbacks): addresses and CIDR ranges allowed although
   * they are loopback, private or otherwise internal, and host names a sink may name with plain http.
   */
  outboundAllowAddresses: string[];
  outboundAllowHttpHosts: string[];
  /** The broker: publish accepted events to NATS JetStream when set, on subjects `<prefix>.<source id>`, in this stream. */
  natsUrl: string | null;
  natsStream: string;
  natsSubjectPrefix: string;
  /** The public register's map: a tile URL template ({z}, {x}, {y}, optional {s}), or null for markers on a plain background. */
  mapTileUrl: string | null;
  mapAttribution: string;
  /**
   * The open-data catalogue (DCAT): the registry's operator, its publisher (a name, and a home page or the registry
   * itself), and the licence URL of a source that names none.
   */
  operatorName: string;
  operatorUrl: string;
  defaultLicence: string;
  /**
   * Full exports of the public register: the folder their files are built in (shared by the instances of one
   * registry, as only one builds), and how often an instance looks whether the journal grew (0: never builds).
   */
  exportDir: string;
  exportIntervalMs: number;
  /**
   * Demo mode (set by `npm run demo` only): the demo data folder and database, the demo banner on the public pages, and
   * the committed demo signing keys accepted. Any other registry refuses those keys.
   */
  demo: boolean;
}

/** A witness of the log: its add-checkpoint URL prefix (no trailing slash) and its verifier key `name+id+key`. */
export interface LogWitnessSetting {
  url: string;
  vkey: string;
}

/** A fork alarm the operator acknowledged (PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED). */
export interface AcknowledgedAlarm {
  witness: string;
  alarm: number;
}

/** A log this registry witnesses: its checkpoint origin and the signed-note verifier key (`name+id+key`, type 0x01) that signs them. */
export interface WitnessedLog {
  origin: string;
  vkey: string;
}

/** An Ed25519 private key as a JWK (RFC 8037). */
export interface LogSigningJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d: string;
}

const B64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

/** Parses an Ed25519 private JWK; null if it is not one. */
export function parseLogSigningJwk(raw: string): LogSigningJwk | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const jwk = value as Partial<LogSigningJwk> | null;
  if (jwk === null || typeof jwk !== 'object' || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') return null;
  if (typeof jwk.x !== 'string' || typeof jwk.d !== 'string' || !B64URL_32_BYTES.test(jwk.x) || !B64URL_32_BYTES.test(jwk.d)) return null;
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d };
}

/** One private JWK or a JSON array of them (PLAZA_LOG_PREVIOUS_KEYS); null if it is neither. */
function parsePreviousKeys(raw: string | undefined): LogSigningJwk[] | null {
  if (raw === undefined) return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return null;
  }
  const keys = (Array.isArray(list) ? list : [list]).map((item) => parseLogSigningJwk(JSON.stringify(item)));
  return keys.every((key) => key !== null) ? (keys as LogSigningJwk[]) : null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export const OPERATOR_KEY_PATTERN = /^plz_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/;

type Env = Record<string, string | undefined>;

/** The only reader of the environment. Every problem is reported at once, each naming its variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const read = new Reader(env, problems);
  const demo = read.bool('PLAZA_DEMO', false);
  // The demo never touches the default data folder nor a server database it was not explicitly given:
  // it reads its own variables, so an exported PLAZA_DATA_DIR or DATABASE_URL is left alone.
  const dataDir = demo ? resolve(read.string('PLAZA_DEMO_DATA_DIR', './.plaza-demo')) : resolve(read.string('PLAZA_DATA_DIR', './.plaza'));
  const url = demo ? read.optional('PLAZA_DEMO_DATABASE_URL') : read.optional('DATABASE_URL');
  if (url !== undefined && !/^postgres(ql)?:\/\/[^\s]+$/.test(url)) problems.push(`${demo ? 'PLAZA_DEMO_DATABASE_URL' : 'DATABASE_URL'} must be a postgres:// or postgresql:// URL`);
  const preparedReads = read.bool('PLAZA_DB_PREPARED_READS', true);
  const database: DatabaseSettings = url
    ? {
        mode: 'server',
        url,
        poolSize: read.int('PLAZA_DB_POOL_SIZE', 10, 1, 200),
        connectTimeoutMs: read.int('PLAZA_DB_CONNECT_TIMEOUT_MS', 3_000, 100, 60_000),
        statementTimeoutMs: read.int('PLAZA_DB_STATEMENT_TIMEOUT_MS', 15_000, 100, 600_000),
        preparedReads,
      }
    : { mode: 'embedded', dataDir, preparedReads };
  const operatorKey = read.optional('PLAZA_OPERATOR_KEY');
  if (operatorKey !== undefined && !OPERATOR_KEY_PATTERN.test(operatorKey)) {
    problems.push('PLAZA_OPERATOR_KEY must be a Plaza API key (plz_<8 lowercase letters or digits>_<43 base64url characters>)');
  }
  const rawLogKey = read.optional('PLAZA_LOG_SIGNING_KEY');
  const logSigningKey = rawLogKey === undefined ? undefined : (parseLogSigningJwk(rawLogKey) ?? undefined);
  if (rawLogKey !== undefined && !logSigningKey) problems.push('PLAZA_LOG_SIGNING_KEY must be an Ed25519 private JWK: {"kty":"OKP","crv":"Ed25519","x":…,"d":…}');
  const logPreviousKeys = parsePreviousKeys(read.optional('PLAZA_LOG_PREVIOUS_KEYS'));
  if (logPreviousKeys === null) problems.push('PLAZA_LOG_PREVIOUS_KEYS must be an Ed25519 private JWK, or a JSON array of them, oldest first');
  const rawWitnessKey = read.optional('PLAZA_WITNESS_SIGNING_KEY');
  const witnessSigningKey = rawWitnessKey === undefined ? undefined : (parseLogSigningJwk(rawWitnessKey) ?? undefined);
  if (rawWitnessKey !== undefined && !witnessSigningKey) problems.push('PLAZA_WITNESS_SIGNING_KEY must be an Ed25519 private JWK: {"kty":"OKP","crv":"Ed25519","x":…,"d":…}');
  // A cosignature says "I saw this tree", the log's signature "I made it": one key must never say both.
  if (witnessSigningKey && logSigningKey && witnessSigningKey.x === logSigningKey.x) problems.push('PLAZA_WITNESS_SIGNING_KEY must not be the log signing key (PLAZA_LOG_SIGNING_KEY): give the witness a key of its own');
  const witnessLogs = readWitnessLogs(read.optional('PLAZA_WITNESS_LOGS'), problems);
  const rawDeliveryKey = read.optional('PLAZA_DELIVERY_SIGNING_KEY');
  const deliverySigningKey = rawDeliveryKey === undefined ? undefined : (parseLogSigningJwk(rawDeliveryKey) ?? undefined);
  if (rawDeliveryKey !== undefined && !deliverySigningKey) problems.push('PLAZA_DELIVERY_SIGNING_KEY must be an Ed25519 private JWK: {"kty":"OKP","crv":"Ed25519","x":…,"d":…}');
  const rawSecretsKey = read.optional('PLAZA_SECRETS_KEY');
  const secretsKey = rawSecretsKey !== undefined && /^[A-Za-z0-9_-]{43}$/.test(rawSecretsKey) ? Buffer.from(rawSecretsKey, 'base64url') : undefined;
  if (rawSecretsKey !== undefined && !secretsKey) problems.push('PLAZA_SECRETS_KEY must be 32 random bytes in base64url (43 characters)');
  try {
    new OutboundClient({ allowAddresses: read.list('PLAZA_OUTBOUND_ALLOW_ADDRESSES') }).close();
  } catch (error) {
    problems.push(`PLAZA_OUTBOUND_ALLOW_ADDRESSES must list IP addresses or CIDR ranges, separated by commas (${(error as Error).message})`);
  }
  const natsStream = read.string('PLAZA_NATS_STREAM', 'PLAZA_EVENTS');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(natsStream)) problems.push('PLAZA_NATS_STREAM must be 1 to 64 letters, digits, _ or -');
  const natsSubjectPrefix = read.string('PLAZA_NATS_SUBJECT_PREFIX', 'plaza.events');
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(natsSubjectPrefix)) problems.push('PLAZA_NATS_SUBJECT_PREFIX must be dot-separated tokens of letters, digits, _ or -');
  const logOrigin = read.string('PLAZA_LOG_ORIGIN', 'plaza.localhost/log');
  const checkpointIntervalMs = read.int('PLAZA_CHECKPOINT_INTERVAL_MS', 1000, 0, 60_000);
  const outboundPolicy = { allowAddresses: read.list('PLAZA_OUTBOUND_ALLOW_ADDRESSES'), allowPlainHttpHosts: read.list('PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS') };
  const logWitnesses = readLogWitnesses(read.optional('PLAZA_LOG_WITNESSES'), outboundPolicy, problems);
  const logWitnessQuorum = readWitnessQuorum(read, logWitnesses.length, problems);
  const logWitnessAlarmsAcknowledged = readAcknowledgedAlarms(read.optional('PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED'), logWitnesses, problems);
  const workers = read.optional('PLAZA_WORKERS') === 'auto' ? availableParallelism() : read.int('PLAZA_WORKERS', 1, 1, 256);
  // PGlite is one backend inside one process, and its data folder is locked to that process.
  if (workers > 1 && !url) problems.push(`PLAZA_WORKERS=${read.optional('PLAZA_WORKERS')} needs DATABASE_URL: the embedded database serves a single process, so run one worker or use a PostgreSQL server`);
  if (!/^[\x21-\x7e]{1,255}$/.test(logOrigin)) problems.push('PLAZA_LOG_ORIGIN must be 1 to 255 printable ASCII characters without spaces');
  const logAbandonedOrigin = read.optional('PLAZA_LOG_ABANDONED_ORIGIN') ?? null;
  if (logAbandonedOrigin === logOrigin) problems.push('PLAZA_LOG_ABANDONED_ORIGIN names the log PLAZA_LOG_ORIGIN continues: a log abandoned after a restore goes on only under a new origin');
  const port = read.int('PORT', 3000, 0, 65_535);
  const metricsToken = read.optional('PLAZA_METRICS_TOKEN') ?? null;
  if (metricsToken !== null && !/^[\x21-\x7e]{32,512}$/.test(metricsToken)) problems.push('PLAZA_METRICS_TOKEN must be 32 to 512 printable ASCII characters without spaces (e.g. openssl rand -base64 32)');
  const metricsPort = read.optional('PLAZA_METRICS_PORT') === undefined ? null : read.int('PLAZA_METRICS_PORT', 0, 1, 65_535);
  if (metricsPort !== null && metricsPort === port) problems.push(`PLAZA_METRICS_PORT must differ from PORT (${port}): metrics get a port of their own on 127.0.0.1`);
  // A worker behind the shared port could answer only its own share: in a cluster, the primary adds them up on its port.
  if (workers > 1 && metricsToken !== null) problems.push(`PLAZA_METRICS_TOKEN serves one process's metrics; with PLAZA_WORKERS=${read.optional('PLAZA_WORKERS')} set PLAZA_METRICS_PORT instead, where the primary serves every worker's metrics added up`);
  const publicUrl = parsePublicUrl(read.string('PLAZA_PUBLIC_URL', `http://localhost:${port}`));
  if (publicUrl === null) {
    problems.push(`PLAZA_PUBLIC_URL must be an absolute http:// or https:// URL without user, query or fragment (e.g. https://registry.example.org), got "${read.optional('PLAZA_PUBLIC_URL')}"`);
  }
  const witnessName = read.string('PLAZA_WITNESS_NAME', publicUrl === null ? 'plaza.localhost/witness' : defaultWitnessName(publicUrl));
  if (!isValidKeyName(witnessName)) problems.push(`PLAZA_WITNESS_NAME must be a key name: not empty, with no white space, '+' or control character (e.g. registry.example.org/witness), got "${witnessName}"`);
  const operatorUrl = httpUrl(read.string('PLAZA_OPERATOR_URL', publicUrl ?? 'http://localhost'));
  if (operatorUrl === null) problems.push(`PLAZA_OPERATOR_URL must be an absolute http:// or https:// URL (the operator's home page), got "${read.optional('PLAZA_OPERATOR_URL')}"`);
  const defaultLicence = httpUrl(read.string('PLAZA_DEFAULT_LICENCE', 'https://creativecommons.org/licenses/by/4.0/'));
  if (defaultLicence === null) problems.push(`PLAZA_DEFAULT_LICENCE must be the absolute http(s) URL of a licence, got "${read.optional('PLAZA_DEFAULT_LICENCE')}"`);
  const operatorName = read.string('PLAZA_OPERATOR_NAME', 'Plaza registry operator');
  if (!/^[^\p{Cc}]{1,200}$/u.test(operatorName)) problems.push('PLAZA_OPERATOR_NAME must be 1 to 200 characters without control characters');
  const trustProxy = readTrustProxy(read.optional('PLAZA_TRUST_PROXY'), problems);
  const headersTimeoutMs = read.int('PLAZA_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000);
  const requestTimeoutMs = read.int('PLAZA_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  // Node refuses a server whose headers may take longer than the whole request.
  if (headersTimeoutMs > requestTimeoutMs) problems.push(`PLAZA_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed PLAZA_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  const tiles = read.string('PLAZA_MAP_TILE_URL', 'https://tile.openstreetmap.org/{z}/{x}/{y}.png');
  const mapTileUrl = tiles === 'none' ? null : tiles;
  if (mapTileUrl !== null && tileOrigin(mapTileUrl) === null) {
    problems.push('PLAZA_MAP_TILE_URL must be an http(s) URL template with {z}, {x} and {y} (optionally {s}), or none');
  }
  const config: AppConfig = {
    host: read.string('HOST', '127.0.0.1'),
    port,
    dataDir,
    database,
    operatorKey,
    logLevel: read.oneOf('PLAZA_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    bodyLimitBytes: read.int('PLAZA_BODY_LIMIT_BYTES', 1_048_576, 1_024, 64 * 1_048_576),
    rateLimitPerMinute: read.int('PLAZA_RATE_LIMIT_PER_MINUTE', 1_200, 1, 1_000_000),
    trustProxy,
    publicUrl: publicUrl ?? '',
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: read.int('PLAZA_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    idleTimeoutMs: read.int('PLAZA_IDLE_TIMEOUT_MS', 60_000, 1_000, 3_600_000),
    challengeTtlSeconds: read.int('PLAZA_CHALLENGE_TTL_SECONDS', 300, 10, 86_400),
    challengeLimit: read.int('PLAZA_CHALLENGE_LIMIT', 20, 1, 10_000),
    retryAfterSeconds: read.int('PLAZA_RETRY_AFTER_SECONDS', 5, 1, 3_600),
    standardsDir: resolve(read.string('PLAZA_STANDARDS_DIR', './standards')),
    proposalsDir: resolve(read.string('PLAZA_PROPOSALS_DIR', './proposals')),
    votingQuorumPercent: read.int('PLAZA_VOTING_QUORUM_PERCENT', 50, 1, 100),
    votingMajorityPercent: read.int('PLAZA_VOTING_MAJORITY_PERCENT', 50, 0, 99),
    votingPeriodHours: read.int('PLAZA_VOTING_PERIOD_HOURS', 168, 0, 8_760),
    schedulerIntervalSeconds: read.int('PLAZA_SCHEDULER_INTERVAL_SECONDS', 30, 0, 86_400),
    logOrigin,
    logAbandonedOrigin,
    logSigningKey,
    logPreviousKeys: logPreviousKeys ?? [],
    checkpointIntervalMs,
    witnessLogs,
    witnessSigningKey,
    witnessName,
    logWitnesses,
    logWitnessIntervalMs: read.int('PLAZA_LOG_WITNESS_INTERVAL_MS', 60_000, 0, 86_400_000),
    logWitnessQuorum,
    logWitnessAlarmsAcknowledged,
    workers,
    metricsToken,
    metricsPort,
    exchangeBodyLimitBytes: read.int('PLAZA_EXCHANGE_BODY_LIMIT_BYTES', 4 * 1_048_576, 1_024, 64 * 1_048_576),
    exchangeEventsPerMinute: read.int('PLAZA_EXCHANGE_EVENTS_PER_MINUTE', 1_800_000, 1, 100_000_000),
    exchangeMaxSkewSeconds: read.int('PLAZA_EXCHANGE_MAX_SKEW_SECONDS', 300, 0, 86_400),
    exchangeMaxAgeSeconds: read.int('PLAZA_EXCHANGE_MAX_AGE_SECONDS', 7 * 86_400, 60, 366 * 86_400),
    exchangeGroupMaxEvents: read.int('PLAZA_EXCHANGE_GROUP_MAX_EVENTS', 2_000, 1, 10_000),
    exchangeGroupDelayMs: read.int('PLAZA_EXCHANGE_GROUP_DELAY_MS', 0, 0, 1_000),
    registryCacheMaxAgeMs: read.int('PLAZA_REGISTRY_CACHE_MAX_AGE_MS', 500, 0, 1_000),
    publicCacheBytes: read.int('PLAZA_PUBLIC_CACHE_MB', 64, 0, 4_096) * 1_048_576,
    publicCacheMaxAgeMs: read.int('PLAZA_PUBLIC_CACHE_MAX_AGE_MS', 5_000, 0, 60_000),
    publicSharedMaxAgeSeconds: read.int('PLAZA_PUBLIC_SHARED_MAX_AGE_SECONDS', 5, 0, 3_600),
    publicStaleSeconds: read.int('PLAZA_PUBLIC_STALE_SECONDS', 30, 0, 86_400),
    retentionIntervalSeconds: read.int('PLAZA_RETENTION_INTERVAL_SECONDS', 300, 0, 86_400),
    retentionBatchRows: read.int('PLAZA_RETENTION_BATCH_ROWS', 5_000, 1, 100_000),
    deliveryPollMs: read.int('PLAZA_DELIVERY_POLL_MS', 100, 0, 60_000),
    deliveryLeaseSeconds: read.int('PLAZA_DELIVERY_LEASE_SECONDS', 30, 2, 3_600),
    deliveryMaxAttempts: read.int('PLAZA_DELIVERY_MAX_ATTEMPTS', 12, 1, 1_000),
    deliveryBackoffBaseMs: read.int('PLAZA_DELIVERY_BACKOFF_BASE_MS', 1_000, 1, 3_600_000),
    deliveryBackoffMaxMs: read.int('PLAZA_DELIVERY_BACKOFF_MAX_MS', 300_000, 1, 86_400_000),
    deliveryTimeoutMs: read.int('PLAZA_DELIVERY_TIMEOUT_MS', 10_000, 100, 120_000),
    subscriptionsPerOrganisation: read.int('PLAZA_SUBSCRIPTIONS_PER_ORGANISATION', 100, 1, 100_000),
    deliverySigningKey,
    secretsKey,
    outboundAllowAddresses: read.list('PLAZA_OUTBOUND_ALLOW_ADDRESSES'),
    outboundAllowHttpHosts: read.list('PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS'),
    natsUrl: read.optional('PLAZA_NATS_URL') ?? null,
    natsStream,
    natsSubjectPrefix,
    mapTileUrl,
    mapAttribution: read.string('PLAZA_MAP_ATTRIBUTION', '© OpenStreetMap contributors'),
    operatorName,
    operatorUrl: operatorUrl ?? '',
    defaultLicence: defaultLicence ?? '',
    exportDir: resolve(read.string('PLAZA_EXPORT_DIR', resolve(dataDir, 'exports'))),
    exportIntervalMs: read.int('PLAZA_EXPORT_INTERVAL_MS', 60_000, 0, 86_400_000),
    demo,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const LOG_WITNESSES_FORM = 'a JSON array of {"url": "<its add-checkpoint URL prefix>", "vkey": "<its verifier key name+id+key>"}';

/**
 * PLAZA_LOG_WITNESSES: each witness once (by key and by name), at a URL the outbound client may reach, with a C2SP
 * Ed25519 verifier key (type 0x04, or 0x01 for the same key). A witness whose key is the log's own is refused at start,
 * once the log key is loaded (transparency/witnessing).
 */
function readLogWitnesses(raw: string | undefined, policy: { allowAddresses: string[]; allowPlainHttpHosts: string[] }, problems: string[]): LogWitnessSetting[] {
  if (raw === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    problems.push(`PLAZA_LOG_WITNESSES must be ${LOG_WITNESSES_FORM}: it is not JSON`);
    return [];
  }
  if (!Array.isArray(value)) {
    problems.push(`PLAZA_LOG_WITNESSES must be ${LOG_WITNESSES_FORM}`);
    return [];
  }
  let outbound: OutboundClient | undefined;
  try {
    outbound = new OutboundClient(policy);
  } catch {
    // A bad PLAZA_OUTBOUND_ALLOW_ADDRESSES is reported on its own.
  }
  const witnesses: LogWitnessSetting[] = [];
  const seen = new Set<string>();
  value.forEach((entry: unknown, i) => {
    const { url, vkey, ...rest } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof url !== 'string' || typeof vkey !== 'string' || Object.keys(rest).length > 0) {
      problems.push(`PLAZA_LOG_WITNESSES[${i}] must be {"url": "…", "vkey": "…"} (two strings, nothing else)`);
      return;
    }
    let name: string;
    let canonical: string;
    try {
      ({ name, verifierKey: canonical } = cosignatureVerifierFromKey(vkey));
    } catch (error) {
      problems.push(`PLAZA_LOG_WITNESSES[${i}].vkey must be the witness's Ed25519 verifier key (name+id+key, type 0x04 or 0x01): ${(error as Error).message}`);
      return;
    }
    const prefix = parsePublicUrl(url);
    const check = prefix === null ? null : outbound?.checkUrl(`${prefix}/add-checkpoint`);
    if (prefix === null || (check && !check.ok)) {
      problems.push(`PLAZA_LOG_WITNESSES[${i}].url (${name}) must be an absolute https:// URL without user, query or fragment that outbound requests may reach${check && !check.ok ? `: ${check.message}` : ''}`);
      return;
    }
    if (seen.has(canonical) || seen.has(`name ${name}`)) {
      problems.push(`PLAZA_LOG_WITNESSES lists the witness ${name} twice: give each witness once`);
      return;
    }
    seen.add(canonical).add(`name ${name}`);
    witnesses.push({ url: prefix, vkey });
  });
  outbound?.close();
  return witnesses;
}

const ACKNOWLEDGED_ALARMS_FORM = 'a JSON array of {"witness": "<the witness\'s name>", "alarm": <the number of its alarm>}';

/** PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED: alarms of witnesses PLAZA_LOG_WITNESSES lists, each by its number (from 1). */
function readAcknowledgedAlarms(raw: string | undefined, witnesses: readonly LogWitnessSetting[], problems: string[]): AcknowledgedAlarm[] {
  if (raw === undefined) return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    list = null;
  }
  const valid = (item: unknown): item is AcknowledgedAlarm => {
    const { witness, alarm } = (item ?? {}) as Partial<AcknowledgedAlarm>;
    return typeof witness === 'string' && Number.isSafeInteger(alarm) && alarm! >= 1;
  };
  if (!Array.isArray(list) || !list.every(valid)) {
    problems.push(`PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED must be ${ACKNOWLEDGED_ALARMS_FORM}`);
    return [];
  }
  const names = new Set(witnesses.map(({ vkey }) => vkey.slice(0, vkey.indexOf('+'))));
  const unknown = list.find((item) => !names.has(item.witness));
  if (unknown) problems.push(`PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED names ${unknown.witness}, which PLAZA_LOG_WITNESSES does not list`);
  return list.map(({ witness, alarm }) => ({ witness, alarm }));
}

/** PLAZA_LOG_WITNESS_QUORUM: from 1 to the number of witnesses (default all of them); meaningless without witnesses. */
function readWitnessQuorum(read: Reader, witnesses: number, problems: string[]): number {
  if (witnesses > 0) return read.int('PLAZA_LOG_WITNESS_QUORUM', witnesses, 1, witnesses);
  if (read.optional('PLAZA_LOG_WITNESS_QUORUM') !== undefined) problems.push('PLAZA_LOG_WITNESS_QUORUM needs PLAZA_LOG_WITNESSES: there is no witness to count');
  return 0;
}

/** `raw` if it is an absolute http(s) URL, else null. */
function httpUrl(raw: string): string | null {
  return URL.canParse(raw) && /^https?:$/.test(new URL(raw).protocol) ? raw : null;
}

/** PLAZA_PUBLIC_URL without its trailing slash, or null unless it is an absolute http(s) URL with no user, query or fragment. */
function parsePublicUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash || raw.includes('?') || raw.includes('#')) return null;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The witness's default key name: the public URL's host and path, then /witness (two registries on one host differ by port or path). */
function defaultWitnessName(publicUrl: string): string {
  const url = new URL(publicUrl);
  return `${url.host}${url.pathname.replace(/\/+$/, '')}/witness`;
}

const WITNESS_LOGS_FORM = 'a JSON array of {"origin": "<the log\'s checkpoint origin>", "vkey": "<its verifier key name+id+key>"}';

/** PLAZA_WITNESS_LOGS: the logs to witness, each origin once, each key a signed-note Ed25519 verifier key. */
function readWitnessLogs(raw: string | undefined, problems: string[]): WitnessedLog[] {
  if (raw === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    problems.push(`PLAZA_WITNESS_LOGS must be ${WITNESS_LOGS_FORM}: it is not JSON`);
    return [];
  }
  if (!Array.isArray(value)) {
    problems.push(`PLAZA_WITNESS_LOGS must be ${WITNESS_LOGS_FORM}`);
    return [];
  }
  const logs: WitnessedLog[] = [];
  value.forEach((entry: unknown, i) => {
    const { origin, vkey, ...rest } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof origin !== 'string' || typeof vkey !== 'string' || Object.keys(rest).length > 0) {
      problems.push(`PLAZA_WITNESS_LOGS[${i}] must be {"origin": "…", "vkey": "…"} (two strings, nothing else)`);
      return;
    }
    const before = problems.length;
    if (!/^[^\x00-\x20\x7f]{1,255}$/u.test(origin)) problems.push(`PLAZA_WITNESS_LOGS[${i}].origin must be 1 to 255 characters with no space or control character, got ${JSON.stringify(origin)}`);
    else if (logs.some((log) => log.origin === origin)) problems.push(`PLAZA_WITNESS_LOGS lists the origin "${origin}" twice: give each log once`);
    try {
      noteVerifierFromKey(vkey);
    } catch (error) {
      problems.push(`PLAZA_WITNESS_LOGS[${i}].vkey must be the log's Ed25519 signed-note verifier key (name+id+key, type 0x01): ${(error as Error).message}`);
    }
    if (problems.length === before) logs.push({ origin, vkey });
  });
  return logs;
}

const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * PLAZA_TRUST_PROXY: a number of hops, or a comma-separated list of proxy addresses, CIDR ranges and the names
 * loopback, linklocal, uniquelocal (as fastify's trustProxy takes them). `true` once meant every hop, which let any
 * client choose its own address with X-Forwarded-For, so it is refused rather than guessed at.
 */
function readTrustProxy(raw: string | undefined, problems: string[]): false | number | string[] {
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  const forms = 'the number of proxies in front of the registry (e.g. 1) or their addresses and CIDR ranges (e.g. 10.0.0.5,10.1.0.0/16; also loopback, linklocal, uniquelocal)';
  if (raw === 'true') {
    problems.push(`PLAZA_TRUST_PROXY=true would trust every hop, so any client could choose its own address (and rate-limit bucket) with X-Forwarded-For: set ${forms}`);
    return false;
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops <= 16) return hops;
    problems.push(`PLAZA_TRUST_PROXY must be a number of hops from 0 to 16, got "${raw}"`);
    return false;
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !isProxyRange(entry));
  if (bad.length === 0) return entries;
  problems.push(`PLAZA_TRUST_PROXY must be false, ${forms}; not an address or range: ${bad.map((entry) => `"${entry}"`).join(', ')}`);
  return false;
}

function isProxyRange(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = '', prefix, extra] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * The origin a tile URL template loads images from, as a CSP source (`https://*.tile.example` for a `{s}` subdomain),
 * or null if the template is not an http(s) URL with {z}, {x} and {y}.
 */
export function tileOrigin(template: string): string | null {
  if (!['{z}', '{x}', '{y}'].every((p) => template.includes(p))) return null;
  let url: URL;
  try {
    url = new URL(template.replace('{s}', 'tile-subdomain').replace(/\{[a-z]\}/g, '0'));
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  return `${url.protocol}//${url.host.replace('tile-subdomain', '*')}`;
}

class Reader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  optional(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  }

  /** A comma-separated list, entries trimmed, empty ones dropped. */
  list(name: string): string[] {
    return (this.optional(name) ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  }
}
