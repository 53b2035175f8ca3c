/**
 * The demo data set: three cities of the Montréal area, four vendors, their sensors and datasets, a privacy impact
 * assessment, four signed data-sharing agreements and two proposals under discussion. Everything here is made up
 * (the places are real, the deployments are not); every page of a registry running the demo says so.
 */
import type { LocalizedText } from '../apps/registry/src/kernel/text/localized-text.js';

export interface DemoOrganisation {
  slug: string;
  kind: 'city' | 'vendor';
  coalitionMember: boolean;
  name: LocalizedText;
  jurisdiction: string;
  privacyContact: { name: LocalizedText; email: string };
  website: string;
}

export interface DemoSource {
  /** Stable key of the source in this file; its CloudEvents source is urn:plaza:demo:<city>:<key>. */
  key: string;
  city: string;
  operator: string;
  kind: 'sensor' | 'stream' | 'dataset';
  technology: string;
  name: LocalizedText;
  description: LocalizedText;
  purpose: LocalizedText;
  measures: LocalizedText[];
  personalInformation: boolean;
  legalAuthority: LocalizedText;
  location: { type: 'Point'; coordinates: [number, number] };
  standards: { standard: string; major: number }[];
  status: 'planned' | 'active' | 'suspended';
  statusReason?: string;
}

export interface DemoPrivacyRecord {
  key: string;
  city: string;
  sources: string[];
  title: LocalizedText;
  personalInformationElements: LocalizedText[];
  purpose: LocalizedText;
  legalAuthority: LocalizedText;
  riskLevel: 'low' | 'medium' | 'high';
  risks: { risk: LocalizedText; mitigation: LocalizedText }[];
  deIdentification: LocalizedText;
  retention: string;
  summary: LocalizedText;
}

export interface DemoAgreement {
  city: string;
  vendor: string;
  sources: string[];
  standard: string;
  fields: string[];
  purposes: LocalizedText[];
  retention: string;
  privacyRecords: string[];
  summary: LocalizedText;
}

export interface DemoProposal {
  key: string;
  author: string;
  standard: string;
  title: LocalizedText;
  body: string;
  standardInfo: { title: LocalizedText; description: LocalizedText; licence: string };
  properties: Record<string, unknown>;
  required: string[];
  valid: Record<string, unknown>;
  invalid: Record<string, unknown>;
  reviews: { by: string; verdict: 'approve' | 'request-changes' | 'comment'; comment: string }[];
  votes: { by: string; choice: 'yes' | 'no' | 'abstain' }[];
  /** Whether the demo closes the vote (every coalition member having voted). */
  decide: boolean;
}

const city = (slug: string, en: string, fr: string, website: string): DemoOrganisation => ({
  slug, kind: 'city', coalitionMember: true, name: { en: `City of ${en}`, fr: `Ville de ${fr}` }, jurisdiction: 'CA-QC',
  privacyContact: { name: { en: 'Access to information and privacy office', fr: 'Bureau de l’accès à l’information et de la protection des renseignements personnels' }, email: `privacy@${slug}.example` },
  website,
});
const vendor = (slug: string, en: string, fr: string): DemoOrganisation => ({
  slug, kind: 'vendor', coalitionMember: false, name: { en, fr }, jurisdiction: 'CA',
  privacyContact: { name: { en: 'Data protection officer', fr: 'Responsable de la protection des données' }, email: `dpo@${slug}.example` }, website: `https://${slug}.example`,
});

export const ORGANISATIONS: DemoOrganisation[] = [
  city('montreal', 'Montréal', 'Montréal', 'https://montreal.example'),
  city('laval', 'Laval', 'Laval', 'https://laval.example'),
  city('longueuil', 'Longueuil', 'Longueuil', 'https://longueuil.example'),
  vendor('airsense', 'AirSense Networks', 'Réseaux AirSense'),
  vendor('urbanflow', 'UrbanFlow Analytics', 'Analytique UrbanFlow'),
  vendor('parkwise', 'ParkWise Systems', 'Systèmes ParkWise'),
  vendor('sonora', 'Sonora Acoustics', 'Acoustique Sonora'),
];

const airQuality = { standard: 'air-quality-observation', major: 1 };
const trafficFlow = { standard: 'traffic-flow-observation', major: 1 };
const parking = { standard: 'parking-occupancy', major: 1 };
const noise = { standard: 'noise-level-observation', major: 1 };
const point = (lon: number, lat: number) => ({ type: 'Point' as const, coordinates: [lon, lat] as [number, number] });
const bylaw = (en: string, fr: string): LocalizedText => ({ en, fr });

