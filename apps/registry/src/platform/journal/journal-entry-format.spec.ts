import { encodeEntry, newSalt, stateDigest } from './journal-entry-format.js';

describe('journal entry format', () => {
  const fields = {
    index: 7,
    recordedAt: new Date('2026-11-22T10:00:00.000Z'),
    action: 'source.created',
    subjectType: 'source',
    subjectId: '0b7c3a52-3f0e-4a53-9a57-2a9f0d3c1e11',
    organisationId: null,
    actorId: null,
    key: null,
    stateDigest: 'sha256:x',
  };

  it('encodes entries as RFC 8785 canonical JSON with sorted keys', () => {
    expect(encodeEntry(fields).toString('utf8')).toBe(
      '{"action":"source.created","actor":null,"index":7,"key":null,"organisation":null,"state":"sha256:x",' +
        '"subject":{"id":"0b7c3a52-3f0e-4a53-9a57-2a9f0d3c1e11","type":"source"},"time":"2026-11-22T10:00:00.000Z","v":2}',
    );
  });

  it('names the API key a change was made with, who issued it, and whether the operator stands behind it', () => {
    const key = {
      id: '5f0d9a7e-2c1b-4f3a-8e6d-1a2b3c4d5e6f', prefix: 'plz_k3j9x0qa', issuedBy: { organisationId: 'org-of-issuer', memberId: 'issuer' }, operator: true,
    };
    const entry = JSON.parse(encodeEntry({ ...fields, organisationId: 'city', actorId: 'admin', key }).toString('utf8'));
    expect(entry).toMatchObject({ v: 2, organisation: 'city', actor: 'admin' });
    expect(entry.key).toEqual({ id: key.id, prefix: 'plz_k3j9x0qa', issuedBy: { organisation: 'org-of-issuer', member: 'issuer' }, operator: true });
    // The operator's own key was made by the registry: no issuer.
    expect(JSON.parse(encodeEntry({ ...fields, key: { ...key, issuedBy: null } }).toString('utf8')).key.issuedBy).toBeNull();
  });

  it('digests the same state identically whatever its key order, and differently under another salt', () => {
    const salt = newSalt();
    expect(stateDigest(salt, { a: 1, b: [2, 3] })).toBe(stateDigest(salt, { b: [2, 3], a: 1 }));
    expect(stateDigest(newSalt(), { a: 1, b: [2, 3] })).not.toBe(stateDigest(salt, { a: 1, b: [2, 3] }));
  });
});
