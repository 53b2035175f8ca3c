import { fieldsOutside } from './allowed-fields.js';

describe('fieldsOutside: the fields of data that no allowed pointer covers', () => {
  const reading = { stationId: 's', location: { type: 'Point', coordinates: [1, 2] }, pollutants: { pm2_5: 9, no2: 3 } };

  it('allows a member and everything under it', () => {
    expect(fieldsOutside(reading, ['/stationId', '/location', '/pollutants'])).toEqual([]);
  });

  it('walks through members on the way to allowed ones, and names the others by pointer', () => {
    expect(fieldsOutside(reading, ['/stationId', '/location', '/pollutants/pm2_5'])).toEqual([{ pointer: '/pollutants/no2', detail: expect.any(String) }]);
    expect(fieldsOutside(reading, ['/location/type'])).toEqual([
      { pointer: '/location/coordinates', detail: expect.any(String) },
      { pointer: '/pollutants', detail: expect.any(String) },
      { pointer: '/stationId', detail: expect.any(String) },
    ]);
  });

  it('refuses a scalar where only a path to allowed members was expected, and everything when nothing is allowed', () => {
    expect(fieldsOutside({ pollutants: 4 }, ['/pollutants/pm2_5'])).toEqual([{ pointer: '/pollutants', detail: expect.any(String) }]);
    expect(fieldsOutside({ a: 1 }, [])).toEqual([{ pointer: '/a', detail: expect.any(String) }]);
    expect(fieldsOutside({}, [])).toEqual([]);
  });

  it('reads `-` as any array element and unescapes ~0 and ~1', () => {
    const data = { readings: [{ value: 1, note: 'x' }, { value: 2 }], 'a/b': 1, 'c~d': 2 };
    expect(fieldsOutside(data, ['/readings/-/value', '/a~1b', '/c~0d'])).toEqual([{ pointer: '/readings/0/note', detail: expect.any(String) }]);
    expect(fieldsOutside({ readings: { '-': 1, x: 2 } }, ['/readings/-'])).toEqual([{ pointer: '/readings/x', detail: expect.any(String) }]);
  });
});
