import { HealthRepository } from '../../apps/registry/src/health/health.repository.js';
import { HealthService } from '../../apps/registry/src/health/health.service.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

describe('health: the readiness probe on the database', () => {
  let ctx: RegistryContext;

  beforeAll(async () => {
    ctx = await startRegistryContext();
  });
  afterAll(() => ctx.close());

  it('reaches the database', async () => {
    await expect(ctx.get(HealthRepository).ping()).resolves.toBeUndefined();
  });

  it('reports the registry ready while the database answers, with its mode and how long it took', async () => {
    expect(await ctx.get(HealthService).readiness()).toEqual({
      status: 'ok', live: true, ready: true, database: { mode: ctx.onServer ? 'server' : 'embedded', reachable: true, latencyMs: expect.any(Number) },
    });
  });

  it('gives the callers who ask while a probe runs that probe’s answer, and probes afresh after it', async () => {
    const health = ctx.get(HealthService);
    const first = health.readiness();
    expect(health.readiness()).toBe(first);
    await first;
    const next = health.readiness();
    expect(next).not.toBe(first);
    await next;
  });
});
