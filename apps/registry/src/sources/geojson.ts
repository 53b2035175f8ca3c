/** The GeoJSON geometries a source's location may take (RFC 7946), in WGS 84 longitude/latitude. */
export type Position = [number, number];
export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'Polygon'; coordinates: Position[][] };

export interface BoundingBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

const MAX_POSITIONS = 2_000;

/** Validates a location and returns it normalised with its bounding box, or a list of problems. */
export function parseGeometry(input: unknown): { geometry: Geometry; bbox: BoundingBox } | { problems: string[] } {
  const problems: string[] = [];
  const positions: Position[] = [];
  const position = (value: unknown, where: string): Position | undefined => {
    if (!Array.isArray(value) || (value.length !== 2 && value.length !== 3) || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      problems.push(`${where} must be [longitude, latitude] (an optional altitude may follow)`);
      return undefined;
    }
    const [lon, lat] = value as number[];
    if (lon! < -180 || lon! > 180) problems.push(`${where}: longitude ${lon} is outside -180..180`);
    if (lat! < -90 || lat! > 90) problems.push(`${where}: latitude ${lat} is outside -90..90`);
    const p: Position = [lon!, lat!];
    positions.push(p);
    return p;
  };
  const line = (value: unknown, where: string, min: number): Position[] => {
    if (!Array.isArray(value) || value.length < min) {
      problems.push(`${where} must be an array of at least ${min} positions`);
      return [];
    }
    return value.map((v, i) => position(v, `${where}/${i}`)).filter((p): p is Position => p !== undefined);
  };

  const g = input as { type?: unknown; coordinates?: unknown } | null;
  if (g === null || typeof g !== 'object' || Array.isArray(g)) return { problems: ['location must be a GeoJSON geometry object'] };
  const extra = Object.keys(g).filter((k) => k !== 'type' && k !== 'coordinates');
  if (extra.length > 0) problems.push(`location has members a geometry does not have: ${extra.join(', ')}`);
  let geometry: Geometry | undefined;
  if (g.type === 'Point') {
    const p = position(g.coordinates, 'coordinates');
    if (p) geometry = { type: 'Point', coordinates: p };
  } else if (g.type === 'LineString') {
    geometry = { type: 'LineString', coordinates: line(g.coordinates, 'coordinates', 2) };
  } else if (g.type === 'Polygon') {
    if (!Array.isArray(g.coordinates) || g.coordinates.length < 1) {
      problems.push('coordinates of a Polygon must be an array of linear rings');
    } else {
      const rings = g.coordinates.map((ring, i) => {
        const r = line(ring, `coordinates/${i}`, 4);
        const first = r[0];
        const last = r[r.length - 1];
        if (first && last && (first[0] !== last[0] || first[1] !== last[1])) problems.push(`coordinates/${i} must end where it starts (a closed ring)`);
        return r;
      });
      geometry = { type: 'Polygon', coordinates: rings };
    }
  } else {
    problems.push('location type must be Point, LineString or Polygon');
  }
  if (positions.length > MAX_POSITIONS) problems.push(`location has ${positions.length} positions; at most ${MAX_POSITIONS} are accepted`);
  if (problems.length > 0 || !geometry) return { problems: problems.length > 0 ? problems : ['location is not valid'] };
  const lons = positions.map((p) => p[0]);
  const lats = positions.map((p) => p[1]);
  return { geometry, bbox: { minLon: Math.min(...lons), minLat: Math.min(...lats), maxLon: Math.max(...lons), maxLat: Math.max(...lats) } };
}

/** The mean radius of the Earth (IUGG), in metres. */
export const EARTH_RADIUS_M = 6_371_008.8;

/**
 * The box around a point that contains every point within `radiusM` metres of it. The widest longitude such a point
 * reaches is asin(sin d / cos lat) away (d the radius as an angle); beyond a pole's reach the box spans every longitude.
 */
export function boxAround(lon: number, lat: number, radiusM: number): BoundingBox {
  const d = radiusM / EARTH_RADIUS_M;
  const dLat = d * (180 / Math.PI);
  const ratio = Math.sin(d) / Math.cos((lat * Math.PI) / 180);
  const dLon = ratio >= 1 || !Number.isFinite(ratio) ? 180 : Math.asin(ratio) * (180 / Math.PI);
  return { minLon: Math.max(-180, lon - dLon), minLat: Math.max(-90, lat - dLat), maxLon: Math.min(180, lon + dLon), maxLat: Math.min(90, lat + dLat) };
}
