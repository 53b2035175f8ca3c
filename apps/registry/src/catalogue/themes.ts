import type { LocalizedText } from '../kernel/text/localized-text.js';
import type { Technology } from '../sources/index.js';

/** The EU data-theme vocabulary (the Publications Office's Named Authority List). */
export const DATA_THEME_SCHEME = 'http://publications.europa.eu/resource/authority/data-theme';

/**
 * Each technology's themes in the EU data-theme vocabulary: what the data is about, then REGI (regions and cities) for
 * every source, since each is a city's. The README prints this table; change both together.
 */
export const THEMES: Record<Technology, readonly string[]> = {
  'air-quality-sensor': ['ENVI', 'HEAL'],
  'noise-sensor': ['ENVI', 'HEAL'],
  'traffic-counter': ['TRAN'],
  'parking-sensor': ['TRAN'],
  camera: ['JUST'],
  'licence-plate-reader': ['TRAN', 'JUST'],
  'wifi-bluetooth-tracker': ['TRAN'],
  lidar: ['TRAN'],
  'weather-station': ['ENVI'],
  'water-sensor': ['ENVI'],
  'energy-meter': ['ENER'],
  'waste-sensor': ['ENVI'],
  'open-dataset': ['GOVE'],
  other: [],
};

/** The labels of the themes used, as the vocabulary gives them. */
const LABELS: Record<string, LocalizedText> = {
  ENVI: { en: 'Environment', fr: 'Environnement' },
  HEAL: { en: 'Health', fr: 'Santé' },
  TRAN: { en: 'Transport', fr: 'Transports' },
  JUST: { en: 'Justice, legal system and public safety', fr: 'Justice, système juridique et sécurité publique' },
  ENER: { en: 'Energy', fr: 'Énergie' },
  GOVE: { en: 'Government and public sector', fr: 'Gouvernement et secteur public' },
  REGI: { en: 'Regions and cities', fr: 'Régions et villes' },
};

export interface Theme {
  iri: string;
  label: LocalizedText;
}

/** REGI, the theme of everything a city registers (and of the exchange that carries it). */
export const REGIONS_AND_CITIES = theme('REGI');

function theme(code: string): Theme {
  return { iri: `${DATA_THEME_SCHEME}/${code}`, label: LABELS[code]! };
}

/** The themes of a technology. */
export function themesOf(technology: Technology): Theme[] {
  return [...THEMES[technology].map(theme), REGIONS_AND_CITIES];
}
