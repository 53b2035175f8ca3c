import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../../config/config.js';
import { loggableError } from '../errors/loggable-error.js';

/**
 * One pino logger for fastify's request logs and Nest's own. Requests are logged by method, URL and
 * request id only: headers (Authorization among them) and bodies never reach the log.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization', '*.authorization', 'key', '*.key'], censor: '[redacted]' },
    // Any error logged as `err` (the scheduler's, the checkpoint publisher's) keeps only what holds no row contents.
    serializers: { err: loggableError },
  });
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
