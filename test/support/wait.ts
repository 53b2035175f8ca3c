import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Asks `probe` every 50 ms until it gives something truthy, and returns that; throws, naming `what`, once `ms` have
 * passed without it (give a busy machine room: other suites may share it).
 */
export async function until<T>(what: string, probe: () => T | Promise<T>, ms = 10_000): Promise<NonNullable<T>> {
  for (const deadline = Date.now() + ms; ; await sleep(50)) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms in vain for: ${what}`);
  }
}
