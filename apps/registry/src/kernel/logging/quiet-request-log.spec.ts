import 'reflect-metadata';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { createLogger, type LogLevel } from './logger.js';
import { QUIET_REQUEST_LOG, QuietRequestLog } from './quiet-request-log.js';
import { RouteLogController } from './route-log-controller.js';

/** A fastify server logging as the registry does, with a quiet route and an ordinary one, each answering the status asked for. */
async function server(level: LogLevel, lines: Record<string, unknown>[]) {
  const fastify = Fastify({
    loggerInstance: createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }),
    logController: new RouteLogController(),
  });
  const answer = async (request: { query: unknown }, reply: { status(code: number): unknown }) => {
    reply.status(Number((request.query as { status: string }).status));
    return { ok: true };
  };
  fastify.post('/quiet', { config: { [QUIET_REQUEST_LOG]: true } }, answer);
  fastify.post('/ordinary', answer);
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  return fastify;
}

async function post(fastify: Awaited<ReturnType<typeof server>>, path: string, status: number): Promise<void> {
  const { port } = fastify.server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}${path}?status=${status}`, { method: 'POST' });
  expect(response.status).toBe(status);
  await response.text();
}

const completed = (lines: Record<string, unknown>[], route: string) => lines.filter((line) => line.msg === 'request completed' && line.route === route);

describe('a quiet route (QuietRequestLog)', () => {
  it('leaves no line at info for the requests it answers, and a line for those it refuses', async () => {
    const lines: Record<string, unknown>[] = [];
    const fastify = await server('info', lines);
    try {
      await post(fastify, '/quiet', 200);
      await post(fastify, '/quiet', 201);
      await post(fastify, '/quiet', 422);
      await post(fastify, '/quiet', 500);
      await post(fastify, '/ordinary', 200);
    } finally {
      await fastify.close();
    }
    expect(completed(lines, '/quiet').map((line) => line.status)).toEqual([422, 500]);
    expect(completed(lines, '/ordinary').map((line) => line.status)).toEqual([200]);
  });

  it('logs its answers at debug', async () => {
    const lines: Record<string, unknown>[] = [];
    const fastify = await server('debug', lines);
    try {
      await post(fastify, '/quiet', 200);
    } finally {
      await fastify.close();
    }
    expect(completed(lines, '/quiet')).toEqual([expect.objectContaining({ status: 200, level: 20 })]);
  });

  it('is written into the route config beside what other decorators put there', () => {
    class Controller {
      submit(): void {}
    }
    const descriptor = Object.getOwnPropertyDescriptor(Controller.prototype, 'submit')!;
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { other: 1 }, descriptor.value as object);
    QuietRequestLog()(Controller.prototype, 'submit', descriptor);
    expect(Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, descriptor.value as object)).toEqual({ other: 1, [QUIET_REQUEST_LOG]: true });
  });
});
