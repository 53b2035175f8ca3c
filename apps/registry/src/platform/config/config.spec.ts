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
    expect(message).toContain('PLAZA_TRUST_PROXY must be false, the number of proxies in front of the registry');
    expect(message).toContain('PLAZA_OPERATOR_KEY must be a Plaza API key');
  });

  it('trusts a number of proxy hops or a list of proxy addresses, and refuses true, which trusted every hop', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ PLAZA_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ PLAZA_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ PLAZA_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1,fd00::/8,loopback' }).trustProxy).toEqual(['10.0.0.5', '10.1.0.0/16', '::1', 'fd00::/8', 'loopback']);
    expect(() => loadConfig({ PLAZA_TRUST_PROXY: 'true' })).toThrow('PLAZA_TRUST_PROXY=true would trust every hop, so any client could choose its own address');
    expect(() => loadConfig({ PLAZA_TRUST_PROXY: '10.0.0.0/33,proxy.internal' })).toThrow('not an address or range: "10.0.0.0/33", "proxy.internal"');
  });

  it('reads the public URL as an absolute http(s) URL without query or fragment, by default http://localhost and the port', () => {
    expect(loadConfig({}).publicUrl).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PLAZA_PUBLIC_URL: 'https://registry.example.org/' }).publicUrl).toBe('https://registry.example.org');
    expect(loadConfig({ PLAZA_PUBLIC_URL: 'https://example.org/plaza/' }).publicUrl).toBe('https://example.org/plaza');
    for (const bad of ['registry.example.org', '/plaza', 'ftp://example.org', 'https://example.org/?a=1', 'https://example.org/#top', 'https://user:pw@example.org']) {
      expect(() => loadConfig({ PLAZA_PUBLIC_URL: bad })).toThrow('PLAZA_PUBLIC_URL must be an absolute http:// or https:// URL');
    }
  });

  it('sets connection timeouts, by default 10 s for headers, 30 s for the whole request, 5 s keep-alive and 60 s idle', () => {
    expect(loadConfig({})).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, idleTimeoutMs: 60_000 });
    expect(() => loadConfig({ PLAZA_HEADERS_TIMEOUT_MS: '5000', PLAZA_REQUEST_TIMEOUT_MS: '2000' })).toThrow('PLAZA_HEADERS_TIMEOUT_MS (5000) must not exceed PLAZA_REQUEST_TIMEOUT_MS (2000)');
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
