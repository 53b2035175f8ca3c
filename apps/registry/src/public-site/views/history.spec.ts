import { Locale } from '../i18n.js';
import { fieldChanges } from './history.js';

describe('the fields a change made, in words', () => {
  const before = {
    id: 'a', journalIndex: 3, updatedAt: '2026-01-01T00:00:00.000Z', name: { en: 'Station', fr: 'Station' }, personalInformation: false,
    measures: [{ en: 'PM2.5', fr: 'PM2,5' }], owner: { slug: 'montreal' }, location: { type: 'Point', coordinates: [-73.5, 45.5] }, retention: 'P1Y',
  };
  const after = { ...before, journalIndex: 9, updatedAt: '2026-02-01T00:00:00.000Z', name: { en: 'Corner station', fr: 'Station du coin' }, personalInformation: true,
    measures: [{ en: 'PM2.5', fr: 'PM2,5' }, { en: 'Noise', fr: 'Bruit' }], location: { type: 'Point', coordinates: [-73.6, 45.5] }, licence: 'CC-BY-4.0' };

  it("names each changed field in the reader's language, with its value before and after, and leaves out identity and bookkeeping", () => {
    expect(fieldChanges(before, after, new Locale('en'))).toEqual([
      { field: 'Name', before: 'Station', after: 'Corner station' },
      { field: 'Personal information', before: 'no', after: 'yes' },
      { field: 'What it measures', before: 'PM2.5', after: 'PM2.5; Noise' },
      { field: 'Location › Coordinates', before: '-73.5; 45.5', after: '-73.6; 45.5' },
      { field: 'Licence', before: 'none', after: 'CC-BY-4.0' },
    ]);
    expect(fieldChanges(before, after, new Locale('fr')).map((c) => [c.field, c.after])).toEqual([
      ['Nom', 'Station du coin'], ['Renseignements personnels', 'oui'], ['Ce qu’elle mesure', 'PM2,5; Bruit'], ['Emplacement › Coordonnées', '-73,6; 45,5'], ['Licence', 'CC-BY-4.0'],
    ]);
  });

  it('finds nothing changed between equal states, and names a field the catalogue does not know from its own name', () => {
    expect(fieldChanges(before, { ...before, journalIndex: 4 }, new Locale('en'))).toEqual([]);
    expect(fieldChanges({ windowEnd: 'x' }, { windowEnd: 'y' }, new Locale('en'))).toEqual([{ field: 'Window end', before: 'x', after: 'y' }]);
  });

  it("says a record's codes in words, as its page does, by the kind of record; a code without words, or one nested deeper, as it is", () => {
    const draft = { status: 'draft', number: 2, terms: { status: 'draft' } };
    const pending = { status: 'pending-signatures', number: 2, terms: { status: 'signed' } };
    expect(fieldChanges(draft, pending, new Locale('en'), 'agreement-version')).toEqual([
      { field: 'Status', before: 'Draft', after: 'Awaiting signatures' },
      { field: 'Terms › Status', before: 'draft', after: 'signed' },
    ]);
    expect(fieldChanges(draft, pending, new Locale('fr'), 'agreement-version')[0]).toMatchObject({ before: 'Ébauche', after: 'En attente de signatures' });
    expect(fieldChanges({ status: 'planned', kind: 'sensor' }, { status: 'active', kind: 'dataset' }, new Locale('en'), 'source').map((c) => [c.before, c.after])).toEqual([
      ['Planned', 'Active'], ['Sensor', 'Dataset'],
    ]);
    expect(fieldChanges({ status: 'review' }, { status: 'someday' }, new Locale('en'), 'proposal')).toEqual([{ field: 'Status', before: 'In review', after: 'someday' }]);
    // The same code in another kind of record, or with none given, is not read with this kind's words.
    expect(fieldChanges(draft, pending, new Locale('en'), 'organisation')[0]).toMatchObject({ before: 'draft', after: 'pending-signatures' });
    expect(fieldChanges(draft, pending, new Locale('en'))[0]).toMatchObject({ before: 'draft', after: 'pending-signatures' });
  });
});