const airStation = (key: string, cityKey: string, en: string, fr: string, at: [number, number], status: DemoSource['status'], statusReason?: string): DemoSource => ({
  key, city: cityKey, operator: 'airsense', kind: 'sensor', technology: 'air-quality-sensor', name: { en, fr },
  description: { en: 'Outdoor station measuring fine particles, nitrogen dioxide and ozone every hour.', fr: 'Station extérieure qui mesure les particules fines, le dioxyde d’azote et l’ozone toutes les heures.' },
  purpose: { en: 'Publish the public air-quality index and warn residents during smog episodes.', fr: 'Publier l’indice public de la qualité de l’air et avertir la population lors des épisodes de smog.' },
  measures: [{ en: 'PM2.5', fr: 'PM2,5' }, { en: 'Nitrogen dioxide (NO2)', fr: 'Dioxyde d’azote (NO2)' }, { en: 'Ozone (O3)', fr: 'Ozone (O3)' }],
  personalInformation: false, legalAuthority: bylaw('Municipal air-quality bylaw', 'Règlement municipal sur la qualité de l’air'),
  location: point(...at), standards: [airQuality], status, statusReason,
});

export const SOURCES: DemoSource[] = [
  airStation('air-12', 'montreal', 'Air station 12, Place d’Armes', 'Station d’air 12, place d’Armes', [-73.5590, 45.5048], 'active'),
  airStation('air-31', 'montreal', 'Air station 31, La Fontaine Park', 'Station d’air 31, parc La Fontaine', [-73.5697, 45.5271], 'active'),
  {
    key: 'counting-camera-07', city: 'montreal', operator: 'urbanflow', kind: 'sensor', technology: 'camera',
    name: { en: 'Pedestrian and cyclist counting camera, Sainte-Catherine at Saint-Laurent', fr: 'Caméra de comptage des piétons et cyclistes, Sainte-Catherine et Saint-Laurent' },
    description: { en: 'A camera that counts people walking and cycling through the intersection. Counting happens on the device; no image leaves it.', fr: 'Une caméra qui compte les personnes qui traversent l’intersection à pied ou à vélo. Le comptage se fait dans l’appareil ; aucune image n’en sort.' },
    purpose: { en: 'Plan wider sidewalks and safer crossings from real counts.', fr: 'Planifier des trottoirs plus larges et des traversées plus sûres à partir de comptages réels.' },
    measures: [{ en: 'People walking, per 15 minutes', fr: 'Piétons, par tranche de 15 minutes' }, { en: 'Bicycles, per 15 minutes', fr: 'Vélos, par tranche de 15 minutes' }],
    personalInformation: true, legalAuthority: bylaw('Charter of Ville de Montréal, s. 85 (urban planning)', 'Charte de la Ville de Montréal, art. 85 (urbanisme)'),
    location: point(-73.5637, 45.5088), standards: [trafficFlow], status: 'active',
  },
  {
    key: 'noise-03', city: 'montreal', operator: 'sonora', kind: 'sensor', technology: 'noise-sensor',
    name: { en: 'Noise monitor, Quartier des spectacles', fr: 'Sonomètre, Quartier des spectacles' },
    description: { en: 'Measures sound levels during festivals; it records no audio.', fr: 'Mesure les niveaux sonores pendant les festivals ; il n’enregistre aucun son.' },
    purpose: { en: 'Check that outdoor events respect the noise limits.', fr: 'Vérifier que les événements extérieurs respectent les limites de bruit.' },
    measures: [{ en: 'Equivalent sound level (LAeq), dB(A)', fr: 'Niveau sonore équivalent (LAeq), dB(A)' }],
    personalInformation: false, legalAuthority: bylaw('Noise bylaw', 'Règlement sur le bruit'),
    location: point(-73.5663, 45.5086), standards: [noise], status: 'planned',
  },
  {
    key: 'parking-montmorency', city: 'laval', operator: 'parkwise', kind: 'sensor', technology: 'parking-sensor',
    name: { en: 'Car park occupancy, Montmorency metro station', fr: 'Occupation du stationnement, station de métro Montmorency' },
    description: { en: 'Counts free and occupied spaces at the park-and-ride.', fr: 'Compte les places libres et occupées du stationnement incitatif.' },
    purpose: { en: 'Show drivers where they can park before taking the metro.', fr: 'Indiquer aux automobilistes où se garer avant de prendre le métro.' },
    measures: [{ en: 'Occupied spaces', fr: 'Places occupées' }],
    personalInformation: false, legalAuthority: bylaw('Parking management bylaw', 'Règlement sur la gestion du stationnement'),
    location: point(-73.7209, 45.5583), standards: [parking], status: 'active',
  },
  {
    key: 'parking-carrefour', city: 'laval', operator: 'parkwise', kind: 'sensor', technology: 'parking-sensor',
    name: { en: 'On-street parking sensors, Boulevard Le Carrefour', fr: 'Capteurs de stationnement sur rue, boulevard Le Carrefour' },
    description: { en: 'In-ground sensors that detect whether a space is taken. They do not read licence plates.', fr: 'Des capteurs dans la chaussée détectent si une place est prise. Ils ne lisent pas les plaques.' },
    purpose: { en: 'Reduce the traffic of drivers looking for a space.', fr: 'Réduire la circulation des automobilistes qui cherchent une place.' },
    measures: [{ en: 'Occupied spaces', fr: 'Places occupées' }],
    personalInformation: false, legalAuthority: bylaw('Parking management bylaw', 'Règlement sur la gestion du stationnement'),
    location: point(-73.7486, 45.5712), standards: [parking], status: 'active',
  },
  airStation('air-02', 'laval', 'Air station 2, Chomedey', 'Station d’air 2, Chomedey', [-73.7490, 45.5380], 'suspended', 'Sensor fault: recalibration in progress'),
  {
    key: 'noise-01', city: 'longueuil', operator: 'sonora', kind: 'sensor', technology: 'noise-sensor',
    name: { en: 'Noise monitor, Rue Saint-Charles Ouest', fr: 'Sonomètre, rue Saint-Charles Ouest' },
    description: { en: 'Measures traffic noise on the main street of Old Longueuil; it records no audio.', fr: 'Mesure le bruit de la circulation sur la rue principale du Vieux-Longueuil ; il n’enregistre aucun son.' },
    purpose: { en: 'Assess the effect of the new 30 km/h speed limit on noise.', fr: 'Évaluer l’effet de la nouvelle limite de 30 km/h sur le bruit.' },
    measures: [{ en: 'Equivalent sound level (LAeq), dB(A)', fr: 'Niveau sonore équivalent (LAeq), dB(A)' }, { en: 'Maximum level (LAmax), dB(A)', fr: 'Niveau maximal (LAmax), dB(A)' }],
    personalInformation: false, legalAuthority: bylaw('Noise bylaw', 'Règlement sur le bruit'),
    location: point(-73.5176, 45.5369), standards: [noise], status: 'active',
  },
  {
    key: 'traffic-chambly', city: 'longueuil', operator: 'longueuil', kind: 'sensor', technology: 'traffic-counter',
    name: { en: 'Traffic counter, Chemin de Chambly', fr: 'Compteur de circulation, chemin de Chambly' },
    description: { en: 'Induction loops counting vehicles by lane, run by the city itself.', fr: 'Des boucles d’induction comptent les véhicules par voie ; la ville les exploite elle-même.' },
    purpose: { en: 'Time the traffic lights and plan road work.', fr: 'Régler les feux de circulation et planifier les travaux routiers.' },
    measures: [{ en: 'Vehicles per lane, per 15 minutes', fr: 'Véhicules par voie, par tranche de 15 minutes' }],
    personalInformation: false, legalAuthority: bylaw('Highway Safety Code, s. 295', 'Code de la sécurité routière, art. 295'),
    location: point(-73.4960, 45.5280), standards: [trafficFlow], status: 'active',
  },
  {
    key: 'street-trees', city: 'longueuil', operator: 'longueuil', kind: 'dataset', technology: 'open-dataset',
    name: { en: 'Street trees inventory', fr: 'Inventaire des arbres de rue' },
    description: { en: 'Species, size and condition of every tree the city maintains, updated each spring.', fr: 'Essence, taille et état de chaque arbre entretenu par la ville, mis à jour chaque printemps.' },
    purpose: { en: 'Plan planting and pruning, and share the canopy data openly.', fr: 'Planifier la plantation et l’élagage, et ouvrir les données sur la canopée.' },
    measures: [{ en: 'Tree species and trunk diameter', fr: 'Essence et diamètre du tronc' }],
    personalInformation: false, legalAuthority: bylaw('Tree protection bylaw', 'Règlement sur la protection des arbres'),
    location: point(-73.5182, 45.5312), standards: [], status: 'active',
  },
];

