import type { LoggerService } from '@nestjs/common';
import { type DestinationStream, pino, type Logger, type LoggerOptions } from 'pino';
import { loggableError } from '../errors/loggable-error.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * One pino logger for fastify's request logs and Nest's own, to stdout unless given another destination (a test's
 * capture). Requests are logged by route pattern and status (RouteLogController): no URL, query, header or body.
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

/** Lets Nest's Logger write through pino. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]) {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.write('trace', message, rest);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, rest: unknown[]) {
    // Nest passes the context (the logger's name) last.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    if (message !== null && typeof message === 'object') this.logger[level]({ context, ...(message as object) }, typeof rest[0] === 'string' && rest.length > 1 ? rest[0] : '');
    else this.logger[level]({ context }, String(message));
  }
}
