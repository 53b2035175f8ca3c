import { JOURNALED_KIND_LIST } from '../../composition/journaled-kinds.js';
import { JOURNAL_WORDS, KINDS_IN_WORDS, type Told } from './journal-words.js';

describe('the journal in words', () => {
  it('has a noun for every journaled kind, so no private change reads as "a record"', () => {
    expect(JOURNALED_KIND_LIST.map((kind) => kind.subjectType).filter((kind) => !KINDS_IN_WORDS.includes(kind))).toEqual([]);
  });

  it('names every kind in both languages, for the log\'s filter', () => {
    for (const words of [JOURNAL_WORDS.en, JOURNAL_WORDS.fr]) expect(Object.keys(words.kinds)).toEqual(KINDS_IN_WORDS);
  });

  it('says who made a change: an organisation, the operator for one, or the registry, never a person', () => {
    expect(JOURNAL_WORDS.en.by({ who: 'operator', for: 'Montréal' })).toBe('The operator, for Montréal');
    expect(JOURNAL_WORDS.fr.by({ who: 'operator', for: 'Montréal' })).toBe('L’exploitant, pour Montréal');
    expect(JOURNAL_WORDS.en.by({ who: 'operator', for: null })).toBe('The operator');
    expect(JOURNAL_WORDS.en.by({ who: 'organisation', name: 'UrbanFlow' })).toBe('UrbanFlow');
    expect(JOURNAL_WORDS.fr.by({ who: 'registry' })).toBe('Le registre lui-même');
  });

  it('says of a private change only its kind and whose it is, in both languages', () => {
    expect(JOURNAL_WORDS.en.privateChange('member', 'Montréal')).toBe('A change to a member of Montréal');
    expect(JOURNAL_WORDS.fr.privateChange('member', 'Montréal')).toBe('Un changement touchant un membre de Montréal');
    expect(JOURNAL_WORDS.en.privateChange('something-new', null)).toBe('A change to a record of the registry');
  });

  it('names a public change', () => {
    const told = { kind: 'source', action: 'source.created', owner: 'Montréal', name: 'Air quality sensor, rue Sainte-Catherine' } as const;
    expect(JOURNAL_WORDS.en.publicChange(told)).toBe('Montréal registered the source “Air quality sensor, rue Sainte-Catherine”');
    expect(JOURNAL_WORDS.fr.publicChange(told)).toBe('Montréal a enregistré la source « Air quality sensor, rue Sainte-Catherine »');
    const agreement: Told = { kind: 'agreement-version', action: 'agreement.activated', version: 2, city: 'Montréal', vendors: ['AirSense', 'Acme'] };
    expect(JOURNAL_WORDS.en.publicChange(agreement)).toBe('Version 2 of the data-sharing agreement between Montréal and AirSense and Acme came into force');
  });
});
