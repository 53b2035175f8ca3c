import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to the embedded database in ./.plaza on port 3000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.database.mode).toBe('embedded');
    expect(config.dataDir.endsWith('.plaza')).toBe(true);
  });

  it('switches to a server when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', PLAZA_DB_POOL_SIZE: '4' });
    expect(config.database).toMatchObject({ mode: 'server', poolSize: 4 });
  });

  it('names every invalid variable and what is wrong with it', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '70000', DATABASE_URL: 'mysql://x', PLAZA_TRUST_PROXY: 'maybe', PLAZA_OPERATOR_KEY: 'secret' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT must be a whole number from 0 to 65535, got "70000"');
    expect(message).toContain('DATABASE_URL must be a postgres://');
    expect(message).toContain('PLAZA_TRUST_PROXY must be true or false');
    expect(message).toContain('PLAZA_OPERATOR_KEY must be a Plaza API key');
  });

  it('reads the log signing key as an Ed25519 private JWK and refuses anything else', () => {
    const x = 'A'.repeat(43);
    const d = 'B'.repeat(43);
    expect(loadConfig({ PLAZA_LOG_SIGNING_KEY: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x, d }) }).logSigningKey).toEqual({ kty: 'OKP', crv: 'Ed25519', x, d });
    expect(loadConfig({}).logSigningKey).toBeUndefined();
    for (const bad of ['nope', JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x }), JSON.stringify({ kty: 'EC', crv: 'P-256', x, d })]) {
      expect(() => loadConfig({ PLAZA_LOG_SIGNING_KEY: bad })).toThrow('PLAZA_LOG_SIGNING_KEY must be an Ed25519 private JWK');
    }
    expect(() => loadConfig({ PLAZA_LOG_ORIGIN: 'has space' })).toThrow('PLAZA_LOG_ORIGIN must be');
  });
});
