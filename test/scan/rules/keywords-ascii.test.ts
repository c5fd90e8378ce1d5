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

  test('a long text, walked in four quarters, gives every keyword once and in order, those across each boundary included', () => {
    const m = new KeywordMatcher(keywords);
    const filler = fc.constantFrom(...'pasword tokenkey_i-x\n'.split(''), '\u00e9');
    fc.assert(
      fc.property(
        fc.array(filler, { minLength: 4096, maxLength: 9000 }),
        fc.array(fc.tuple(fc.constantFrom(...keywords, 'PASSWORD', 'Api_Key'), fc.integer({ min: 1, max: 3 }), fc.integer({ min: -14, max: 14 })), { maxLength: 8 }),
        (chars, placed) => {
          const bytes = Buffer.from(chars.join(''), 'latin1');
          // Keywords written over the filler so that they end just before, at or just after a quarter.
          const quarter = bytes.length >> 2;
          for (const [k, at, shift] of placed) bytes.write(k, Math.max(0, at * quarter + shift - k.length), 'latin1');
          expect(m.positionsInBytes(bytes)).toEqual(naiveEnds(keywords, bytes));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a keyword ending exactly at, just after or across a quarter of a long text is found once', () => {
    const m = new KeywordMatcher(['password']);
    const bytes = Buffer.alloc(10000, 0x20);
    const ends = (...at: number[]) => {
      bytes.fill(0x20);
      for (const e of at) bytes.write('password', e - 8, 'latin1');
      return [...m.positionsInBytes(bytes)];
    };
    expect(ends(5000)).toEqual([[0, [5000]]]);
    expect(ends(5001)).toEqual([[0, [5001]]]);
    expect(ends(4996, 5004)).toEqual([[0, [4996, 5004]]]);
    expect(ends(2500, 2509, 7500, 7509)).toEqual([[0, [2500, 2509, 7500, 7509]]]);
    expect(ends(2501, 7501)).toEqual([[0, [2501, 7501]]]);
    expect(ends(8, 2496, 5000, 5008, 7496, 10000)).toEqual([[0, [8, 2496, 5000, 5008, 7496, 10000]]]);
  });

  test('keywords longer than a quarter of the text are still found once', () => {
    const long = 'x'.repeat(1500) + 'secret';
    const m = new KeywordMatcher([long, 'secret']);
    const bytes = Buffer.from(`${'a'.repeat(2000)}${long} ${'b'.repeat(600)}${long}${'c'.repeat(200)}`, 'latin1');
    expect(m.positionsInBytes(bytes)).toEqual(naiveEnds([long, 'secret'], bytes));
  });
});

/** Every end of every keyword in the bytes, found by comparing at each offset (the automaton's reference). */
function naiveEnds(patterns: readonly string[], bytes: Buffer): Map<number, number[]> {
  const text = bytes.toString('latin1').toLowerCase();
  const found = new Map<number, number[]>();
  patterns.forEach((p, id) => {
    const lower = p.toLowerCase();
    for (let at = text.indexOf(lower); at !== -1; at = text.indexOf(lower, at + 1)) {
      const list = found.get(id) ?? [];
      list.push(at + lower.length);
      found.set(id, list);
    }
  });
  return found;
}
