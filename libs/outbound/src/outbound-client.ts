import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { AddressAllowList, CLOUD_METADATA, classifyAddress } from './address.js';
import { OutboundError, type OutboundReason } from './outbound-error.js';

export interface OutboundPolicy {
  /** Addresses and CIDR ranges reached despite a refused range: '127.0.0.1', '10.1.0.0/16', '::1'. */
  allowAddresses?: readonly string[];
  /** Hosts that may be reached over plain http, as written in URLs; an IP literal in `allowAddresses` may be too. */
  allowPlainHttpHosts?: readonly string[];
  /** From the start of a request to the end of its response body. Default 10 s. */
  timeoutMs?: number;
  /** Response body bytes kept; the rest is not read. Default 64 KiB. */
  maxResponseBytes?: number;
}

export interface OutboundRequest {
  method: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Overrides the policy's `timeoutMs` for this request. */
  timeoutMs?: number;
}

export interface OutboundResponse {
  status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** The body went past `maxResponseBytes`: `body` holds its first bytes and the connection was closed. */
  truncated: boolean;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: OutboundReason; message: string };

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const METADATA_HOST_NAMES = new Set(['metadata.google.internal']);

/**
 * The one way Plaza requests a URL someone other than the operator chose. It reaches public addresses only
 * (unless allow-listed), judges the very addresses it connects to, uses no proxy, follows no redirect and bounds
 * time and response size. See libs/outbound/README.md.
 */
export class OutboundClient {
  private readonly allowAddresses: AddressAllowList;
  private readonly plainHttpHosts: Set<string>;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  // Own agents: the global ones may be configured by someone else, and delivery reuses connections to a sink.
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });

  constructor(policy: OutboundPolicy = {}) {
    this.allowAddresses = new AddressAllowList(policy.allowAddresses ?? []);
    this.plainHttpHosts = new Set((policy.allowPlainHttpHosts ?? []).map(hostName));
    this.timeoutMs = policy.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxResponseBytes = policy.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  /** Whether plain http may be used to reach this URL's host: one listed for it, or an allow-listed IP literal. */
  allowsPlainHttp(target: string | URL): boolean {
    const url = parse(target);
    if (url === null) return false;
    const host = hostName(url.hostname);
    return this.plainHttpHosts.has(host) || (isIP(host) !== 0 && this.allowAddresses.has(host));
  }

  /** Everything that can be judged without the network: syntax, scheme, credentials, a literal address. */
  checkUrl(target: string | URL): UrlCheck {
    const url = parse(target);
    if (url === null) return refused('refused-url', 'the URL is not an absolute URL');
    const label = url.host || 'the URL';
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return refused('refused-url', `${label}: scheme ${url.protocol} is not allowed, use https`);
    }
    if (url.username !== '' || url.password !== '') {
      return refused('refused-url', `${label}: the URL carries user credentials`);
    }
    if (url.protocol === 'http:' && !this.allowsPlainHttp(url)) {
      return refused('refused-url', `${label}: plain http is not allowed for this host, use https`);
    }
    const host = hostName(url.hostname);
    if (METADATA_HOST_NAMES.has(host)) return refused('refused-address', `${label}: a cloud metadata service`);
    if (isIP(host)) {
      const range = this.refusal(host);
      if (range !== null) return refused('refused-address', refusedAddressMessage(label, host, range));
    }
    return { ok: true, url };
  }

  /** Resolves to the response, whatever its status (a redirect included); rejects with an `OutboundError`. */
  request(target: string | URL, init: OutboundRequest): Promise<OutboundResponse> {
    const check = this.checkUrl(target);
    if (!check.ok) return Promise.reject(new OutboundError(check.reason, check.message));
    const { url } = check;
    const label = url.host;
    const timeoutMs = init.timeoutMs ?? this.timeoutMs;
    const headers = { ...init.headers };
    if (init.body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) {
      headers['content-length'] = String(init.body.length);
    }
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      let req: http.ClientRequest;
      try {
        req = (secure ? https : http).request({
          agent: secure ? this.httpsAgent : this.httpAgent,
          hostname: hostName(url.hostname),
          port: url.port === '' ? undefined : Number(url.port),
          path: url.pathname + url.search,
          method: init.method,
          headers,
          // Node calls it for every new connection (a reused one was judged when it connected); never for a literal.
          lookup: this.lookupFor(label),
        });
      } catch (error) {
        // Node refuses to build a request with a header it cannot send (a control character, say): never quote it.
        settled = true;
        reject(new OutboundError('refused-url', `${label}: the request could not be built (${(error as NodeJS.ErrnoException).code ?? 'invalid request'})`));
        return;
      }
      const timer = setTimeout(
        () => req.destroy(new OutboundError('timeout', `${label}: no complete answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('error', (error) => settle(() => reject(asOutboundError(error, label))));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const answer = (truncated: boolean) =>
          settle(() =>
            resolve({ status: res.statusCode ?? 0, headers: joinHeaders(res), body: Buffer.concat(chunks), truncated }),
          );
        res.on('data', (chunk: Buffer) => {
          const room = this.maxResponseBytes - size;
          if (chunk.length <= room) {
            chunks.push(chunk);
            size += chunk.length;
            return;
          }
          chunks.push(chunk.subarray(0, room));
          answer(true);
          res.destroy();
        });
        res.on('end', () => answer(false));
        res.on('error', (error) => settle(() => reject(asOutboundError(error, label))));
      });
      req.end(init.body);
    });
  }

  /** Closes kept-alive connections; requests after it open new ones. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private refusal(ip: string): string | null {
    const range = classifyAddress(ip);
    if (range === null) return null;
    return !range.endsWith(CLOUD_METADATA) && this.allowAddresses.has(ip) ? null : range;
  }

  private lookupFor(label: string): LookupFunction {
    return (hostname, options, callback) => {
      dnsLookup(hostname, { all: true, family: options.family, hints: options.hints }, (error, addresses) => {
        if (error || addresses.length === 0) {
          const code = error?.code ?? 'no address';
          callback(new OutboundError('dns', `${label}: the name does not resolve (${code})`), '');
          return;
        }
        // Every address, not only the first: a name that also resolves somewhere refused is refused.
        for (const { address } of addresses) {
          const range = this.refusal(address);
          if (range !== null) {
            callback(new OutboundError('refused-address', refusedAddressMessage(label, address, range)), '');
            return;
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      });
    };
  }
}

function parse(target: string | URL): URL | null {
  try {
    return new URL(target);
  } catch {
    return null;
  }
}

/** A URL's host name as Node connects to it and as the allow-lists hold it: no brackets, no final dot. */
function hostName(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

function refused(reason: OutboundReason, message: string): UrlCheck {
  return { ok: false, reason, message };
}

function refusedAddressMessage(label: string, ip: string, range: string): string {
  return `${label}: address ${ip} is refused (${range})`;
}

// Only a code from Node's error: its message may quote more of the request than the host.
function asOutboundError(error: Error, label: string): OutboundError {
  if (error instanceof OutboundError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new OutboundError('connection', `${label}: the connection failed (${code})`);
}

function joinHeaders(res: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(res.headersDistinct)) {
    if (values !== undefined) headers[name] = values.join(', ');
  }
  return headers;
}