export const PRIVACY_RECORDS: DemoPrivacyRecord[] = [
  {
    key: 'counting-camera', city: 'montreal', sources: ['counting-camera-07'],
    title: { en: 'Counting people with a camera at Sainte-Catherine and Saint-Laurent', fr: 'Comptage de personnes par caméra à Sainte-Catherine et Saint-Laurent' },
    personalInformationElements: [{ en: 'Images of people in a public place (processed on the device only)', fr: 'Images de personnes dans un lieu public (traitées dans l’appareil seulement)' }],
    purpose: { en: 'Count people walking and cycling to plan the intersection.', fr: 'Compter les piétons et les cyclistes pour aménager l’intersection.' },
    legalAuthority: { en: 'Charter of Ville de Montréal, s. 85', fr: 'Charte de la Ville de Montréal, art. 85' },
    riskLevel: 'medium',
    risks: [
      { risk: { en: 'Someone could be recognised on an image.', fr: 'Une personne pourrait être reconnue sur une image.' }, mitigation: { en: 'Images are counted on the device and deleted within a second; only counts are sent.', fr: 'Les images sont comptées dans l’appareil et effacées en moins d’une seconde ; seuls les comptes sont transmis.' } },
      { risk: { en: 'The camera could be reused for surveillance.', fr: 'La caméra pourrait servir à la surveillance.' }, mitigation: { en: 'The agreement forbids any other use, and the device cannot stream video.', fr: 'L’entente interdit tout autre usage, et l’appareil ne peut pas diffuser de vidéo.' } },
    ],
    deIdentification: { en: 'Only counts per 15 minutes leave the device.', fr: 'Seuls des comptes par tranche de 15 minutes sortent de l’appareil.' },
    retention: 'P2Y',
    summary: { en: 'The camera counts people; it keeps and sends no image.', fr: 'La caméra compte les personnes ; elle ne garde ni ne transmet aucune image.' },
  },
];

