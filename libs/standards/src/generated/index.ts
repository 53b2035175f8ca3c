/*
 * GENERATED FILE - DO NOT EDIT.
 * Source: standards/<id>/<version>/schema.json (every version)
 * Regenerate with `npm run standards:types` (libs/standards/src/generate-types.ts).
 */

export type * as AirQualityObservationV1_0_0 from './air-quality-observation-v1_0_0.js';
export type * as AirQualityObservationV1_1_0 from './air-quality-observation-v1_1_0.js';
export type * as NoiseLevelObservationV1_0_0 from './noise-level-observation-v1_0_0.js';
export type * as NoiseLevelObservationV1_1_0 from './noise-level-observation-v1_1_0.js';
export type * as ParkingOccupancyV1_0_0 from './parking-occupancy-v1_0_0.js';
export type * as ParkingOccupancyV1_1_0 from './parking-occupancy-v1_1_0.js';
export type * as TrafficFlowObservationV1_0_0 from './traffic-flow-observation-v1_0_0.js';
export type * as TrafficFlowObservationV1_1_0 from './traffic-flow-observation-v1_1_0.js';
import type { AirQualityObservation as AirQualityObservationV1_0_0Data } from './air-quality-observation-v1_0_0.js';
import type { AirQualityObservation as AirQualityObservationV1_1_0Data } from './air-quality-observation-v1_1_0.js';
import type { NoiseLevelObservation as NoiseLevelObservationV1_0_0Data } from './noise-level-observation-v1_0_0.js';
import type { NoiseLevelObservation as NoiseLevelObservationV1_1_0Data } from './noise-level-observation-v1_1_0.js';
import type { ParkingOccupancy as ParkingOccupancyV1_0_0Data } from './parking-occupancy-v1_0_0.js';
import type { ParkingOccupancy as ParkingOccupancyV1_1_0Data } from './parking-occupancy-v1_1_0.js';
import type { TrafficFlowObservation as TrafficFlowObservationV1_0_0Data } from './traffic-flow-observation-v1_0_0.js';
import type { TrafficFlowObservation as TrafficFlowObservationV1_1_0Data } from './traffic-flow-observation-v1_1_0.js';

/** The type of the `data` of each standard version, keyed by `"<id>@<version>"`. */
export interface StandardDataTypes {
  'air-quality-observation@1.0.0': AirQualityObservationV1_0_0Data;
  'air-quality-observation@1.1.0': AirQualityObservationV1_1_0Data;
  'noise-level-observation@1.0.0': NoiseLevelObservationV1_0_0Data;
  'noise-level-observation@1.1.0': NoiseLevelObservationV1_1_0Data;
  'parking-occupancy@1.0.0': ParkingOccupancyV1_0_0Data;
  'parking-occupancy@1.1.0': ParkingOccupancyV1_1_0Data;
  'traffic-flow-observation@1.0.0': TrafficFlowObservationV1_0_0Data;
  'traffic-flow-observation@1.1.0': TrafficFlowObservationV1_1_0Data;
}
