/**
 * The register `npm run bench:reads` reads (issue 19): the demo's data (demo/seed.ts, through the HTTP API) and
 * BENCH_SOURCES (100,000) generated sources in the demo's three cities and 18 more, written by the built registry
 * through its own HTTP API, so the journal and the Merkle log hold every record exactly as in production. Writing
 * them takes minutes, so a register is made once per machine and kept:
 * - on the PostgreSQL server as a template database, `plaza_bench_reads_<sources>_<key>`, where the key hashes the
 *   migrations (names and code) and this generator's format. Runs copy it with CREATE DATABASE … TEMPLATE, in
 *   seconds. A new migration makes a new template, from a copy of the older one that the registry migrates at start
 *   (as an operator's upgrade would; the older one stays until dropped); only a changed or removed migration, or a
 *   new format, writes a register from nothing again;
 * - beside it, in .plaza-bench-cache/<name>/ (BENCH_CACHE_DIR; gitignored by `.plaza-*`), the registry's data folder (its log and
 *   delivery keys, which signed the template's checkpoints) and register.json (the operator key, the hot ids, the
 *   writer's key); with the embedded database also embedded/, a data folder whose PGlite database holds the same
 *   register, copied from the template (pg_dump into PGlite), so both targets read the same ids.
 * The register is built in a database of its own with synchronous_commit off (same statements, same journal, the
 * fsync at commit is what it skips), renamed to its final name only once complete, then vacuumed and analysed.
 *
 * Run on its own (`npm run bench:reads:register`), it prepares the server template and prints its name and hot ids,
 * to run EXPLAIN on a registry of 100,000 sources. DATABASE_URL names the server (default
 * postgres://postgres@127.0.0.1:5432/postgres); BENCH_REGISTER_CONCURRENCY (8) writers write at once.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { EmbeddedPostgres, MIGRATIONS } from '#plaza/database';
import { generateApiKey } from '../apps/registry/src/api-keys/api-key-secret.js';
import { fetchHttp, type Http, seedDemo } from '../demo/seed.js';
import { SOURCES as DEMO_SOURCES } from '../demo/definition.js';
import { startRegistry } from '../test/support/registry-process.js';
import { createScratchDatabase, type ScratchDatabase } from '../test/support/scratch-database.js';
import { cpuBetween, sampleCpu } from './cpu-meter.js';

/** Bump when what the generator writes changes: the key of every cached register changes with it. */
const REGISTER_FORMAT = 1;
export const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const SOURCE_COUNT = Number(process.env.BENCH_SOURCES ?? 100_000);
const CONCURRENCY = Number(process.env.BENCH_REGISTER_CONCURRENCY ?? 8);
const repo = resolve(import.meta.dirname, '..').replace(/\/dist$/, '');
const CACHE = resolve(process.env.BENCH_CACHE_DIR ?? join(repo, '.plaza-bench-cache'));

/** Each migration's name and a digest of its code: an edited migration counts as another one. */
const MIGRATION_IDS = MIGRATIONS.map((m) => `${m.name}:${createHash('sha256').update(m.toString()).digest('hex').slice(0, 12)}`);

/** What a run needs to know about a register, kept in register.json beside it. */
export interface RegisterManifest {
  name: string;
  format: number;
  /** The migrations its schema has run (MIGRATION_IDS when it was made). */
  migrations: string[];
  generatedSources: number;
  operatorKey: string;
  /** The page a newspaper links to (the demo's counting camera), its agreement, and the camera's log entry. */
  hot: { sourceId: string; agreementId: string; sourceJournalIndex: number };
  /** The log's size when the register was finished (a valid `size` for inclusion proofs). */
  logSize: number;
  /** A generated city's admin key and one of its active sources, for the benchmark's background writes. */
  writer: { key: string; sourceId: string };
  build: { seconds: number; writes: number; writesPerSecond: number; concurrency: number; workers: number };
}

export const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** plaza_bench_reads_<sources>_<hash of the migrations and the format>. */
export function registerName(sources = SOURCE_COUNT): string {
  const key = createHash('sha256').update(JSON.stringify([REGISTER_FORMAT, MIGRATION_IDS])).digest('hex').slice(0, 10);
  return `plaza_bench_reads_${sources}_${key}`;
}

