import { AGREEMENT_DOCUMENT_TYPE, type AgreementDocument, documentBytes, documentDigest } from './agreement-document.js';

const text = (en: string) => ({ en, fr: `${en} (fr)` });

function doc(overrides: Partial<AgreementDocument> = {}): AgreementDocument {
  return {
    type: AGREEMENT_DOCUMENT_TYPE,
    agreement: '7d0a7f4e-3c1f-4a44-9c4a-0d8a4b2d6e11',
    version: 1,
    amends: null,
    city: { id: 'c', slug: 'montreal', name: text('Montréal') },
    vendors: [{ id: 'v', slug: 'airsense', name: text('AirSense') }],
    sources: [{ id: 's', ceSource: 'urn:plaza:montreal:air:1', name: text('Station') }],
    eventTypes: [{ standard: 'air-quality-observation', major: 1 }],
    purposes: [text('Public health')],
    allowedFields: [{ party: 'airsense', standard: 'air-quality-observation', major: 1, fields: ['/stationId'] }],
    retention: 'P1Y',
    onwardSharing: false,
    dataResidency: ['CA'],
    validFrom: '2030-01-01T00:00:00.000Z',
    validUntil: '2031-01-01T00:00:00.000Z',
    privacyRecords: [],
    summary: text('Summary'),
    signaturesOpenedAt: '2029-12-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('canonical agreement document', () => {
  it('is RFC 8785: members sorted, no whitespace, UTF-8 text kept as is', () => {
    const text = documentBytes(doc()).toString('utf8');
    expect(text.startsWith('{"agreement":"7d0a7f4e-3c1f-4a44-9c4a-0d8a4b2d6e11","allowedFields":[{"fields":["/stationId"],"major":1,"party":"airsense"')).toBe(true);
    expect(text).toContain('"name":{"en":"Montréal","fr":"Montréal (fr)"}');
    expect(text).not.toMatch(/\n|": /);
    expect(JSON.parse(text)).toEqual(doc());
  });

  it('does not depend on the order members were given in', () => {
    const reordered = Object.fromEntries(Object.entries(doc()).reverse()) as unknown as AgreementDocument;
    expect(documentBytes(reordered).equals(documentBytes(doc()))).toBe(true);
  });

  it('differs between versions of one agreement, so a signature cannot move from one to another', () => {
    const v1 = documentBytes(doc());
    const v2 = documentBytes(doc({ version: 2, amends: { version: 1, documentDigest: documentDigest(v1) } }));
    expect(v1.equals(v2)).toBe(false);
    expect(documentDigest(v1)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