export const AGREEMENTS: DemoAgreement[] = [
  {
    city: 'montreal', vendor: 'airsense', sources: ['air-12', 'air-31'], standard: 'air-quality-observation',
    fields: ['/stationId', '/observedAt', '/location', '/pollutants', '/airQualityIndex'], retention: 'P1Y', privacyRecords: [],
    purposes: [{ en: 'Compute and publish the air-quality index', fr: 'Calculer et publier l’indice de la qualité de l’air' }],
    summary: { en: 'AirSense runs two air stations for Montréal and sends their readings to the city. It may keep them one year and may not share them.', fr: 'AirSense exploite deux stations d’air pour Montréal et transmet leurs mesures à la ville. Elle peut les garder un an et ne peut pas les communiquer.' },
  },
  {
    city: 'montreal', vendor: 'urbanflow', sources: ['counting-camera-07'], standard: 'traffic-flow-observation',
    fields: ['/roadSegmentId', '/periodStart', '/periodEnd', '/location', '/vehicleCount', '/vehicleClass'], retention: 'P90D', privacyRecords: ['counting-camera'],
    purposes: [{ en: 'Count people walking and cycling to plan the intersection', fr: 'Compter les piétons et les cyclistes pour aménager l’intersection' }],
    summary: { en: 'UrbanFlow operates the counting camera and sends only counts, never images. It keeps them 90 days.', fr: 'UrbanFlow exploite la caméra de comptage et ne transmet que des comptes, jamais d’images. Elle les garde 90 jours.' },
  },
  {
    city: 'laval', vendor: 'parkwise', sources: ['parking-montmorency', 'parking-carrefour'], standard: 'parking-occupancy',
    fields: ['/facilityId', '/observedAt', '/location', '/facilityType', '/status', '/occupiedSpaces', '/totalSpaces'], retention: 'P6M', privacyRecords: [],
    purposes: [{ en: 'Show free parking spaces to drivers', fr: 'Indiquer les places libres aux automobilistes' }],
    summary: { en: 'ParkWise reports how many spaces are taken at two Laval sites. The data is kept six months.', fr: 'ParkWise indique combien de places sont prises à deux endroits de Laval. Les données sont gardées six mois.' },
  },
  {
    city: 'longueuil', vendor: 'sonora', sources: ['noise-01'], standard: 'noise-level-observation',
    fields: ['/sensorId', '/periodStart', '/periodEnd', '/location', '/laeq', '/lamax'], retention: 'P2Y', privacyRecords: [],
    purposes: [{ en: 'Measure the effect of lower speed limits on noise', fr: 'Mesurer l’effet de la baisse des limites de vitesse sur le bruit' }],
    summary: { en: 'Sonora measures noise levels on Rue Saint-Charles for Longueuil. Sound is never recorded.', fr: 'Sonora mesure les niveaux sonores de la rue Saint-Charles pour Longueuil. Aucun son n’est enregistré.' },
  },
];