const cacheDir = (name: string) => join(CACHE, name);
const manifestFile = (name: string) => join(cacheDir(name), 'register.json');
/** The registry's data folder of a register (its keys) as cached: copy it, never start a registry on it. */
export const cachedDataDir = (name: string) => join(cacheDir(name), 'data');
export const cachedEmbeddedDir = (name: string) => join(cacheDir(name), 'embedded');

const readManifest = (name: string) => JSON.parse(readFileSync(manifestFile(name), 'utf8')) as RegisterManifest;

/** The environment a registry needs to run on a register: demo mode (the demo's published keys are in it). */
export function registryEnv(operatorKey: string, dataDir: string, databaseUrl?: string): Record<string, string> {
  return {
    PLAZA_DEMO: 'true',
    PLAZA_DEMO_DATA_DIR: dataDir,
    ...(databaseUrl ? { PLAZA_DEMO_DATABASE_URL: databaseUrl } : {}),
    PLAZA_OPERATOR_KEY: operatorKey,
    PLAZA_LOG_LEVEL: 'warn',
  };
}

// ---------------------------------------------------------------------------------------------
// The generated register

/** Real places (made-up deployments, as in the demo), with a weight near their population in thousands. */
const CITIES: { slug: string; en: string; fr: string; at: [number, number]; weight: number; demo?: true }[] = [
  { slug: 'montreal', en: 'Montréal', fr: 'Montréal', at: [-73.5673, 45.5017], weight: 1760, demo: true },
  { slug: 'laval', en: 'Laval', fr: 'Laval', at: [-73.7124, 45.6066], weight: 440, demo: true },
  { slug: 'longueuil', en: 'Longueuil', fr: 'Longueuil', at: [-73.5185, 45.5312], weight: 255, demo: true },
  { slug: 'quebec', en: 'Québec City', fr: 'Québec', at: [-71.208, 46.8139], weight: 550 },
  { slug: 'gatineau', en: 'Gatineau', fr: 'Gatineau', at: [-75.7013, 45.4765], weight: 290 },
  { slug: 'sherbrooke', en: 'Sherbrooke', fr: 'Sherbrooke', at: [-71.8929, 45.4042], weight: 170 },
  { slug: 'levis', en: 'Lévis', fr: 'Lévis', at: [-71.1776, 46.8033], weight: 150 },
  { slug: 'saguenay', en: 'Saguenay', fr: 'Saguenay', at: [-71.0657, 48.4284], weight: 145 },
  { slug: 'trois-rivieres', en: 'Trois-Rivières', fr: 'Trois-Rivières', at: [-72.5477, 46.3432], weight: 140 },
  { slug: 'terrebonne', en: 'Terrebonne', fr: 'Terrebonne', at: [-73.63, 45.7], weight: 120 },
  { slug: 'saint-jean-sur-richelieu', en: 'Saint-Jean-sur-Richelieu', fr: 'Saint-Jean-sur-Richelieu', at: [-73.2525, 45.3071], weight: 100 },
  { slug: 'brossard', en: 'Brossard', fr: 'Brossard', at: [-73.465, 45.4584], weight: 92 },
  { slug: 'repentigny', en: 'Repentigny', fr: 'Repentigny', at: [-73.45, 45.7422], weight: 86 },
  { slug: 'drummondville', en: 'Drummondville', fr: 'Drummondville', at: [-72.4843, 45.8838], weight: 80 },
  { slug: 'saint-jerome', en: 'Saint-Jérôme', fr: 'Saint-Jérôme', at: [-74.0034, 45.7803], weight: 80 },
  { slug: 'granby', en: 'Granby', fr: 'Granby', at: [-72.7243, 45.4], weight: 70 },
  { slug: 'blainville', en: 'Blainville', fr: 'Blainville', at: [-73.88, 45.67], weight: 60 },
  { slug: 'saint-hyacinthe', en: 'Saint-Hyacinthe', fr: 'Saint-Hyacinthe', at: [-72.957, 45.6307], weight: 57 },
  { slug: 'shawinigan', en: 'Shawinigan', fr: 'Shawinigan', at: [-72.7496, 46.5668], weight: 50 },
  { slug: 'rimouski', en: 'Rimouski', fr: 'Rimouski', at: [-68.5243, 48.449], weight: 49 },
  { slug: 'victoriaville', en: 'Victoriaville', fr: 'Victoriaville', at: [-71.9614, 46.0571], weight: 47 },
];

