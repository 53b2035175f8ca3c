import { isIsoDuration, parseIsoDuration } from './iso-duration.js';

describe('parseIsoDuration', () => {
  it.each([
    ['P90D', { days: 90 }],
    ['P1Y6M', { years: 1, months: 6 }],
    ['P1Y1D', { years: 1, days: 1 }],
    ['P2W', { weeks: 2 }],
    ['PT12H', { hours: 12 }],
    ['PT30M', { minutes: 30 }],
    ['P1MT1M', { months: 1, minutes: 1 }],
    ['P1Y2M3DT4H5M6S', { years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6 }],
    ['P0D', { days: 0 }],
  ])('reads %s', (text, parts) => {
    expect(parseIsoDuration(text)).toEqual({ years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0, ...parts });
  });

  it.each([
    '', 'P', 'PT', 'P1YT', '90D', 'p90d', 'P90d', 'P-1D', '-P1D', 'P1.5Y', 'P0,5D', 'P1D2Y', 'P1M1Y', 'PT1S1M', 'P1W1D', 'P1Y2W',
    'P 1D', ' P1D', 'P1D ', 'P1DT', 'P1H', 'PT1D', 'P1234567890D', 'P1DP1D', 'P1Y1Y', 'R5/P1D', 'P1D\n',
  ])('refuses %j', (text) => {
    expect(parseIsoDuration(text)).toBeNull();
    expect(isIsoDuration(text)).toBe(false);
  });

  it('refuses what is not a string', () => {
    for (const value of [90, null, undefined, {}, ['P1D']]) expect(isIsoDuration(value)).toBe(false);
  });
});
