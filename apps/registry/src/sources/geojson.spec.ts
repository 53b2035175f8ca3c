import { boxAround, parseGeometry } from './geojson.js';

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
});