/** Vendors beside the demo's four (airsense, urbanflow, parkwise, sonora). */
const VENDORS: { slug: string; en: string; fr: string }[] = [
  { slug: 'hydrosense', en: 'Hydrosense Instruments', fr: 'Instruments Hydrosense' },
  { slug: 'voltmetrics', en: 'VoltMetrics', fr: 'VoltMétrique' },
  { slug: 'bincheck', en: 'BinCheck Logistics', fr: 'Logistique BinCheck' },
  { slug: 'meteonord', en: 'MétéoNord Systems', fr: 'Systèmes MétéoNord' },
  { slug: 'lidarix', en: 'Lidarix Mobility', fr: 'Mobilité Lidarix' },
];

type Text = { en: string; fr: string };
const t = (en: string, fr: string): Text => ({ en, fr });

interface Kind {
  technology: string;
  kind: 'sensor' | 'stream' | 'dataset';
  weight: number;
  /** The vendor that usually runs it for a city (the city runs it itself otherwise, or half the time). */
  vendor?: string;
  label: Text;
  description: Text;
  purpose: Text;
  measures: Text[];
  standard?: string;
  personalInformation: boolean;
}

const KINDS: Kind[] = [
  { technology: 'air-quality-sensor', kind: 'sensor', weight: 14, vendor: 'airsense', label: t('Air station', 'Station d’air'), description: t('Measures fine particles and nitrogen dioxide every hour.', 'Mesure les particules fines et le dioxyde d’azote toutes les heures.'), purpose: t('Publish the air-quality index.', 'Publier l’indice de la qualité de l’air.'), measures: [t('PM2.5', 'PM2,5'), t('Nitrogen dioxide (NO2)', 'Dioxyde d’azote (NO2)')], standard: 'air-quality-observation', personalInformation: false },
  { technology: 'noise-sensor', kind: 'sensor', weight: 8, vendor: 'sonora', label: t('Noise monitor', 'Sonomètre'), description: t('Measures sound levels; it records no audio.', 'Mesure les niveaux sonores ; il n’enregistre aucun son.'), purpose: t('Check noise limits near homes.', 'Vérifier les limites de bruit près des habitations.'), measures: [t('Equivalent sound level (LAeq), dB(A)', 'Niveau sonore équivalent (LAeq), dB(A)')], standard: 'noise-level-observation', personalInformation: false },
  { technology: 'traffic-counter', kind: 'sensor', weight: 16, label: t('Traffic counter', 'Compteur de circulation'), description: t('Induction loops counting vehicles by lane.', 'Des boucles d’induction comptent les véhicules par voie.'), purpose: t('Time the traffic lights and plan road work.', 'Régler les feux et planifier les travaux routiers.'), measures: [t('Vehicles per lane, per 15 minutes', 'Véhicules par voie, par tranche de 15 minutes')], standard: 'traffic-flow-observation', personalInformation: false },
  { technology: 'parking-sensor', kind: 'sensor', weight: 14, vendor: 'parkwise', label: t('Parking sensors', 'Capteurs de stationnement'), description: t('In-ground sensors that detect whether a space is taken; they read no plates.', 'Des capteurs dans la chaussée détectent si une place est prise ; ils ne lisent aucune plaque.'), purpose: t('Show drivers where they can park.', 'Indiquer aux automobilistes où se garer.'), measures: [t('Occupied spaces', 'Places occupées')], standard: 'parking-occupancy', personalInformation: false },
  { technology: 'weather-station', kind: 'sensor', weight: 6, vendor: 'meteonord', label: t('Weather station', 'Station météo'), description: t('Temperature, wind and precipitation on a city building.', 'Température, vent et précipitations sur un bâtiment municipal.'), purpose: t('Plan snow removal and street salting.', 'Planifier le déneigement et l’épandage de sel.'), measures: [t('Air temperature', 'Température de l’air'), t('Precipitation', 'Précipitations')], personalInformation: false },
  { technology: 'water-sensor', kind: 'sensor', weight: 8, vendor: 'hydrosense', label: t('Water level sensor', 'Capteur de niveau d’eau'), description: t('Measures the level of a river or a storm sewer.', 'Mesure le niveau d’une rivière ou d’un égout pluvial.'), purpose: t('Warn of floods early.', 'Avertir tôt des inondations.'), measures: [t('Water level, cm', 'Niveau d’eau, cm')], personalInformation: false },
  { technology: 'energy-meter', kind: 'stream', weight: 8, vendor: 'voltmetrics', label: t('Building energy meter', 'Compteur d’énergie du bâtiment'), description: t('Electricity and gas used by a municipal building, every 15 minutes.', 'Électricité et gaz consommés par un bâtiment municipal, toutes les 15 minutes.'), purpose: t('Cut the energy the city uses.', 'Réduire l’énergie consommée par la ville.'), measures: [t('Electricity, kWh', 'Électricité, kWh')], personalInformation: false },
  { technology: 'waste-sensor', kind: 'sensor', weight: 8, vendor: 'bincheck', label: t('Bin fill sensor', 'Capteur de remplissage'), description: t('Measures how full a public bin is.', 'Mesure le taux de remplissage d’une poubelle publique.'), purpose: t('Empty bins when they are full, not on a fixed round.', 'Vider les poubelles quand elles sont pleines, pas selon une tournée fixe.'), measures: [t('Fill level, percent', 'Taux de remplissage, pour cent')], personalInformation: false },
  { technology: 'lidar', kind: 'stream', weight: 3, vendor: 'lidarix', label: t('Lidar intersection counter', 'Compteur lidar d’intersection'), description: t('Counts people, bicycles and vehicles from point clouds; no image is taken.', 'Compte piétons, vélos et véhicules à partir de nuages de points ; aucune image n’est prise.'), purpose: t('Make crossings safer.', 'Rendre les traversées plus sûres.'), measures: [t('Road users per 15 minutes', 'Usagers par tranche de 15 minutes')], standard: 'traffic-flow-observation', personalInformation: false },
  { technology: 'camera', kind: 'sensor', weight: 3, vendor: 'urbanflow', label: t('Counting camera', 'Caméra de comptage'), description: t('Counts people on the device; no image leaves it.', 'Compte les personnes dans l’appareil ; aucune image n’en sort.'), purpose: t('Plan sidewalks from real counts.', 'Planifier les trottoirs à partir de comptages réels.'), measures: [t('People walking, per 15 minutes', 'Piétons, par tranche de 15 minutes')], standard: 'traffic-flow-observation', personalInformation: true },
  { technology: 'licence-plate-reader', kind: 'sensor', weight: 1, label: t('Licence plate reader', 'Lecteur de plaques'), description: t('Reads plates at a paid car park entrance.', 'Lit les plaques à l’entrée d’un stationnement payant.'), purpose: t('Charge parking without tickets.', 'Facturer le stationnement sans billet.'), measures: [t('Plates read at entry and exit', 'Plaques lues à l’entrée et à la sortie')], personalInformation: true },
  { technology: 'wifi-bluetooth-tracker', kind: 'stream', weight: 1, label: t('Bluetooth travel-time sensor', 'Capteur de temps de parcours Bluetooth'), description: t('Times vehicles between two points from hashed device addresses.', 'Chronomètre les véhicules entre deux points à partir d’adresses d’appareils hachées.'), purpose: t('Tell drivers how long a trip takes.', 'Indiquer aux automobilistes la durée d’un trajet.'), measures: [t('Travel time, seconds', 'Temps de parcours, secondes')], personalInformation: true },
  { technology: 'open-dataset', kind: 'dataset', weight: 10, label: t('Open dataset', 'Données ouvertes'), description: t('Published on the city’s open-data portal and updated every month.', 'Publié sur le portail de données ouvertes de la ville et mis à jour chaque mois.'), purpose: t('Share the city’s data openly.', 'Ouvrir les données de la ville.'), measures: [t('Records of the dataset', 'Enregistrements du jeu de données')], personalInformation: false },
];

