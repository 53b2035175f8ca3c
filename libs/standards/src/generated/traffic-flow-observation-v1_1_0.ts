/*
 * GENERATED FILE - DO NOT EDIT.
 * Source: standards/traffic-flow-observation/1.1.0/schema.json (https://schemas.plaza.example/standards/traffic-flow-observation/1.1.0/schema.json)
 * Regenerate with `npm run standards:types` (libs/standards/src/generate-types.ts).
 */

/**
 * Vehicles counted on one lane or road segment during one observation period.
 */
export interface TrafficFlowObservation {
  /**
   * Identifier of the road segment in the city's road network.
   */
  roadSegmentId: string;
  /**
   * Start of the observation period (inclusive).
   */
  periodStart: string;
  /**
   * End of the observation period (exclusive).
   */
  periodEnd: string;
  location: GeoLineString;
  /**
   * Lane number, counted from the kerb in the direction of travel; absent when the count covers the whole segment.
   */
  laneId?: number;
  /**
   * Direction of travel relative to the order of the segment's coordinates.
   */
  direction?: "forward" | "backward";
  /**
   * Class of vehicles counted; 'all' when the detector does not classify.
   */
  vehicleClass?: "all" | "car" | "lorry" | "bus" | "motorcycle" | "bicycle" | "van" | "tram" | "eScooter";
  /**
   * Number of vehicles that passed during the period.
   */
  vehicleCount: number;
  /**
   * Fraction of the period during which the detector was occupied, from 0 to 1.
   */
  occupancy?: number;
  /**
   * Mean speed of the counted vehicles, in kilometres per hour.
   */
  averageSpeed?: number;
  /**
   * Whether the operator considers the segment congested during the period.
   */
  congested?: boolean;
}
/**
 * A GeoJSON LineString (RFC 7946): the road segment as at least two [longitude, latitude] positions in WGS 84 degrees.
 */
export interface GeoLineString {
  type: "LineString";
  /**
   * @minItems 2
   * @maxItems 500
   */
  coordinates: [[number, number], [number, number], ...[number, number][]];
}
