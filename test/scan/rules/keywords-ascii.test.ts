import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { KeywordMatcher } from '../../../src/scan/rules/keywords.js';

const keywords = ['password', 'passwd', 'token', 'api_key', 'ghp_', 'AKIA', 'secret', 'key', 'sk-', 'xox'];

describe('KeywordMatcher.positionsInBytes (keyword search over a file\'s bytes)', () => {
  test('finds exactly what the string search finds, in any case, on ASCII text', () => {
    const m = new KeywordMatcher(keywords);
    const alphabet = fc.constantFrom(...'pPaAsSwWoOrRdDtTkKeEnN_iIgGhHxX-= \n"'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 300 }), (chars) => {
        const text = chars.join('');
        expect(m.positionsInBytes(Buffer.from(text, 'latin1'))).toEqual(m.positions(text));
      }),
      { numRuns: 300 },
    );
  });

  test('a byte over 127 restarts the search instead of reading past the table', () => {
    const m = new KeywordMatcher(['token']);
    const bytes = Buffer.from([...Buffer.from('tok'), 0xc3, 0xa9, ...Buffer.from('en token')]);
    expect([...m.positionsInBytes(bytes)]).toEqual([[0, [bytes.length]]]);
  });
});