const STREETS = ['Rue Principale', 'Boulevard Saint-Joseph', 'Rue Notre-Dame', 'Avenue du Parc', 'Rue King', 'Chemin du Lac', 'Rue Wellington', 'Boulevard des Forges', 'Rue Saint-Jean', 'Avenue Laurier', 'Boulevard René-Lévesque', 'Rue de la Gare', 'Montée Masson', 'Rue Racine', 'Boulevard Talbot', 'Rue du Pont'];
const TOPICS = [t('street trees', 'arbres de rue'), t('bike paths', 'pistes cyclables'), t('snow removal routes', 'circuits de déneigement'), t('building permits', 'permis de construction'), t('road works', 'travaux routiers'), t('drinking fountains', 'fontaines d’eau potable')];

/** A small seeded generator (mulberry32): source n is the same on every machine, whatever order writers take. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T extends { weight: number }>(items: T[], r: number): T {
  let left = r * items.reduce((sum, item) => sum + item.weight, 0);
  for (const item of items) if ((left -= item.weight) < 0) return item;
  return items[items.length - 1]!;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

interface GeneratedSource {
  city: string;
  body: Record<string, unknown>;
  /** The status changes after creation (planned needs none). */
  steps: { status: string; reason?: string }[];
}

/** Generated source n: its city (by population), kind, operator, location near the city, and final status. */
function generatedSource(n: number): GeneratedSource {
  const r = random(n * 2_654_435_761 + 19);
  const city = pick(CITIES, r());
  const kind = pick(KINDS, r());
  const [lon, lat] = [city.at[0] + (r() - 0.5) * 0.16, city.at[1] + (r() - 0.5) * 0.1];
  const street = STREETS[Math.floor(r() * STREETS.length)]!;
  const topic = TOPICS[Math.floor(r() * TOPICS.length)]!;
  const number = n + 1;
  const name =
    kind.kind === 'dataset' ? t(`${kind.label.en}: ${topic.en} (${number})`, `${kind.label.fr} : ${topic.fr} (${number})`) : t(`${kind.label.en} ${number}, ${street}`, `${kind.label.fr} ${number}, ${street}`);
  const location =
    kind.kind === 'dataset'
      ? { type: 'Polygon', coordinates: [[[city.at[0] - 0.1, city.at[1] - 0.06], [city.at[0] + 0.1, city.at[1] - 0.06], [city.at[0] + 0.1, city.at[1] + 0.06], [city.at[0] - 0.1, city.at[1] + 0.06], [city.at[0] - 0.1, city.at[1] - 0.06]].map(([x, y]) => [round6(x!), round6(y!)])] }
      : kind.kind === 'stream'
        ? { type: 'LineString', coordinates: [[round6(lon), round6(lat)], [round6(lon + 0.004), round6(lat + 0.002)]] }
        : { type: 'Point', coordinates: [round6(lon), round6(lat)] };
  const operator = kind.vendor && r() < 0.5 ? kind.vendor : city.slug;
  const body = {
    kind: kind.kind, technology: kind.technology, name, description: kind.description, purpose: kind.purpose, measures: kind.measures,
    personalInformation: kind.personalInformation, legalAuthority: t('Municipal bylaw on connected equipment', 'Règlement municipal sur les équipements connectés'),
    location, standards: kind.standard ? [{ standard: kind.standard, major: 1 }] : [], ceSource: `urn:plaza:${city.slug}:${kind.technology}:${number}`, operator,
  };
  // Collecting personal information needs an approved privacy record to be active: those stay planned or retire.
  const s = r();
  const steps = n === 0
    ? [{ status: 'active' }]
    : kind.personalInformation
      ? s < 0.2 ? [{ status: 'retired', reason: 'Project abandoned' }] : []
      : s < 0.55 ? [{ status: 'active' }]
        : s < 0.62 ? [{ status: 'active' }, { status: 'suspended', reason: 'Sensor fault: repair scheduled' }]
          : s < 0.67 ? [{ status: 'retired', reason: 'Replaced by newer equipment' }]
            : [];
  return { city: city.slug, body, steps };
}

