import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '../../../apps/registry/src/composition/app.module.js';
import { AUTHENTICATOR, type Authenticator } from '../../../apps/registry/src/kernel/auth/authenticator.js';
import type { Principal } from '../../../apps/registry/src/kernel/auth/principal.js';
import type { AppConfig } from '../../../apps/registry/src/platform/config/config.js';
import { testSetting } from '../../support/test-app.js';

/**
 * The registry's real providers on a real database, without HTTP: the integration tier calls repositories and use cases
 * directly. Embedded PGlite in a fresh folder by default; the PostgreSQL server when DATABASE_URL is set (as CI does).
 */
export interface RegistryContext {
  /** Any provider of the registry, by its class or token (repositories and use cases are internal to their feature, and tested here). */
  get<T>(token: abstract new (...args: never[]) => T): T;
  get<T>(token: symbol): T;
  db: DataSource;
  config: AppConfig;
  onServer: boolean;
  /** The principal of the operator's own key (an admin of the operator organisation). */
  operator(): Promise<Principal>;
  /** The principal behind an API key, as the kernel authenticates it. */
  principalOf(key: string): Promise<Principal>;
  close(): Promise<void>;
}

export async function startRegistryContext(env: Record<string, string> = {}, options: { ownDatabase?: boolean } = {}): Promise<RegistryContext> {
  const setting = await testSetting(env, options);
  let context: INestApplicationContext;
  try {
    context = await NestFactory.createApplicationContext(AppModule.forRoot(setting.config), { logger: false, abortOnError: false });
    await context.init();
  } catch (error) {
    await setting.release();
    throw error;
  }
  const authenticator = context.get<Authenticator>(AUTHENTICATOR);
  const principalOf = (key: string) => authenticator.authenticate(`Bearer ${key}`);
  return {
    get: <T>(token: symbol | (abstract new (...args: never[]) => T)) => context.get<T>(token as never, { strict: false }),
    db: context.get(DataSource),
    config: setting.config,
    onServer: setting.config.database.mode === 'server',
    operator: () => principalOf(setting.operatorKey),
    principalOf,
    async close() {
      await context.close();
      await setting.release();
    },
  };
}
