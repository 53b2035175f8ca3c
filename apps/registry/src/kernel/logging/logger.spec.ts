import { createLogger, nestLogger } from './logger.js';

/** A registry's pino logger writing into `lines`, and the Nest logger (nestjs-pino's) over it. */
function registryLog(level: 'info' | 'warn' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const pino = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { lines, nest: nestLogger(pino) };
}

describe("Nest's logger (nestjs-pino over the registry's pino)", () => {
  it("writes a line with its context, the fields given and the message, at the registry's level", () => {
    const { lines, nest } = registryLog('info');
    nest.log({ journalSize: 3 }, 'built the exports', 'Exports');
    nest.debug('below the level', 'Exports');
    expect(lines).toEqual([expect.objectContaining({ level: 30, context: 'Exports', journalSize: 3, msg: 'built the exports' })]);
  });

  it("keeps of an error only its class, code and frames, and redacts an authorization header and a key", () => {
    const { lines, nest } = registryLog();
    const error = Object.assign(new Error('Failing row contains (Resident Jeanne Roe)'), { code: '23514' });
    nest.warn({ err: error, headers: { authorization: 'Bearer plz_secret' }, key: 'plz_other_secret' }, 'could not publish', 'TransparencyLog');
    const text = JSON.stringify(lines);
    expect(lines[0]).toMatchObject({ level: 40, context: 'TransparencyLog', err: { errorClass: 'Error', code: '23514' }, headers: { authorization: '[redacted]' }, key: '[redacted]' });
    expect(text).not.toMatch(/Jeanne|plz_secret|plz_other_secret/);
  });

  it('writes to its own registry’s log when another registry in the process built its logger first', () => {
    const first = registryLog();
    const second = registryLog();
    second.nest.log("the log's verifier key: second", 'TransparencyLog');
    first.nest.log("the log's verifier key: first", 'TransparencyLog');
    expect(first.lines.map((line) => line.msg)).toEqual(["the log's verifier key: first"]);
    expect(second.lines.map((line) => line.msg)).toEqual(["the log's verifier key: second"]);
  });
});