// ---------------------------------------------------------------------------------------------
// Writing it through the API

async function must(http: Http, method: string, path: string, key: string | undefined, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const answer = await http(method, path, key, body);
  if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 400)}`);
  return answer.body;
}

/** A city's admin (member and key issued by the operator), for the cities' own writes. */
async function adminKey(http: Http, operatorKey: string, slug: string): Promise<string> {
  const member = await must(http, 'POST', `/api/v1/organisations/${slug}/members`, operatorKey, { name: 'Bench administrator', email: `bench-admin@${slug}.example`, roles: ['admin'] });
  return (await must(http, 'POST', `/api/v1/organisations/${slug}/api-keys`, operatorKey, { memberId: member.id, label: 'reads benchmark' })).key as string;
}

const organisation = (slug: string, kind: 'city' | 'vendor', name: Text) => ({
  slug, kind, coalitionMember: false, name: kind === 'city' ? t(`City of ${name.en}`, `Ville de ${name.fr}`) : name, jurisdiction: kind === 'city' ? 'CA-QC' : 'CA',
  privacyContact: { name: t('Privacy office', 'Bureau de la protection des renseignements personnels'), email: `privacy@${slug}.example` }, website: `https://${slug}.example`,
});

/** Seeds the demo, then the generated organisations and sources; answers the manifest's facts. */
async function writeRegister(url: string, operatorKey: string, sources: number, concurrency: number): Promise<Omit<RegisterManifest, 'name' | 'format' | 'migrations' | 'operatorKey' | 'build'> & { writes: number }> {
  let writes = 0;
  const api = fetchHttp(url);
  const http: Http = async (method, path, key, body, contentType) => {
    const answer = await api(method, path, key, body, contentType);
    if (method !== 'GET' && answer.status < 300) writes++;
    return answer;
  };
  await seedDemo(http, { operatorKey });
  log(`demo seeded (${writes} writes)`);
  for (const city of CITIES.filter((c) => !c.demo)) await must(http, 'POST', '/api/v1/organisations', operatorKey, organisation(city.slug, 'city', t(city.en, city.fr)));
  for (const vendor of VENDORS) await must(http, 'POST', '/api/v1/organisations', operatorKey, organisation(vendor.slug, 'vendor', t(vendor.en, vendor.fr)));
  const keys = new Map<string, string>();
  for (const city of CITIES) keys.set(city.slug, await adminKey(http, operatorKey, city.slug));

  let next = 0;
  let done = 0;
  let writerSource = '';
  const started = performance.now();
  const progress = setInterval(() => log(`${done.toLocaleString('en')} of ${sources.toLocaleString('en')} sources, ${Math.round(writes / ((performance.now() - started) / 1000))} writes/s`), 15_000);
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let n = next++; n < sources; n = next++) {
          const source = generatedSource(n);
          const key = keys.get(source.city)!;
          const { id } = await must(http, 'POST', '/api/v1/sources', key, source.body);
          for (const step of source.steps) await must(http, 'POST', `/api/v1/sources/${id}/status`, key, step);
          if (n === 0) writerSource = id;
          done++;
        }
      }),
    );
  } finally {
    clearInterval(progress);
  }
  const camera = DEMO_SOURCES.find((s) => s.key === 'counting-camera-07')!;
  const cameraSource = (await must(http, 'GET', `/api/v1/sources?city=${camera.city}&limit=100`, undefined)).items.find((s: { ceSource: string }) => s.ceSource === `urn:plaza:demo:${camera.city}:${camera.key}`);
  const agreements = (await must(http, 'GET', `/api/v1/agreements?party=${camera.operator}&limit=100`, undefined)).items as { id: string }[];
  // The checkpoint publisher signs the grown log within a second: wait for the checkpoint of the whole register.
  const size = Number((await must(http, 'GET', '/api/v1/log/entries?start=0&end=1', undefined)).treeSize);
  let logSize = 0;
  for (let tries = 0; tries < 50; tries++, await new Promise((r) => setTimeout(r, 200))) {
    logSize = Number((await must(http, 'GET', '/api/v1/log/checkpoint', undefined)).body.split('\n')[1]);
    if (logSize >= size) break;
  }
  return {
    generatedSources: sources,
    hot: { sourceId: cameraSource.id, agreementId: agreements[0]!.id, sourceJournalIndex: cameraSource.journalIndex },
    logSize,
    writer: { key: keys.get(generatedSource(0).city)!, sourceId: writerSource },
    writes,
  };
}

