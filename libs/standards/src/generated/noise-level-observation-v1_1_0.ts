/*
 * GENERATED FILE - DO NOT EDIT.
 * Source: standards/noise-level-observation/1.1.0/schema.json (https://schemas.plaza.example/standards/noise-level-observation/1.1.0/schema.json)
 * Regenerate with `npm run standards:types` (libs/standards/src/generate-types.ts).
 */

/**
 * A-weighted sound levels measured by one sound level meter over one observation period.
 */
export interface NoiseLevelObservation {
  /**
   * Identifier of the sound level meter, unique within the source.
   */
  sensorId: string;
  /**
   * Start of the measurement period (inclusive).
   */
  periodStart: string;
  /**
   * End of the measurement period (exclusive).
   */
  periodEnd: string;
  location: GeoPoint;
  /**
   * Equivalent continuous A-weighted sound level over the period (LAeq), in dB(A).
   */
  laeq: number;
  /**
   * Maximum A-weighted sound level during the period (LAmax, fast time weighting), in dB(A).
   */
  lamax?: number;
  /**
   * A-weighted level exceeded 90% of the period (LA90, the background level), in dB(A).
   */
  la90?: number;
  /**
   * Accuracy class of the sound level meter under IEC 61672-1.
   */
  meterClass?: "1" | "2";
}
/**
 * A GeoJSON Point (RFC 7946) with exactly two coordinates: longitude then latitude, in WGS 84 degrees.
 */
export interface GeoPoint {
  type: "Point";
  /**
   * @minItems 2
   * @maxItems 2
   */
  coordinates: [number, number];
}
