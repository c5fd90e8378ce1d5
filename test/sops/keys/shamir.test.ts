import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EXP_TABLE,
  LOG_TABLE,
  SHARE_OVERHEAD,
  gfDiv,
  gfMult,
  shamirCombine,
  shamirSplit,
} from '../../../src/sops/keys/shamir.js';
import { caught } from '../../helpers/errors.js';

/** Independent field product (shift-and-add, AES polynomial) to check the table-driven one. */
function referenceMult(a: number, b: number): number {
  let out = 0;
  for (let bit = 7; bit >= 0; bit--) {
    out <<= 1;
    if (out & 0x100) out ^= 0x11b;
    if ((b >> bit) & 1) out ^= a;
  }
  return out;
}

function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  if (items.length < size) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, size - 1).map((s) => [first, ...s]), ...subsets(rest, size)];
}

describe('GF(2^8) arithmetic as in Vault and sops', () => {
  it('has the same log/exp tables as Vault (generator 0xe5)', () => {
    // Entries of Vault's published tables.
    expect(EXP_TABLE.slice(0, 8)).toEqual([0x01, 0xe5, 0x4c, 0xb5, 0xfb, 0x9f, 0xfc, 0x12]);
    expect(EXP_TABLE.slice(248)).toEqual([0xaa, 0xcd, 0x9a, 0xa0, 0x75, 0x54, 0x0e, 0x01]);
    expect(LOG_TABLE.slice(0, 8)).toEqual([0x00, 0xff, 0xc8, 0x08, 0x91, 0x10, 0xd0, 0x36]);
    expect(LOG_TABLE.slice(248)).toEqual([0x68, 0x1b, 0x64, 0x04, 0x06, 0xbf, 0x83, 0x38]);
  });

  it('multiplies and divides as sops tests expect (3·7 = 9, 6/3 = 2, 0 absorbs)', () => {
    expect(gfMult(3, 7)).toBe(9);
    expect(gfMult(3, 0)).toBe(0);
    expect(gfMult(0, 3)).toBe(0);
    expect(gfDiv(0, 7)).toBe(0);
    expect(gfDiv(3, 3)).toBe(1);
    expect(gfDiv(6, 3)).toBe(2);
    expect(() => gfDiv(1, 0)).toThrow(RangeError);
  });

  it('agrees with a shift-and-add multiplication for every pair of bytes, and division undoes it', () => {
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        const p = gfMult(a, b);
        if (p !== referenceMult(a, b)) throw new Error(`mult(${a}, ${b}) = ${p}, expected ${referenceMult(a, b)}`);
        if (b !== 0 && gfDiv(p, b) !== a) throw new Error(`div(${p}, ${b}) != ${a}`);
      }
    }
  });
});

describe('splitting and combining a secret', () => {
  it('recombines a hand-computed split (secret 0x2a, slope 0x07, x = 1 and 2)', () => {
    // y(x) = 0x2a + 0x07·x: y(1) = 0x2d, y(2) = 0x2a ^ 0x0e = 0x24.
    const secret = shamirCombine([Uint8Array.of(0x2d, 1), Uint8Array.of(0x24, 2)]);
    expect([...secret]).toEqual([0x2a]);
    expect([...shamirCombine([Uint8Array.of(0x24, 2), Uint8Array.of(0x2d, 1)])]).toEqual([0x2a]);
  });

  it('makes 33-byte shares for a 32-byte data key, x coordinate last, distinct and never 0', () => {
    const key = new Uint8Array(32).map((_, i) => i * 7);
    const shares = shamirSplit(key, 5, 3);
    expect(shares).toHaveLength(5);
    for (const s of shares) expect(s).toHaveLength(32 + SHARE_OVERHEAD);
    const xs = shares.map((s) => s[32]);
    expect(new Set(xs).size).toBe(5);
    expect(xs).not.toContain(0);
  });

  it('recovers the secret from every 3-of-5 and 4-of-5 subset, as sops tests do', () => {
    const secret = new TextEncoder().encode('test');
    const shares = shamirSplit(secret, 5, 3);
    for (const size of [3, 4, 5]) {
      for (const subset of subsets(shares, size)) expect(shamirCombine(subset)).toEqual(secret);
    }
  });

  it('refuses invalid split parameters and malformed shares with a clear message', async () => {
    const secret = new TextEncoder().encode('test');
    expect((await caught(() => shamirSplit(secret, 2, 3))).message).toBe('the threshold (3) cannot be more than the number of shares (2)');
    expect((await caught(() => shamirSplit(secret, 1000, 3))).message).toBe('cannot split into more than 255 shares');
    expect((await caught(() => shamirSplit(secret, 10, 1))).message).toBe('the threshold must be at least 2');
    expect((await caught(() => shamirSplit(new Uint8Array(0), 3, 2))).message).toBe('cannot split an empty secret');
    expect((await caught(() => shamirCombine([]))).message).toBe('at least two shares are needed to recover the secret');
    expect((await caught(() => shamirCombine([Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2)]))).message).toBe(
      'all shares must have the same length',
    );
    expect((await caught(() => shamirCombine([Uint8Array.of(1), Uint8Array.of(2)]))).message).toBe('shares must be at least two bytes long');
    expect((await caught(() => shamirCombine([Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5, 3)]))).message).toBe(
      'two shares have the same x coordinate (duplicate share)',
    );
  });

  it('property: any threshold-sized subset of the shares recombines to the secret', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 0, max: 4 }),
        fc.infiniteStream(fc.nat()),
        (secret, threshold, extra, picks) => {
          const parts = threshold + extra;
          const shares = shamirSplit(secret, parts, threshold);
          const pool = [...shares];
          const chosen: Uint8Array[] = [];
          const it = picks[Symbol.iterator]();
          while (chosen.length < threshold) chosen.push(pool.splice(it.next().value % pool.length, 1)[0]);
          expect(shamirCombine(chosen)).toEqual(secret);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: fewer shares than the threshold do not give the secret back', () => {
    // With threshold − 1 shares every secret is equally likely, so a 16-byte secret comes back
    // only by a 2^-128 chance.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 32 }), fc.integer({ min: 3, max: 8 }), (secret, threshold) => {
        const shares = shamirSplit(secret, threshold, threshold);
        expect(shamirCombine(shares.slice(0, threshold - 1))).not.toEqual(secret);
      }),
      { numRuns: 200 },
    );
  });
});
