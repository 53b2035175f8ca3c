import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { DatabaseSettings } from '#plaza/database';
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
  /** Supplied Ed25519 private JWK signing the log's checkpoints; when absent the first start creates one in the data folder. */
  logSigningKey: LogSigningJwk | undefined;
  /** How often the registry looks for a grown log and signs its checkpoint (0: only when one is asked for). */
  checkpointIntervalMs: number;
  /** Processes serving HTTP on the one port (node:cluster); more than 1 needs a PostgreSQL server. */
  workers: number;
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
  /** How long a cached API key, signing key or standard may be served without being read again, whatever notifications say. */
  registryCacheMaxAgeMs: number;
  /** Retention: how often events past their agreement's retention are deleted (0: never), and how many rows a statement deletes. */
  retentionIntervalSeconds: number;
  retentionBatchRows: number;
  /** The public register's map: a tile URL template ({z}, {x}, {y}, optional {s}), or null for markers on a plain background. */
  mapTileUrl: string | null;
  mapAttribution: string;
  /**
   * Demo mode (set by `npm run demo` only): the demo data folder and database, the demo banner on the public pages, and
   * the committed demo signing keys accepted. Any other registry refuses those keys.
   */
  demo: boolean;
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
  const database: DatabaseSettings = url
    ? {
        mode: 'server',
        url,
        poolSize: read.int('PLAZA_DB_POOL_SIZE', 10, 1, 200),
        connectTimeoutMs: read.int('PLAZA_DB_CONNECT_TIMEOUT_MS', 3_000, 100, 60_000),
        statementTimeoutMs: read.int('PLAZA_DB_STATEMENT_TIMEOUT_MS', 15_000, 100, 600_000),
      }
    : { mode: 'embedded', dataDir };
  const operatorKey = read.optional('PLAZA_OPERATOR_KEY');
  if (operatorKey !== undefined && !OPERATOR_KEY_PATTERN.test(operatorKey)) {
    problems.push('PLAZA_OPERATOR_KEY must be a Plaza API key (plz_<8 lowercase letters or digits>_<43 base64url characters>)');
  }
  const rawLogKey = read.optional('PLAZA_LOG_SIGNING_KEY');
  const logSigningKey = rawLogKey === undefined ? undefined : (parseLogSigningJwk(rawLogKey) ?? undefined);
  if (rawLogKey !== undefined && !logSigningKey) problems.push('PLAZA_LOG_SIGNING_KEY must be an Ed25519 private JWK: {"kty":"OKP","crv":"Ed25519","x":…,"d":…}');
  const logOrigin = read.string('PLAZA_LOG_ORIGIN', 'plaza.localhost/log');
  const checkpointIntervalMs = read.int('PLAZA_CHECKPOINT_INTERVAL_MS', 1000, 0, 60_000);
  const workers = read.optional('PLAZA_WORKERS') === 'auto' ? availableParallelism() : read.int('PLAZA_WORKERS', 1, 1, 256);
  // PGlite is one backend inside one process, and its data folder is locked to that process.
  if (workers > 1 && !url) problems.push(`PLAZA_WORKERS=${read.optional('PLAZA_WORKERS')} needs DATABASE_URL: the embedded database serves a single process, so run one worker or use a PostgreSQL server`);
  if (!/^[\x21-\x7e]{1,255}$/.test(logOrigin)) problems.push('PLAZA_LOG_ORIGIN must be 1 to 255 printable ASCII characters without spaces');
  const port = read.int('PORT', 3000, 0, 65_535);
  const publicUrl = parsePublicUrl(read.string('PLAZA_PUBLIC_URL', `http://localhost:${port}`));
  if (publicUrl === null) {
    problems.push(`PLAZA_PUBLIC_URL must be an absolute http:// or https:// URL without user, query or fragment (e.g. https://registry.example.org), got "${read.optional('PLAZA_PUBLIC_URL')}"`);
  }
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
    logSigningKey,
    checkpointIntervalMs,
    workers,
    exchangeBodyLimitBytes: read.int('PLAZA_EXCHANGE_BODY_LIMIT_BYTES', 4 * 1_048_576, 1_024, 64 * 1_048_576),
    exchangeEventsPerMinute: read.int('PLAZA_EXCHANGE_EVENTS_PER_MINUTE', 1_800_000, 1, 100_000_000),
    exchangeMaxSkewSeconds: read.int('PLAZA_EXCHANGE_MAX_SKEW_SECONDS', 300, 0, 86_400),
    exchangeMaxAgeSeconds: read.int('PLAZA_EXCHANGE_MAX_AGE_SECONDS', 7 * 86_400, 60, 366 * 86_400),
    exchangeGroupMaxEvents: read.int('PLAZA_EXCHANGE_GROUP_MAX_EVENTS', 2_000, 1, 10_000),
    exchangeGroupDelayMs: read.int('PLAZA_EXCHANGE_GROUP_DELAY_MS', 0, 0, 1_000),
    registryCacheMaxAgeMs: read.int('PLAZA_REGISTRY_CACHE_MAX_AGE_MS', 500, 0, 1_000),
    retentionIntervalSeconds: read.int('PLAZA_RETENTION_INTERVAL_SECONDS', 300, 0, 86_400),
    retentionBatchRows: read.int('PLAZA_RETENTION_BATCH_ROWS', 5_000, 1, 100_000),
    mapTileUrl,
    mapAttribution: read.string('PLAZA_MAP_ATTRIBUTION', '© OpenStreetMap contributors'),
    demo,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
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
