import { Locale, negotiateLang } from './i18n.js';
import { en } from './messages/en.js';
import { fr } from './messages/fr.js';

describe('the register’s languages', () => {
  it('takes ?lang= first, then the preferred of English and French in Accept-Language, then English', () => {
    expect(negotiateLang('fr', 'en')).toBe('fr');
    expect(negotiateLang(undefined, 'fr-CA,fr;q=0.9,en;q=0.8')).toBe('fr');
    expect(negotiateLang(undefined, 'de-DE, en;q=0.3, fr;q=0.7')).toBe('fr');
    expect(negotiateLang(undefined, 'fr;q=0, en;q=0.1')).toBe('en');
    expect(negotiateLang(undefined, 'de')).toBe('en');
    expect(negotiateLang(undefined, undefined)).toBe('en');
  });

  it('has a French sentence for every English one, and no French left identical by oversight', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    const same = Object.keys(en).filter((key) => typeof en[key as keyof typeof en] === 'string' && en[key as keyof typeof en] === fr[key as keyof typeof fr]);
    // Words that are the same in both languages.
    expect(same.sort()).toEqual(['colDate', 'colOrganisation', 'colParties', 'colVersion', 'colVersions', 'proposalVotes', 'agreementSignatures', 'standardLicence', 'standardVersions', 'logSignature', 'colChoice',
      'signA4', 'signContact', 'nearLat', 'nearLon', 'colDistance'].sort());
  });

  it('writes retention periods in words, in each language', () => {
    expect(new Locale('en').duration('P1Y6M')).toBe('1 year and 6 months');
    expect(new Locale('fr').duration('P90D')).toBe('90\u00a0jours');
    expect(new Locale('en').duration('not a duration')).toBe('not a duration');
  });

  it('writes a distance in metres under a kilometre and in km above, with each language’s numbers', () => {
    expect(new Locale('en').distance(156.4)).toBe('160 m');
    expect(new Locale('en').distance(994)).toBe('990 m');
    expect(new Locale('en').distance(996)).toBe('1 km');
    expect(new Locale('fr').distance(3_912)).toBe('3,9\u00a0km');
    expect(new Locale('en').distance(12_345)).toBe('12.3 km');
  });

  it('keeps the reader’s language on every link', () => {
    expect(new Locale('fr').href('/sources', { city: 'laval', kind: undefined })).toBe('/sources?city=laval&lang=fr');
  });
});
