/*
 * GENERATED FILE - DO NOT EDIT.
 * Source: standards/parking-occupancy/1.1.0/schema.json (https://schemas.plaza.example/standards/parking-occupancy/1.1.0/schema.json)
 * Regenerate with `npm run standards:types` (libs/standards/src/generate-types.ts).
 */

/**
 * Occupied spaces of one parking facility at one moment.
 */
export interface ParkingOccupancy {
  /**
   * Identifier of the car park or on-street zone, unique within the source.
   */
  facilityId: string;
  /**
   * When the occupancy was observed.
   */
  observedAt: string;
  location: GeoPoint;
  /**
   * An off-street car park or an on-street parking zone.
   */
  facilityType: "offStreet" | "onStreet";
  /**
   * Operating status of the facility at the time of observation.
   */
  status: "open" | "full" | "closed" | "unknown";
  /**
   * Number of spaces the facility offers at the time of observation; omitted when the detector network does not know the capacity.
   */
  totalSpaces?: number;
  /**
   * Number of spaces occupied.
   */
  occupiedSpaces: number;
  /**
   * Occupancy broken down by category of space, each category listed once.
   *
   * @maxItems 8
   */
  spaceCategories?: CategoryOccupancy[];
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
 * Spaces of one category and how many of them are occupied.
 */
export interface CategoryOccupancy {
  category: "general" | "disabled" | "electricCharging" | "delivery" | "motorcycle" | "carSharing";
  totalSpaces?: number;
  occupiedSpaces: number;
}
