/*
 * GENERATED FILE - DO NOT EDIT.
 * Source: standards/air-quality-observation/1.1.0/schema.json (https://schemas.plaza.example/standards/air-quality-observation/1.1.0/schema.json)
 * Regenerate with `npm run standards:types` (libs/standards/src/generate-types.ts).
 */

/**
 * Air pollutant concentrations measured by one monitoring station at one moment.
 */
export interface AirQualityObservation {
  /**
   * Identifier of the monitoring station, unique within the source.
   */
  stationId: string;
  /**
   * When the measurement was taken (RFC 3339 date-time with offset).
   */
  observedAt: string;
  location: GeoPoint;
  /**
   * Whether the station measures outdoor or indoor air.
   */
  locationType?: "outdoor" | "indoor";
  pollutants: Pollutants;
  /**
   * Air quality index computed by the operator (a non-negative number on the scale the operator publishes).
   */
  airQualityIndex?: number;
  /**
   * Qualitative air quality level.
   */
  airQualityLevel?: "good" | "moderate" | "unhealthyForSensitiveGroups" | "unhealthy" | "veryUnhealthy" | "hazardous";
  /**
   * Air temperature at the station, in degrees Celsius.
   */
  temperature?: number;
  /**
   * Relative humidity at the station, in percent.
   */
  relativeHumidity?: number;
  /**
   * Operator-assessed reliability of this observation, from 0 (unreliable) to 1 (fully reliable).
   */
  reliability?: number;
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
/**
 * Mean concentrations over the station's averaging period. Gases and particles in micrograms per cubic metre, carbon monoxide in milligrams per cubic metre. At least one pollutant is reported.
 */
export interface Pollutants {
  /**
   * Nitrogen dioxide, µg/m³.
   */
  no2?: number;
  /**
   * Ozone, µg/m³.
   */
  o3?: number;
  /**
   * Sulphur dioxide, µg/m³.
   */
  so2?: number;
  /**
   * Carbon monoxide, mg/m³.
   */
  co?: number;
  /**
   * Particulate matter up to 10 µm, µg/m³.
   */
  pm10?: number;
  /**
   * Particulate matter up to 2.5 µm, µg/m³.
   */
  pm2_5?: number;
  /**
   * Particulate matter up to 1 µm, µg/m³.
   */
  pm1?: number;
}
