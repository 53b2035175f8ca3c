import { parseAddCheckpointResponse } from '#plaza/note';
import { OutboundError, type OutboundResponse } from '#plaza/outbound';
import { failedRequest, publicFailure, readWitnessAnswer, validCosignature, witnessesOf } from './witness-answers.js';

// transparency-dev/witness's test witness key and a cosignature derived from it (the C2SP digest, vectors 7.5 and 7.6).
const WITNESS_NOTE_KEY = 'witness+f13a86db+AdYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN';
const WITNESS_COSIGNATURE_KEY = 'witness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN';
const CHECKPOINT = 'monkeys\n8\nV8K9aklZ4EPB+RMOk1/8VsJUdFZR77GDtZUQq84vSbo=\n';
const LINE = '— witness JLN4UQAAAABkGFDL30hyK1zJfcjUteDTTLwHjqqBssk83aRYgcomnd8bo/7OG1sGbEwpJoabhF3oO+9mYxBnYeQ2iSFGj5xaybB7Aw==\n';
const OTHER_LINE = '— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

const answer = (status: number, body: string, contentType = 'text/plain', truncated = false): OutboundResponse => ({
  status,
  headers: { 'content-type': contentType },
  body: Buffer.from(body, 'utf8'),
  truncated,
});

describe('a witness', () => {
  it('is known by its cosignature key (type 0x04), whether configured with that key or with the type 0x01 form of it', () => {
    const [asNoteKey, asCosignatureKey] = witnessesOf([
      { url: 'https://w.example/a', vkey: WITNESS_NOTE_KEY },
      { url: 'https://w.example/b', vkey: WITNESS_COSIGNATURE_KEY },
    ]);
    expect(asNoteKey).toMatchObject({ name: 'witness', keyId: '24b37851', key: WITNESS_COSIGNATURE_KEY, url: 'https://w.example/a/add-checkpoint' });
    expect(asCosignatureKey!.key).toBe(WITNESS_COSIGNATURE_KEY);
  });
});

describe("reading a witness's answer to add-checkpoint", () => {
  it('takes a 200 as its cosignature lines', () => {
    expect(readWitnessAnswer(answer(200, LINE))).toEqual({ kind: 'cosigned', signatures: parseAddCheckpointResponse(LINE) });
  });

  it('resyncs only on a 409 whose body is text/x.tlog.size, whatever its parameters', () => {
    expect(readWitnessAnswer(answer(409, '5\n', 'text/x.tlog.size'))).toEqual({ kind: 'resync', size: 5 });
    expect(readWitnessAnswer(answer(409, '12\n', 'Text/X.TLOG.Size; charset=utf-8'))).toEqual({ kind: 'resync', size: 12 });
  });

  it('takes any other 409, and a 422, as a fork alarm', () => {
    expect(readWitnessAnswer(answer(409, '5\n', 'text/plain'))).toEqual({ kind: 'fork', status: 409 });
    expect(readWitnessAnswer(answer(409, '', ''))).toEqual({ kind: 'fork', status: 409 });
    expect(readWitnessAnswer(answer(422, 'bad proof'))).toEqual({ kind: 'fork', status: 422 });
  });

  it.each([
    ['a 200 that is not cosignature lines', answer(200, 'ok'), 'it answered 200 with a body that is not cosignature lines'],
    ['a 409 size that is not a size', answer(409, '05\n', 'text/x.tlog.size'), 'it answered 409 with a text/x.tlog.size body that is not a size'],
    ['a server error', answer(503, 'busy'), 'it answered 503'],
    ['an unknown origin', answer(404, 'unknown log'), 'it answered 404'],
    ['an answer too long to read', answer(200, LINE, 'text/plain', true), "it answered 200 with a body too long for a witness's answer"],
  ])('takes %s as a failure to retry, without quoting the body', (_, response, reason) => {
    expect(readWitnessAnswer(response)).toEqual({ kind: 'failed', reason });
  });
});

describe('a request to a witness that got no answer', () => {
  it.each([
    ['refused-address', 'witness.example: resolves to 10.1.2.3, in the refused range 10.0.0.0/8', 'the request failed: the outbound guard refused its address'],
    ['connection', 'witness.example: the connection failed (ECONNREFUSED 127.0.0.1:9)', 'the request failed: the connection failed'],
    ['dns', 'witness.example: the name does not resolve (ENOTFOUND)', 'the request failed: its name did not resolve'],
  ] as const)('is shown in public by its kind (%s) alone: the address and the guard\'s ranges stay in the log', (reason, message, shown) => {
    const answer = failedRequest(new OutboundError(reason, message));
    expect(answer).toEqual({ kind: 'failed', reason: shown, detail: message });
    expect(publicFailure(shown)).toBe(shown);
  });

  it.each([
    'the request failed: https://log:s3cret@witness.example/witness/add-checkpoint: the connection failed (ECONNREFUSED 10.1.2.3:443)',
    'the request failed: witness.example: resolves to 10.1.2.3, in the refused range 10.0.0.0/8',
    'the request failed: ',
  ])('stored before failures were recorded by kind (%s), is shown without the message', (stored) => {
    expect(publicFailure(stored)).toBe('the request failed');
  });

  it("leaves the registry's own reasons as they are", () => {
    for (const reason of ['it answered 503', 'it answered 200 without a cosignature by its key that verifies', 'the request failed']) expect(publicFailure(reason)).toBe(reason);
  });
});

describe('the cosignature kept from an answer', () => {
  const [witness] = witnessesOf([{ url: 'https://w.example', vkey: WITNESS_COSIGNATURE_KEY }]);

  it("is the witness's line that verifies over the checkpoint, with the time it states", () => {
    expect(validCosignature(witness!, CHECKPOINT, parseAddCheckpointResponse(OTHER_LINE + LINE))).toEqual({ line: LINE, cosignedAt: new Date(1679315147 * 1000) });
  });

  it('is none when its line does not verify over this checkpoint, or only other keys signed', () => {
    expect(validCosignature(witness!, CHECKPOINT.replace('8\n', '9\n'), parseAddCheckpointResponse(LINE))).toBeNull();
    const tampered = LINE.replace('JLN4UQAAAABkGFDL', 'JLN4UQAAAABkGFDM');
    expect(validCosignature(witness!, CHECKPOINT, parseAddCheckpointResponse(tampered))).toBeNull();
    expect(validCosignature(witness!, CHECKPOINT, parseAddCheckpointResponse(OTHER_LINE))).toBeNull();
  });
});
