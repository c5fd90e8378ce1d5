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

  test('a long text, walked in two halves, gives every keyword once and in order, those across the middle included', () => {
    const m = new KeywordMatcher(keywords);
    const filler = fc.constantFrom(...'pasword tokenkey_i-x\n'.split(''), '\u00e9');
    fc.assert(
      fc.property(
        fc.array(filler, { minLength: 4096, maxLength: 9000 }),
        fc.array(fc.tuple(fc.constantFrom(...keywords, 'PASSWORD', 'Api_Key'), fc.integer({ min: -14, max: 14 })), { maxLength: 6 }),
        (chars, placed) => {
          const text = chars.join('');
          const bytes = Buffer.from(text, 'latin1');
          // Keywords written over the filler so that they end just before, at or just after the middle.
          const mid = bytes.length >> 1;
          for (const [k, shift] of placed) bytes.write(k, Math.max(0, mid + shift - k.length), 'latin1');
          expect(m.positionsInBytes(bytes)).toEqual(m.positions(bytes.toString('latin1')));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a keyword ending exactly at, just after or across the middle of a long text is found once', () => {
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
    expect(ends(8, 5000, 5008, 10000)).toEqual([[0, [8, 5000, 5008, 10000]]]);
  });
});
