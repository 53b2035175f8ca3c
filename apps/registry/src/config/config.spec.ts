import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig, tileOrigin } from './config.js';

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

  it('runs one worker by default, one per CPU with auto, and refuses several on the single-process embedded database', () => {
    const server = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ ...server, PLAZA_WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ ...server, PLAZA_WORKERS: 'auto' }).workers).toBe(availableParallelism());
    expect(() => loadConfig({ PLAZA_WORKERS: '2' })).toThrow('PLAZA_WORKERS=2 needs DATABASE_URL: the embedded database serves a single process');
    expect(() => loadConfig({ ...server, PLAZA_WORKERS: '0' })).toThrow('PLAZA_WORKERS must be a whole number from 1 to 256, got "0"');
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

  it('runs the demo on its own data folder and embedded database, whatever PLAZA_DATA_DIR and DATABASE_URL say', () => {
    const config = loadConfig({ PLAZA_DEMO: 'true', PLAZA_DATA_DIR: '/srv/plaza', DATABASE_URL: 'postgres://plaza@db.example/plaza' });
    expect(config.demo).toBe(true);
    expect(config.dataDir.endsWith('.plaza-demo')).toBe(true);
    expect(config.database.mode).toBe('embedded');
    const onServer = loadConfig({ PLAZA_DEMO: 'true', PLAZA_DEMO_DATABASE_URL: 'postgres://plaza@127.0.0.1/demo' });
    expect(onServer.database).toMatchObject({ mode: 'server', url: 'postgres://plaza@127.0.0.1/demo' });
    expect(loadConfig({}).demo).toBe(false);
  });

  it("reads the map's tile server as a URL template, or none for a plain background", () => {
    expect(loadConfig({}).mapTileUrl).toBe('https://tile.openstreetmap.org/{z}/{x}/{y}.png');
    expect(loadConfig({ PLAZA_MAP_TILE_URL: 'none' }).mapTileUrl).toBeNull();
    expect(() => loadConfig({ PLAZA_MAP_TILE_URL: 'javascript:alert(1)//{z}{x}{y}' })).toThrow('PLAZA_MAP_TILE_URL must be');
    expect(() => loadConfig({ PLAZA_MAP_TILE_URL: 'https://tiles.example/{z}/{x}.png' })).toThrow('PLAZA_MAP_TILE_URL must be');
  });
});

describe('tileOrigin', () => {
  it('is the origin images load from, with a wildcard for a {s} subdomain', () => {
    expect(tileOrigin('https://tile.openstreetmap.org/{z}/{x}/{y}.png')).toBe('https://tile.openstreetmap.org');
    expect(tileOrigin('https://{s}.tiles.example:8443/{z}/{x}/{y}.png')).toBe('https://*.tiles.example:8443');
    expect(tileOrigin('ftp://tiles.example/{z}/{x}/{y}.png')).toBeNull();
  });
});
