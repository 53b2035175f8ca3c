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
    stateDigest: 'sha256:x',
  };

  it('encodes entries as RFC 8785 canonical JSON with sorted keys', () => {
    expect(encodeEntry(fields).toString('utf8')).toBe(
      '{"action":"source.created","actor":null,"index":7,"organisation":null,"state":"sha256:x",' +
        '"subject":{"id":"0b7c3a52-3f0e-4a53-9a57-2a9f0d3c1e11","type":"source"},"time":"2026-11-22T10:00:00.000Z","v":1}',
    );
  });

  it('digests the same state identically whatever its key order, and differently under another salt', () => {
    const salt = newSalt();
    expect(stateDigest(salt, { a: 1, b: [2, 3] })).toBe(stateDigest(salt, { b: [2, 3], a: 1 }));
    expect(stateDigest(newSalt(), { a: 1, b: [2, 3] })).not.toBe(stateDigest(salt, { a: 1, b: [2, 3] }));
  });
});
