import { Logger as NestPinoLogger, type Params, PinoLogger } from 'nestjs-pino';
import { type DestinationStream, pino, type Logger, type LoggerOptions } from 'pino';
import { loggableError } from '../errors/loggable-error.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * One pino logger for fastify's request logs and Nest's own (through nestjs-pino, nestLogger), to stdout unless given
 * another destination (a test's capture). Requests are logged by route pattern and status (RouteLogController): no URL, query, header or body.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization', '*.authorization', 'key', '*.key'], censor: '[redacted]' },
    // Any error logged as `err` (the scheduler's, the checkpoint publisher's) keeps only what holds no row contents.
    serializers: { err: loggableError },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * nestjs-pino's PinoLogger, always over its own registry's pino instance: nestjs-pino's own answers (outside a
 * request) with one root logger per process, built from the first registry's settings, so a second registry in the
 * process (a test suite's) would write its start-up and scheduler lines into the first one's log.
 */
class RegistryPinoLogger extends PinoLogger {
  constructor(
    params: Params,
    private readonly own: Logger,
  ) {
    super(params);
  }

  override get logger(): Logger {
    return this.own;
  }
}

/**
 * The Logger Nest writes through: nestjs-pino's, over `logger`, the pino instance fastify writes the request lines
 * with (same redaction, serializers and level). nestjs-pino's request binding (LoggerModule's middleware, which would
 * give Nest's lines the request's reqId) is not mounted: on Node 20 it cost about 30 µs of CPU a request, a fifth of
 * a cheap one; the lines that need a request id name it themselves (requestId).
 */
export function nestLogger(logger: Logger): NestPinoLogger {
  const params: Params = { pinoHttp: { logger } };
  return new NestPinoLogger(new RegistryPinoLogger(params, logger), params);
}