export const PROPOSALS: DemoProposal[] = [
  {
    key: 'bike-counts', author: 'montreal', standard: 'bike-counter-observation',
    title: { en: 'Bike counter observation, version 1.0.0', fr: 'Observation des compteurs de vélos, version 1.0.0' },
    body: '## Motivation\n\nCities count bicycles on their cycle paths with counters from several vendors, each in its own format.\n\n## Change\n\nA new standard: the counter, the period and the number of bicycles, with the direction.\n\n## Compatibility\n\nA new standard: nothing earlier to stay compatible with.\n',
    standardInfo: {
      title: { en: 'Bike counter observation', fr: 'Observation des compteurs de vélos' },
      description: { en: 'Bicycles counted by one counter over one period.', fr: 'Vélos comptés par un compteur pendant une période.' }, licence: 'CC-BY-4.0',
    },
    properties: {
      counterId: { description: 'Identifier of the counter, unique within the source.', type: 'string', minLength: 1, maxLength: 64 },
      periodStart: { description: 'Start of the counting period (inclusive).', type: 'string', format: 'date-time' },
      periodEnd: { description: 'End of the counting period (exclusive).', type: 'string', format: 'date-time' },
      bicycles: { description: 'Bicycles counted.', type: 'integer', minimum: 0 },
      direction: { description: 'Direction of travel counted.', type: 'string', enum: ['inbound', 'outbound', 'both'] },
    },
    required: ['counterId', 'periodStart', 'periodEnd', 'bicycles'],
    valid: { 'rachel-street': { counterId: 'MTL-VELO-04', periodStart: '2026-06-01T08:00:00Z', periodEnd: '2026-06-01T08:15:00Z', bicycles: 142, direction: 'both' } },
    invalid: { 'negative-count': { counterId: 'MTL-VELO-04', periodStart: '2026-06-01T08:00:00Z', periodEnd: '2026-06-01T08:15:00Z', bicycles: -1 } },
    reviews: [
      { by: 'laval', verdict: 'approve', comment: 'Our counters on the Route verte report exactly these fields.' },
      { by: 'longueuil', verdict: 'comment', comment: 'Could a later version add the counter’s location?' },
    ],
    votes: [{ by: 'montreal', choice: 'yes' }, { by: 'laval', choice: 'yes' }],
    decide: false,
  },
  {
    key: 'bin-levels', author: 'longueuil', standard: 'waste-bin-fill-level',
    title: { en: 'Waste bin fill level, version 1.0.0', fr: 'Taux de remplissage des poubelles, version 1.0.0' },
    body: '## Motivation\n\nSensors in public bins tell collection crews which bins are full.\n\n## Change\n\nA new standard: the bin and its fill level as a percentage.\n\n## Compatibility\n\nA new standard.\n',
    standardInfo: {
      title: { en: 'Waste bin fill level', fr: 'Taux de remplissage des poubelles' },
      description: { en: 'How full one public waste bin is at one moment.', fr: 'Le taux de remplissage d’une poubelle publique à un moment donné.' }, licence: 'CC-BY-4.0',
    },
    properties: {
      binId: { description: 'Identifier of the bin.', type: 'string', minLength: 1, maxLength: 64 },
      observedAt: { description: 'When the level was measured.', type: 'string', format: 'date-time' },
      fillPercent: { description: 'Fill level, in percent.', type: 'number', minimum: 0, maximum: 100 },
    },
    required: ['binId', 'observedAt', 'fillPercent'],
    valid: { 'half-full': { binId: 'LGL-0042', observedAt: '2026-06-01T08:00:00Z', fillPercent: 50 } },
    invalid: { 'over-full': { binId: 'LGL-0042', observedAt: '2026-06-01T08:00:00Z', fillPercent: 140 } },
    reviews: [{ by: 'montreal', verdict: 'request-changes', comment: 'Without the bin’s location and capacity, crews cannot plan routes from this.' }],
    votes: [{ by: 'montreal', choice: 'no' }, { by: 'laval', choice: 'no' }, { by: 'longueuil', choice: 'yes' }],
    decide: true,
  },
];
