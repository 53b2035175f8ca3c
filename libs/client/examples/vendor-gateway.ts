/**
 * A vendor's gateway in a few dozen lines: sensor readings in, signed CloudEvents out to the registry's exchange.
 * Each reading (a JSON line: {"station", "at", "lon", "lat", "pm2_5"}) becomes an air-quality observation whose id
 * comes from its station and time, so a reading sent twice is the same event and the registry answers `duplicate`:
 * the gateway can always send a file again after a failure. 429s are waited out by the client (Retry-After).
 *
 *   PLAZA_REGISTRY=https://registry.example.org PLAZA_API_KEY=plz_... PLAZA_SIGNING_KEY=vendor.jwk \
 *   PLAZA_SOURCE=urn:city:air:1 node vendor-gateway.js readings.jsonl
 */
import { readFileSync } from 'node:fs';
import { allAccepted, sendEvents, signingKeyFromJwk } from '../src/node.js'; // installed: '@plaza/client/node'

interface Reading { station: string; at: string; lon: number; lat: number; pm2_5: number }

const setting = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};
const source = setting('PLAZA_SOURCE');
const key = signingKeyFromJwk(JSON.parse(readFileSync(setting('PLAZA_SIGNING_KEY'), 'utf8')));

const readings = readFileSync(process.argv[2] ?? '/dev/stdin', 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Reading);
const events = readings.map((r) =>
  JSON.stringify({
    specversion: '1.0',
    id: `${r.station}/${r.at}`,
    source,
    type: 'org.plaza.air-quality-observation',
    time: r.at,
    datacontenttype: 'application/json',
    dataschema: 'https://schemas.plaza.example/standards/air-quality-observation/1.1.0/schema.json',
    data: { stationId: r.station, observedAt: r.at, location: { type: 'Point', coordinates: [r.lon, r.lat] }, pollutants: { pm2_5: r.pm2_5 } },
  }),
);

const outcomes = await sendEvents(events, { registry: setting('PLAZA_REGISTRY'), apiKey: setting('PLAZA_API_KEY'), key });
for (const o of outcomes) console.log(`${o.status} ${o.id}${o.sequence ? ` sequence ${o.sequence}` : ''}${o.code ? ` ${o.code}: ${o.detail}` : ''}`);
if (!allAccepted(outcomes)) process.exitCode = 1;
