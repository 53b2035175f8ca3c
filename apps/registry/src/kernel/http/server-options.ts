import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_MEDIA_TYPE, renderProblem } from '../errors/problem.js';
import type { ProblemSettings } from '../errors/problem-table.js';
import { RequestError, RequestErrorCode } from '../errors/request-error.js';
import { requestLine } from '../logging/route-log-controller.js';

/** How often Node looks for requests past their headers or request timeout (its default, 30 s, would let them run long over). */
const TIMEOUT_CHECK_MS = 1_000;
/** How long a refused connection keeps reading (and discarding) what the client still sends, so that it can read the refusal. */
const LINGER_MS = 2_000;
/** Connections reading the rest of a body whose request was already answered. */
const draining = new WeakSet<Socket>();

/** The settings the HTTP server is built with (the registry's configuration has them under these names). */
export interface ServerSettings {
  /** false, a number of hops, or a list of trusted addresses and ranges. */
  trustProxy: false | number | string[];
  idleTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
}

/**
 * The HTTP server's side of the registry, before any route runs: who the client is (trusted proxies), how long a
 * connection may take (PLAZA_*_TIMEOUT_MS), and the problem documents for what fastify and Node refuse themselves.
 */
export function serverOptions(config: ServerSettings, problems: ProblemSettings) {
  return {
    trustProxy: trustedProxies(config.trustProxy),
    // A socket with no traffic either way, including a client that stops reading its answer.
    connectionTimeout: config.idleTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: { headersTimeout: config.headersTimeoutMs, connectionsCheckingInterval: TIMEOUT_CHECK_MS },
    // A malformed path or an over-long path parameter, refused by the router before any hook runs.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const { body, headers } = renderProblem(error, request, problems);
      void reply.status(body.status).headers({ ...headers, 'x-request-id': request.id }).type(PROBLEM_MEDIA_TYPE).send(body);
      reply.log.info(requestLine(request, reply), 'request completed');
    },
    clientErrorHandler: function (this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket) {
      refuseConnection(this, problems, error, socket);
    },
  };
}

/**
 * fastify trusts a list of addresses and ranges as given; a hop count it takes as "trust none" (it cannot check the
 * nearest peer), so the nearest `hops` addresses are trusted here, whoever sent them: hence the README's advice that
 * the registry then be reachable only through its proxies.
 */
function trustedProxies(trust: ServerSettings['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust;
  if (trust === 0) return false;
  return (_address, hop) => hop < trust;
}

const CLIENT_ERRORS: Record<string, [RequestErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: [RequestErrorCode.HeadersTooLarge, 'The request line and headers exceed 16 KiB: shorten the URL or the headers.'],
  ERR_HTTP_REQUEST_TIMEOUT: [RequestErrorCode.Timeout, 'The request (its headers, or its body) was not received in time.'],
};

/**
 * Node's refusals of a connection (an oversized request head, a request not received in time, bytes that are not
 * HTTP) as problem documents, quoting nothing the client sent. The connection then closes, after reading for a moment
 * whatever the client is still sending, since closing on unread bytes resets the connection and loses the answer.
 */
function refuseConnection(fastify: FastifyInstance, problems: ProblemSettings, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [RequestErrorCode.Invalid, 'The request is not well-formed HTTP/1.1.'];
  const id = randomUUID();
  const { body } = renderProblem(new RequestError(code, detail), { id }, problems);
  fastify.log.info({ reqId: id, status: body.status, code: body.code }, 'request refused before routing');
  // An answer already under way, or already given to a request whose body is being drained, cannot be followed by
  // another on the same connection: a keep-alive client would take it for the answer to its next request.
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (!socket.writable || answering || draining.has(socket)) {
    socket.destroy();
    return;
  }
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${body.status} ${STATUS_CODES[body.status]}\r\nContent-Type: ${PROBLEM_MEDIA_TYPE}\r\nContent-Length: ${Buffer.byteLength(json)}\r\n` +
      `X-Request-Id: ${id}\r\nConnection: close\r\n\r\n${json}`,
  );
  socket.removeAllListeners('data');
  socket.on('data', () => undefined).resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * A reply sent before its request's body was read (a 413 on Content-Length, a 401 or 429 decided from the headers)
 * would, if the connection closed at once, reset it under a client still sending: Node's fetch then reports a broken
 * pipe instead of the answer. So the rest of the body is read and discarded, up to `limitBytes` (and within
 * PLAZA_REQUEST_TIMEOUT_MS), and the connection kept; a body declared larger than that closes it.
 */
export function registerUnreadBodyDrain(fastify: FastifyInstance, limitBytes: number): void {
  fastify.addHook('onSend', async (request, reply) => {
    const raw = request.raw;
    if (raw.complete) return;
    if (Number(request.headers['content-length']) > limitBytes) {
      void reply.header('connection', 'close');
      return;
    }
    void reply.removeHeader('connection');
    let drained = 0;
    draining.add(raw.socket);
    raw.once('end', () => draining.delete(raw.socket));
    raw.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > limitBytes) raw.socket.destroy();
    });
  });
}
