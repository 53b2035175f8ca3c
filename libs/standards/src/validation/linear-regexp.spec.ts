import { compileLinearRegExp, linearRegExpEngine, MAX_PATTERN_LENGTH, PatternRefusedError } from './linear-regexp.js';

describe('compileLinearRegExp', () => {
  it('matches like RegExp.prototype.test (unanchored unless the pattern anchors)', () => {
    expect(compileLinearRegExp('b+').test('abbbc')).toBe(true);
    expect(compileLinearRegExp('^b+$').test('abbbc')).toBe(false);
    expect(compileLinearRegExp('^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$').test('MTL-AQ-031')).toBe(true);
    expect(compileLinearRegExp('^\\p{Lu}').test('Émile')).toBe(true);
  });

  it('gives each pattern a distinct key, which ajv uses to share compiled patterns', () => {
    expect(String(compileLinearRegExp('a'))).not.toBe(String(compileLinearRegExp('b')));
    expect(linearRegExpEngine.code).toBe('plazaLinearRegExp');
  });

  it('refuses patterns that are too long, with the reason', () => {
    const error = (() => {
      try {
        compileLinearRegExp('a'.repeat(MAX_PATTERN_LENGTH + 1));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(PatternRefusedError);
    expect((error as PatternRefusedError).reason).toBe(`longer than ${MAX_PATTERN_LENGTH} characters`);
  });

  it('refuses repetition counts RE2 will not expand', () => {
    expect(() => compileLinearRegExp('(a{1000}){1000}')).toThrow(/linear-time engine cannot run it/);
  });
});
