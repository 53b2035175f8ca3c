import { displayNameKey, displayNameKeys } from './display-name.js';

describe('displayNameKey', () => {
  it.each([
    ['case', 'AirSense', 'airsense'],
    ['full-width compatibility forms', 'ＡｉｒＳｅｎｓｅ', 'AirSense'],
    ['ligatures', 'ﬂow', 'flow'],
    ['sharp s against its capital form', 'Straße', 'STRASSE'],
    ['runs of spaces, tabs and no-break spaces, and the ends', '  City\u00a0of \t Montréal ', 'city of montréal'],
    ['composed and decomposed accents', 'Montre\u0301al', 'Montréal'],
  ])('gives one key to names that differ only by %s', (_what, a, b) => {
    expect(displayNameKey(a)).toBe(displayNameKey(b));
  });

  it('keeps names apart that differ by a letter or an accent', () => {
    expect(displayNameKey('Montreal')).not.toBe(displayNameKey('Montréal'));
    expect(displayNameKey('AirSense')).not.toBe(displayNameKey('AirSensor'));
  });

  it('gives a name in two languages one key per distinct form', () => {
    expect(displayNameKeys(['AirSense', 'airsense'])).toEqual(['airsense']);
    expect(displayNameKeys(['City of Laval', 'Ville de Laval'])).toEqual(['city of laval', 'ville de laval']);
  });
});
