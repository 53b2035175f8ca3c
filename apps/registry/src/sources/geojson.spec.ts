import { boxAround, EARTH_RADIUS_M, parseGeometry } from './geojson.js';

describe('parseGeometry', () => {
  it('accepts a point and gives its bounding box', () => {
    expect(parseGeometry({ type: 'Point', coordinates: [-73.5673, 45.5017] })).toEqual({
      geometry: { type: 'Point', coordinates: [-73.5673, 45.5017] },
      bbox: { minLon: -73.5673, minLat: 45.5017, maxLon: -73.5673, maxLat: 45.5017 },
    });
  });
  it('accepts a closed polygon and bounds all its rings', () => {
    const ring = [[0, 0], [2, 0], [2, 1], [0, 0]];
    expect(parseGeometry({ type: 'Polygon', coordinates: [ring] })).toMatchObject({ bbox: { minLon: 0, minLat: 0, maxLon: 2, maxLat: 1 } });
  });
  it.each([
    [{ type: 'Point', coordinates: [200, 0] }, 'longitude 200'],
    [{ type: 'Point', coordinates: [0, -91] }, 'latitude -91'],
    [{ type: 'Point', coordinates: ['0', 0] }, '[longitude, latitude]'],
    [{ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }, 'closed ring'],
    [{ type: 'LineString', coordinates: [[0, 0]] }, 'at least 2'],
    [{ type: 'Circle', coordinates: [0, 0] }, 'Point, LineString or Polygon'],
    [{ type: 'Point', coordinates: [0, 0], crs: 'x' }, 'crs'],
    [[0, 0], 'geometry object'],
  ])('refuses %j with a reason', (input, reason) => {
    const result = parseGeometry(input);
    expect('problems' in result && result.problems.join(' ')).toContain(reason);
  });
});

describe('boxAround', () => {
  it('spans about 2 x 1 km around a point for a 1 km radius', () => {
    const box = boxAround(-73.5673, 45.5017, 1_000);
    expect((box.maxLat - box.minLat) * 111_195).toBeCloseTo(2_000, -1);
    expect(box.minLon).toBeLessThan(-73.5673);
  });

  it('holds every point at the radius in every direction, far north too', () => {
    const rad = Math.PI / 180;
    for (const lat of [0, 45, 60, 70, 85]) {
      const radiusM = 50_000;
      const box = boxAround(10, lat, radiusM);
      const d = radiusM / EARTH_RADIUS_M;
      for (let bearing = 0; bearing < 360; bearing += 1) {
        // The point `radiusM` away on that bearing, on the sphere.
        const lat2 = Math.asin(Math.sin(lat * rad) * Math.cos(d) + Math.cos(lat * rad) * Math.sin(d) * Math.cos(bearing * rad));
        const lon2 = 10 * rad + Math.atan2(Math.sin(bearing * rad) * Math.sin(d) * Math.cos(lat * rad), Math.cos(d) - Math.sin(lat * rad) * Math.sin(lat2));
        expect([lat, bearing, lon2 / rad >= box.minLon - 1e-9 && lon2 / rad <= box.maxLon + 1e-9, lat2 / rad >= box.minLat - 1e-9 && lat2 / rad <= box.maxLat + 1e-9]).toEqual([lat, bearing, true, true]);
      }
    }
  });
});
