import { Buffer } from 'node:buffer';
import { createPublicKey, type JsonWebKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistryClient, ok, type RegistryClient } from '#plaza/client/node';
import { type CloudEventInput, detectMode, readBinary, scanBatch, scanStructured, verify } from '#plaza/dsse';
import { NonceCache, verifyRequest } from '#plaza/http-signatures';

/**
 * `plaza events receive`: a webhook sink for a subscription. It consents in the registry's handshake, takes a
 * delivery only if the registry signed it (RFC 9421, tag `plaza-delivery`, with the key of
 * /.well-known/delivery-jwks.json) and the signature is fresh and not replayed, then checks each event's producer
 * signature (DSSE) with the producer's registered key, so it trusts the registry for neither the transport nor the
 * content. It reads the registry through libs/client's typed client.
 */

export const DELIVERY_TAG = 'plaza-delivery';
/** The largest delivery taken (a batch of 1000 events): anything larger is refused before it is read to the end. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** An unknown delivery kid makes the receiver read the JWKS again, at most this often, so forgeries cannot hammer the registry. */
const JWKS_REFRESH_SECONDS = 10;

/** What the receiver reports about each event of an accepted delivery. */
export interface ReceivedEvent {
  source: string;
  id: string;
  type: string;
  verified: boolean;
  /** The organisation holding the producer's key, and the key, when the signature verified. */
  organisation?: string;
  kid?: string;
  problem?: string;
}

export type GetFetch = (url: string) => Promise<Response>;

export interface ReceiveOptions {
  registry: string;
  host: string;
  /** 0: any free port (the receiver's `url` says which). */
  port: number;
  /** The path deliveries arrive at; the path of `publicUrl` unless given, else `/`. */
  path?: string;
  /** The sink URL registered with the subscription: the registry signed it, not the address this process sees. */
  publicUrl?: string;
  /** Consent only to this registry (the `WebHook-Request-Origin` it names, its public host); any registry if absent. */
  expectOrigin?: string;
  /** The `WebHook-Allowed-Rate` answered in the handshake: requests a minute, or `*`. */
  allowedRate?: string;
  /** The bearer token the subscription's sink credential holds; deliveries without it are refused. */
  token?: string;
  fetch?: GetFetch;
  /** The clock, unix seconds. */
  now?: () => number;
  nonces?: NonceCache;
  onEvent: (event: ReceivedEvent) => void;
  /** Why a request was refused: for this process's log only, never told to the sender. */
  onRefused?: (reason: string) => void;
}

export interface Receiver {
  /** Where this process listens. */
  url: string;
  /** The URL to register as the subscription's sink. */
  publicUrl: string;
  close(): Promise<void>;
}

/** The registry's delivery keys by kid, read at start and again when a delivery names a kid not among them (a rotation). */
class DeliveryKeys {
  private keys = new Map<string, KeyObject>();
  private lastRead = 0;
  private reading: Promise<void> | null = null;

  constructor(
    private readonly client: RegistryClient,
    private readonly now: () => number,
  ) {}

  get(kid: string): KeyObject | undefined {
    return this.keys.get(kid);
  }

  /** Reads the JWKS again unless it was read within JWKS_REFRESH_SECONDS; true when it was. */
  async refresh(): Promise<boolean> {
    if (this.reading) return this.reading.then(() => true);
    if (this.now() - this.lastRead < JWKS_REFRESH_SECONDS) return false;
    this.reading = this.read().finally(() => (this.reading = null));
    return this.reading.then(
      () => true,
      () => false,
    );
  }

  async read(): Promise<void> {
    this.lastRead = this.now();
    const { keys } = (await ok(this.client.GET('/.well-known/delivery-jwks.json'))) as { keys?: (JsonWebKey & { kid?: string })[] };
    const next = new Map<string, KeyObject>();
    for (const jwk of keys ?? []) {
      if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.kid === 'string') next.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
    }
    if (next.size === 0) throw new Error('/.well-known/delivery-jwks.json holds no Ed25519 delivery key');
    this.keys = next;
  }
}

/** The public history of a producer's signing key (GET /api/v1/signing-keys/{kid}), as far as the receiver reads it. */
interface ProducerKey {
  kid: string;
  organisation: string;
  jwk: JsonWebKey;
}

