import { generateKeyPairSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { cosigner } from '#plaza/note';
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

  it('serves no metrics by default; reads a token of 32 printable characters or more, and a port of their own other than PORT', () => {
    expect(loadConfig({})).toMatchObject({ metricsToken: null, metricsPort: null });
    const token = 'a'.repeat(32);
    expect(loadConfig({ PLAZA_METRICS_TOKEN: token, PLAZA_METRICS_PORT: '9464' })).toMatchObject({ metricsToken: token, metricsPort: 9464 });
    expect(() => loadConfig({ PLAZA_METRICS_TOKEN: 'short' })).toThrow('PLAZA_METRICS_TOKEN must be 32 to 512 printable ASCII characters without spaces');
    expect(() => loadConfig({ PLAZA_METRICS_TOKEN: `${token} ${token}` })).toThrow('PLAZA_METRICS_TOKEN must be');
    expect(() => loadConfig({ PLAZA_METRICS_PORT: '0' })).toThrow('PLAZA_METRICS_PORT must be a whole number from 1 to 65535, got "0"');
    expect(() => loadConfig({ PORT: '8080', PLAZA_METRICS_PORT: '8080' })).toThrow('PLAZA_METRICS_PORT must differ from PORT (8080)');
  });

  it('serves a cluster\'s metrics only on the metrics port, where the primary adds up the workers\'', () => {
    const server = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', PLAZA_WORKERS: '2' };
    expect(loadConfig({ ...server, PLAZA_METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadConfig({ ...server, PLAZA_METRICS_TOKEN: 'a'.repeat(32) })).toThrow('PLAZA_METRICS_TOKEN serves one process\'s metrics; with PLAZA_WORKERS=2 set PLAZA_METRICS_PORT instead');
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

  it("reads the log's earlier keys as one private JWK or an array of them, oldest first, and refuses a public key", () => {
    const key = (fill: string) => ({ kty: 'OKP', crv: 'Ed25519', x: fill.repeat(43), d: 'D'.repeat(43) });
    expect(loadConfig({}).logPreviousKeys).toEqual([]);
    expect(loadConfig({ PLAZA_LOG_PREVIOUS_KEYS: JSON.stringify(key('A')) }).logPreviousKeys).toEqual([key('A')]);
    expect(loadConfig({ PLAZA_LOG_PREVIOUS_KEYS: JSON.stringify([key('A'), key('B')]) }).logPreviousKeys).toEqual([key('A'), key('B')]);
    for (const bad of ['nope', JSON.stringify([key('A'), { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43) }])]) {
      expect(() => loadConfig({ PLAZA_LOG_PREVIOUS_KEYS: bad })).toThrow('PLAZA_LOG_PREVIOUS_KEYS must be an Ed25519 private JWK, or a JSON array of them');
    }
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

  it("names the catalogue's publisher and default licence: by default the registry itself and CC BY 4.0; URLs must be http(s)", () => {
    expect(loadConfig({ PLAZA_PUBLIC_URL: 'https://registry.example.org/' })).toMatchObject({
      operatorName: 'Plaza registry operator', operatorUrl: 'https://registry.example.org', defaultLicence: 'https://creativecommons.org/licenses/by/4.0/',
    });
    const given = { PLAZA_OPERATOR_NAME: 'Ville de Montréal', PLAZA_OPERATOR_URL: 'https://montreal.ca/', PLAZA_DEFAULT_LICENCE: 'https://open.canada.ca/en/open-government-licence-canada' };
    expect(loadConfig(given)).toMatchObject({ operatorName: 'Ville de Montréal', operatorUrl: 'https://montreal.ca/', defaultLicence: 'https://open.canada.ca/en/open-government-licence-canada' });
    expect(() => loadConfig({ PLAZA_DEFAULT_LICENCE: 'CC-BY-4.0' })).toThrow('PLAZA_DEFAULT_LICENCE must be');
    expect(() => loadConfig({ PLAZA_OPERATOR_URL: 'javascript:alert(1)' })).toThrow('PLAZA_OPERATOR_URL must be');
    expect(() => loadConfig({ PLAZA_OPERATOR_NAME: 'two\nlines' })).toThrow('PLAZA_OPERATOR_NAME must be');
  });
});

describe('tileOrigin', () => {
  it('is the origin images load from, with a wildcard for a {s} subdomain', () => {
    expect(tileOrigin('https://tile.openstreetmap.org/{z}/{x}/{y}.png')).toBe('https://tile.openstreetmap.org');
    expect(tileOrigin('https://{s}.tiles.example:8443/{z}/{x}/{y}.png')).toBe('https://*.tiles.example:8443');
    expect(tileOrigin('ftp://tiles.example/{z}/{x}/{y}.png')).toBeNull();
  });
});

describe('the outbound allow-lists', () => {
  it('refuses an outbound allow-list entry that is not an address or range, naming the variable, and reads the good ones', () => {
    expect(() => loadConfig({ PLAZA_OUTBOUND_ALLOW_ADDRESSES: '127.0.0.1,not-an-address' })).toThrow('PLAZA_OUTBOUND_ALLOW_ADDRESSES must list IP addresses or CIDR ranges');
    expect(loadConfig({ PLAZA_OUTBOUND_ALLOW_ADDRESSES: ' 127.0.0.1 , 10.0.0.0/8' }).outboundAllowAddresses).toEqual(['127.0.0.1', '10.0.0.0/8']);
  });
});

describe('the log witnesses', () => {
  const witnessKey = (name: string) => cosigner(name, generateKeyPairSync('ed25519').privateKey).verifierKey;
  const one = { url: 'https://witness.example.org/w1/', vkey: witnessKey('witness.example.org/w1') };
  const two = { url: 'https://witness.example.net', vkey: witnessKey('witness.example.net') };
  const witnesses = (list: unknown) => ({ PLAZA_LOG_WITNESSES: JSON.stringify(list) });

  it('reads each witness URL prefix (without its trailing slash) and key, asks them every minute and needs all of them by default', () => {
    const config = loadConfig(witnesses([one, two]));
    expect(config.logWitnesses).toEqual([{ url: 'https://witness.example.org/w1', vkey: one.vkey }, two]);
    expect(config).toMatchObject({ logWitnessIntervalMs: 60_000, logWitnessQuorum: 2 });
    expect(loadConfig({ ...witnesses([one, two]), PLAZA_LOG_WITNESS_QUORUM: '1' }).logWitnessQuorum).toBe(1);
    expect(loadConfig({}).logWitnesses).toEqual([]);
  });

  it('refuses a malformed list, a bad key, a witness listed twice, a URL the outbound client may not reach and a quorum above the witnesses', () => {
    expect(() => loadConfig({ PLAZA_LOG_WITNESSES: '{"url":' })).toThrow('PLAZA_LOG_WITNESSES must be a JSON array');
    expect(() => loadConfig(witnesses({ one }))).toThrow('PLAZA_LOG_WITNESSES must be a JSON array');
    expect(() => loadConfig(witnesses([{ url: one.url }]))).toThrow('PLAZA_LOG_WITNESSES[0] must be {"url": "…", "vkey": "…"}');
    expect(() => loadConfig(witnesses([{ url: one.url, vkey: 'witness+00000000+AAAA' }]))).toThrow("PLAZA_LOG_WITNESSES[0].vkey must be the witness's Ed25519 verifier key");
    expect(() => loadConfig(witnesses([one, { ...one, url: 'https://elsewhere.example' }]))).toThrow('lists the witness witness.example.org/w1 twice');
    expect(() => loadConfig(witnesses([one, { url: 'https://elsewhere.example', vkey: witnessKey('witness.example.org/w1') }]))).toThrow('lists the witness witness.example.org/w1 twice');
    expect(() => loadConfig(witnesses([{ ...one, url: 'http://witness.example.org' }]))).toThrow('PLAZA_LOG_WITNESSES[0].url (witness.example.org/w1) must be');
    expect(() => loadConfig(witnesses([{ ...one, url: 'https://10.0.0.1' }]))).toThrow('PLAZA_LOG_WITNESSES[0].url');
    expect(() => loadConfig(witnesses([{ ...one, url: 'ftp://witness.example.org' }]))).toThrow('PLAZA_LOG_WITNESSES[0].url');
    expect(loadConfig({ ...witnesses([{ ...one, url: 'http://127.0.0.1:9' }]), PLAZA_OUTBOUND_ALLOW_ADDRESSES: '127.0.0.1', PLAZA_OUTBOUND_ALLOW_HTTP_HOSTS: '127.0.0.1' }).logWitnesses).toHaveLength(1);
    expect(() => loadConfig({ ...witnesses([one]), PLAZA_LOG_WITNESS_QUORUM: '2' })).toThrow('PLAZA_LOG_WITNESS_QUORUM must be a whole number from 1 to 1');
    expect(() => loadConfig({ PLAZA_LOG_WITNESS_QUORUM: '1' })).toThrow('PLAZA_LOG_WITNESS_QUORUM needs PLAZA_LOG_WITNESSES');
  });

  it('reads the fork alarms the operator acknowledged, each of a listed witness by its number', () => {
    const acknowledged = (list: unknown) => ({ ...witnesses([one, two]), PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED: JSON.stringify(list) });
    expect(loadConfig(witnesses([one])).logWitnessAlarmsAcknowledged).toEqual([]);
    expect(loadConfig(acknowledged([{ witness: 'witness.example.net', alarm: 2 }])).logWitnessAlarmsAcknowledged).toEqual([{ witness: 'witness.example.net', alarm: 2 }]);
    expect(() => loadConfig(acknowledged({ witness: 'witness.example.net', alarm: 2 }))).toThrow('PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED must be a JSON array');
    expect(() => loadConfig(acknowledged([{ witness: 'witness.example.net', alarm: 0 }]))).toThrow('PLAZA_LOG_WITNESS_ALARMS_ACKNOWLEDGED must be a JSON array');
    expect(() => loadConfig(acknowledged([{ witness: 'elsewhere.example', alarm: 1 }]))).toThrow('names elsewhere.example, which PLAZA_LOG_WITNESSES does not list');
  });
});

describe('the witness settings', () => {
  const log = 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx';
  const jwk = (byte: number) => JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: Buffer.alloc(32, byte).toString('base64url'), d: Buffer.alloc(32, byte + 1).toString('base64url') });

  it('witnesses no log by default, under a key name made from the public URL', () => {
    const config = loadConfig({ PLAZA_PUBLIC_URL: 'https://registry.example.org/plaza/' });
    expect(config.witnessLogs).toEqual([]);
    expect(config.witnessName).toBe('registry.example.org/plaza/witness');
    expect(loadConfig({ PORT: '4100' }).witnessName).toBe('localhost:4100/witness');
  });

  it('reads the logs to witness, each an origin and its verifier key', () => {
    const logs = [{ origin: 'example.com/log/testdata', vkey: log }];
    expect(loadConfig({ PLAZA_WITNESS_LOGS: JSON.stringify(logs), PLAZA_WITNESS_NAME: 'city.example/witness' })).toMatchObject({ witnessLogs: logs, witnessName: 'city.example/witness' });
  });

  it.each([
    ['not JSON', '[{', 'PLAZA_WITNESS_LOGS must be a JSON array of {"origin"'],
    ['not an array', '{"origin":"a","vkey":"b"}', 'PLAZA_WITNESS_LOGS must be a JSON array'],
    ['an entry with another member', JSON.stringify([{ origin: 'a', vkey: log, url: 'x' }]), 'PLAZA_WITNESS_LOGS[0] must be {"origin": "…", "vkey": "…"}'],
    ['an origin with a space', JSON.stringify([{ origin: 'a b', vkey: log }]), 'PLAZA_WITNESS_LOGS[0].origin must be 1 to 255 characters'],
    ['a key whose id does not match', JSON.stringify([{ origin: 'a', vkey: log.replace('33d7b496', '33d7b497') }]), 'PLAZA_WITNESS_LOGS[0].vkey must be the log\'s Ed25519 signed-note verifier key'],
    ['a cosignature key (type 0x04)', JSON.stringify([{ origin: 'a', vkey: 'witness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN' }]), 'PLAZA_WITNESS_LOGS[0].vkey'],
    ['an origin twice', JSON.stringify([{ origin: 'a', vkey: log }, { origin: 'a', vkey: log }]), 'PLAZA_WITNESS_LOGS lists the origin "a" twice'],
  ])('refuses PLAZA_WITNESS_LOGS with %s', (_, raw, message) => {
    expect(() => loadConfig({ PLAZA_WITNESS_LOGS: raw })).toThrow(message);
  });

  it('refuses a witness key that is not an Ed25519 JWK, or that is the log key', () => {
    expect(loadConfig({ PLAZA_WITNESS_SIGNING_KEY: jwk(1), PLAZA_LOG_SIGNING_KEY: jwk(3) }).witnessSigningKey?.x).toBe(Buffer.alloc(32, 1).toString('base64url'));
    expect(() => loadConfig({ PLAZA_WITNESS_SIGNING_KEY: '{"kty":"RSA"}' })).toThrow('PLAZA_WITNESS_SIGNING_KEY must be an Ed25519 private JWK');
    expect(() => loadConfig({ PLAZA_WITNESS_SIGNING_KEY: jwk(1), PLAZA_LOG_SIGNING_KEY: jwk(1) })).toThrow('PLAZA_WITNESS_SIGNING_KEY must not be the log signing key');
  });

  it('refuses a witness name that no note could carry', () => {
    expect(() => loadConfig({ PLAZA_WITNESS_NAME: 'my witness' })).toThrow('PLAZA_WITNESS_NAME must be a key name');
    expect(() => loadConfig({ PLAZA_WITNESS_NAME: 'a+b' })).toThrow('PLAZA_WITNESS_NAME must be a key name');
  });
});