/** Starts a registry on `env`'s database, writes the register through it, stops it; answers the manifest. */
async function build(name: string, dataDir: string, databaseUrl: string, workers: number, sources: number): Promise<RegisterManifest> {
  const operatorKey = generateApiKey().key;
  const registry = await startRegistry({ ...registryEnv(operatorKey, dataDir, databaseUrl), PLAZA_WORKERS: String(workers), PLAZA_RATE_LIMIT_PER_MINUTE: '1000000' }, undefined, 180_000);
  const started = performance.now();
  const before = sampleCpu(registry.child.pid!);
  try {
    const written = await writeRegister(registry.url, operatorKey, sources, CONCURRENCY);
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuBetween(before, sampleCpu(registry.child.pid!));
    const { writes, ...facts } = written;
    const cores = (micros: number) => (micros / 1e6 / cpu.seconds).toFixed(2);
    log(
      `${sources.toLocaleString('en')} sources in ${Math.round(seconds)} s (${writes.toLocaleString('en')} writes, ${Math.round(writes / seconds)}/s at concurrency ${CONCURRENCY}); ` +
        `cores busy: registry ${cores(cpu.registryMicros)}, PostgreSQL ${cores(cpu.postgresMicros)}, this process ${cores(cpu.generatorMicros)}, others ${cores(cpu.otherMicros)}`,
    );
    return { name, format: REGISTER_FORMAT, migrations: MIGRATION_IDS, operatorKey, ...facts, build: { seconds, writes, writesPerSecond: writes / seconds, concurrency: CONCURRENCY, workers } };
  } finally {
    const { code } = await registry.stop();
    if (code !== 0) log(`the registry that wrote the register exited with ${code}:\n${registry.log().slice(-2000)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The server template

async function admin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const url = new URL(serverUrl);
  if (database) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const databaseExists = (serverUrl: string, name: string) => admin(serverUrl, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);

/**
 * The cached register this one can start from: same size and format, built on a prefix of today's migrations (a
 * migration added since), its database still on the server. The one with the most migrations, or undefined.
 */
async function olderTemplate(serverUrl: string, sources: number): Promise<RegisterManifest | undefined> {
  const candidates = (existsSync(CACHE) ? readdirSync(CACHE) : [])
    .filter((name) => name.startsWith(`plaza_bench_reads_${sources}_`) && existsSync(manifestFile(name)))
    .map(readManifest)
    .filter((m) => m.format === REGISTER_FORMAT && m.migrations.length < MIGRATION_IDS.length && m.migrations.every((id, i) => id === MIGRATION_IDS[i]))
    .sort((a, b) => b.migrations.length - a.migrations.length);
  for (const candidate of candidates) if (await databaseExists(serverUrl, candidate.name)) return candidate;
  return undefined;
}

/**
 * The server template of a register of `sources` sources, unless this machine has it (the database and its cached
 * folder): a copy of an older template the registry migrates at start, as an operator's upgrade would, or else a
 * register written from nothing. Answers its manifest.
 */
export async function serverTemplate(serverUrl = SERVER, sources = SOURCE_COUNT): Promise<RegisterManifest> {
  const name = registerName(sources);
  const ready = async () => (await databaseExists(serverUrl, name)) && existsSync(manifestFile(name)) && existsSync(cachedDataDir(name));
  if (await ready()) return readManifest(name);
  return whileLocked(serverUrl, name, async () => ((await ready()) ? readManifest(name) : makeServerTemplate(serverUrl, sources, name)));
}

/** Runs `work` holding a session advisory lock named `key` on the server: a second benchmark waits for the first's register instead of dropping it. */
async function whileLocked<T>(serverUrl: string, key: string, work: () => Promise<T>): Promise<T> {
  return admin(serverUrl, async (c) => {
    await c.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    return work();
  });
}

async function makeServerTemplate(serverUrl: string, sources: number, name: string): Promise<RegisterManifest> {
  const building = `${name}_build`;
  const folder = `${cacheDir(name)}.build`;
  await admin(serverUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  rmSync(folder, { recursive: true, force: true });
  rmSync(cacheDir(name), { recursive: true, force: true });
  const older = await olderTemplate(serverUrl, sources);
  let manifest: RegisterManifest;
  try {
    if (older) {
      log(`migrating a copy of ${older.name} into ${name} (${MIGRATION_IDS.length - older.migrations.length} new migrations)`);
      const database = await databaseFromTemplate(serverUrl, older.name, building);
      copyFolder(cachedDataDir(older.name), join(folder, 'data'));
      const registry = await startRegistry(registryEnv(older.operatorKey, join(folder, 'data'), database.url), undefined, 600_000);
      await registry.stop();
      manifest = { ...older, name, migrations: MIGRATION_IDS };
    } else {
      log(`building the register ${name} (${sources.toLocaleString('en')} sources; once per machine)`);
      const database = await createScratchDatabase(serverUrl, building, { synchronous_commit: 'off' });
      manifest = await build(name, join(folder, 'data'), database.url, 2, sources);
      await admin(serverUrl, (c) => c.query(`ALTER DATABASE ${building} RESET synchronous_commit`));
    }
  } catch (error) {
    await admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`));
    throw error;
  }
  await admin(serverUrl, (c) => c.query('VACUUM (ANALYZE)'), building);
  await admin(serverUrl, (c) => c.query(`ALTER DATABASE ${building} RENAME TO ${name}`));
  writeFileSync(join(folder, 'register.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(folder, cacheDir(name));
  log(`template ${name} ready`);
  return manifest;
}

/** A database copied from the template `name` (nobody may be connected to the template meanwhile). */
export async function databaseFromTemplate(serverUrl: string, template: string, name: string): Promise<ScratchDatabase> {
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}

// ---------------------------------------------------------------------------------------------
// The embedded folder

/** Runs `command` with `args` (its own output discarded); rejects with its error output on a non-zero exit. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${command} exited with ${code}: ${errors.slice(-2000)}`))));
  });
}

/**
 * The embedded data folder of the register (a PGlite database and the registry's keys), made unless cached: the
 * server template's content copied into a new PGlite database with pg_dump and psql, so it holds the same records,
 * journal and log, and the same ids. Answers the manifest; copy cachedEmbeddedDir(name) before starting on it.
 */
export async function embeddedFolder(serverUrl = SERVER, sources = SOURCE_COUNT): Promise<RegisterManifest> {
  const manifest = await serverTemplate(serverUrl, sources);
  const target = cachedEmbeddedDir(manifest.name);
  if (existsSync(join(target, 'pgdata'))) return manifest;
  await whileLocked(serverUrl, `${manifest.name}:embedded`, async () => {
    if (!existsSync(join(target, 'pgdata'))) await makeEmbeddedFolder(serverUrl, manifest, target);
  });
  return manifest;
}

async function makeEmbeddedFolder(serverUrl: string, manifest: RegisterManifest, target: string): Promise<void> {
  log(`copying ${manifest.name} into an embedded (PGlite) data folder`);
  const folder = `${target}.build`;
  const dump = join(CACHE, `${manifest.name}.sql`);
  copyFolder(cachedDataDir(manifest.name), folder);
  const source = new URL(serverUrl);
  source.pathname = `/${manifest.name}`;
  // PGlite's socket takes no COPY FROM STDIN: the rows come as INSERTs.
  await run('pg_dump', ['--no-owner', '--no-privileges', '--rows-per-insert=200', '--file', dump, '--dbname', source.toString()]);
  const pglite = await EmbeddedPostgres.start(folder);
  try {
    const { host, port, username, database } = pglite.connection;
    const psql = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', username, '-d', database];
    await run('psql', [...psql, '--file', dump]);
    await run('psql', [...psql, '--command', 'VACUUM (ANALYZE)']);
  } finally {
    await pglite.stop();
    rmSync(dump, { force: true });
  }
  renameSync(folder, target);
  log(`embedded folder ready: ${target}`);
}

/** A fresh copy of a cached folder, to start a registry on (the cache itself stays as built). */
export function copyFolder(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const manifest = await serverTemplate();
  const url = new URL(SERVER);
  console.log(`
Template database: ${manifest.name} (on ${url.host}; ${manifest.generatedSources.toLocaleString('en')} generated sources, log size ${manifest.logSize.toLocaleString('en')})
Hot source (the demo's counting camera): ${manifest.hot.sourceId} (log index ${manifest.hot.sourceJournalIndex})
Its agreement: ${manifest.hot.agreementId}
Cached beside it: ${cacheDir(manifest.name)}

Query a copy, not the template itself (CREATE DATABASE … TEMPLATE refuses a template anyone is connected to):
  createdb -h ${url.hostname} -p ${url.port || 5432} -U ${url.username || 'postgres'} -T ${manifest.name} my_reads_copy
  psql -h ${url.hostname} -p ${url.port || 5432} -U ${url.username || 'postgres'} my_reads_copy
`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