/** Starts the receiver; it has read the registry's delivery keys before it listens. */
export async function startReceiver(options: ReceiveOptions): Promise<Receiver> {
  const fetchImpl: GetFetch = options.fetch ?? ((url) => fetch(url));
  const client = createRegistryClient({ baseUrl: options.registry, fetch: (request) => fetchImpl(request.url) });
  const now = options.now ?? (() => Date.now() / 1000);
  const nonces = options.nonces ?? new NonceCache();
  const path = options.path ?? (options.publicUrl ? new URL(options.publicUrl).pathname : '/');
  const deliveryKeys = new DeliveryKeys(client, now);
  await deliveryKeys.read();

  const producerKeys = new Map<string, ProducerKey>();
  const producerKey = async (kid: string): Promise<ProducerKey | undefined> => {
    if (!producerKeys.has(kid)) {
      const { data, response } = await client.GET('/api/v1/signing-keys/{kid}', { params: { path: { kid } } });
      if (!response.ok || data === undefined) return undefined;
      producerKeys.set(kid, data as unknown as ProducerKey);
    }
    return producerKeys.get(kid);
  };

  let origin = '';
  const refuse = (res: ServerResponse, status: number, reason: string) => {
    options.onRefused?.(reason);
    res.writeHead(status).end();
  };

  const handshake = (req: IncomingMessage, res: ServerResponse) => {
    const requester = header(req, 'webhook-request-origin');
    if (!requester) return refuse(res, 400, 'an OPTIONS request without WebHook-Request-Origin');
    if (options.expectOrigin !== undefined && requester !== options.expectOrigin) return refuse(res, 403, `no consent to ${requester}: only ${options.expectOrigin} may deliver here`);
    res.writeHead(200, { allow: 'OPTIONS, POST', 'webhook-allowed-origin': requester, 'webhook-allowed-rate': options.allowedRate ?? '*' }).end();
  };

  const delivery = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (body === null) return refuse(res, 413, `a body over ${MAX_BODY_BYTES} bytes`);
    if (options.token !== undefined && !sameToken(header(req, 'authorization'), `Bearer ${options.token}`)) return refuse(res, 401, 'no or another bearer token');
    // The target URI as the registry signed it: the registered sink's origin, then the request target as it arrived.
    const request = { method: 'POST', url: origin + (req.url ?? ''), headers: req.headers, body };
    let unknownKid = false;
    const check = () =>
      verifyRequest(request, {
        keys: (kid) => {
          const key = deliveryKeys.get(kid);
          unknownKid = key === undefined;
          return key;
        },
        tag: DELIVERY_TAG,
        now: now(),
        seenNonce: nonces.seen,
      });
    let result = check();
    if (!result.ok && unknownKid && (await deliveryKeys.refresh())) result = check();
    if (!result.ok) return refuse(res, 401, `the registry's signature: ${result.reason}`);

    let events: CloudEventInput[];
    try {
      events = eventsOf(req, body);
    } catch (error) {
      return refuse(res, 400, `delivery ${result.nonce}: the body cannot be read as CloudEvents: ${(error as Error).message}`);
    }
    let allVerified = true;
    for (const event of events) {
      const report = await checkProducer(event, producerKey);
      allVerified &&= report.verified;
      options.onEvent(report);
    }
    // Refused, the delivery stays due: the registry retries it and reports the failure to the subscriber.
    res.writeHead(allVerified ? 204 : 422).end();
  };

  const server = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] !== path) return refuse(res, 404, `a request for ${req.url ?? ''}, not ${path}`);
    if (req.method === 'OPTIONS') return handshake(req, res);
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'OPTIONS, POST' }).end();
      return;
    }
    delivery(req, res).catch((error: unknown) => {
      options.onRefused?.(`the delivery could not be handled: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}${path}`;
  const publicUrl = options.publicUrl ?? url;
  origin = new URL(publicUrl).origin;
  return {
    url,
    publicUrl,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

function sameToken(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The body's exact bytes, or null once it passes MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The events of a delivery in the mode they were produced in: structured, a batch of structured events, or binary. */
function eventsOf(req: IncomingMessage, body: Buffer): CloudEventInput[] {
  const mode = detectMode(header(req, 'content-type'));
  if (mode === 'batch') return scanBatch(body);
  if (mode === 'structured') return [scanStructured(body)];
  return [readBinary(req.headers, body)];
}

/**
 * The producer's signature over one event, with the key the registry holds under the kid it names. The key's
 * validity is not judged here: the registry judged it when it received the event, and a key revoked since still
 * proves who signed what was received before.
 */
async function checkProducer(event: CloudEventInput, producerKey: (kid: string) => Promise<ProducerKey | undefined>): Promise<ReceivedEvent> {
  const said = (name: string) => String(event.attributes[name] ?? '');
  const found = new Map<string, ProducerKey>();
  const result = await verify(event, async (kid) => {
    const key = await producerKey(kid);
    if (key) found.set(kid, key);
    return key?.jwk;
  });
  if (!result.ok) return { source: said('source'), id: said('id'), type: said('type'), verified: false, problem: `${result.code}: ${result.message}` };
  const key = found.get(result.keyid)!;
  return { source: said('source'), id: said('id'), type: said('type'), verified: true, organisation: key.organisation, kid: key.kid };
}

/** One line per event: `ok` or `FAIL`, its source, id and type, then who signed it or why it does not verify. */
export function formatReceived(e: ReceivedEvent): string {
  return e.verified ? `ok   ${e.source} ${e.id} ${e.type}  signed by ${e.organisation} with ${e.kid}\n` : `FAIL ${e.source} ${e.id} ${e.type}  ${e.problem}\n`;
}
