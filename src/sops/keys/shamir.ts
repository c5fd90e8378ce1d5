/**
 * Shamir secret sharing over GF(2^8), compatible with the scheme sops uses (HashiCorp Vault's
 * `shamir` package): the field is the AES field (x^8 + x^4 + x^3 + x + 1), each secret byte gets its
 * own random polynomial, and a share is one y byte per secret byte followed by its x coordinate as
 * the last byte. x coordinates are distinct and never 0 (evaluating at 0 would give the secret).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { SealguardError } from '../../shared/errors.js';

/** A share is this many bytes longer than the secret: the trailing x coordinate. */
export const SHARE_OVERHEAD = 1;

/** Vault builds its log/exp tables from this generator; the same tables give the same field. */
const GENERATOR = 0xe5;
const REDUCTION = 0x11b;

/** Carry-less product reduced modulo the AES polynomial; used once, to build the tables. */
function slowMult(a: number, b: number): number {
  let out = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) out ^= a;
    b >>= 1;
    a <<= 1;
    if (a & 0x100) a ^= REDUCTION;
  }
  return out;
}

/** EXP_TABLE[i] = g^i for i in 0..255 (g^255 = 1); LOG_TABLE is its inverse, as Vault's tables. */
export const EXP_TABLE: readonly number[] = (() => {
  const t = new Array<number>(256);
  let v = 1;
  for (let i = 0; i < 256; i++) {
    t[i] = v;
    v = slowMult(v, GENERATOR);
  }
  return t;
})();

export const LOG_TABLE: readonly number[] = (() => {
  const t = new Array<number>(256).fill(0);
  // Vault stores log(1) as 255 rather than 0; both are 0 modulo 255.
  for (let i = 1; i < 256; i++) t[EXP_TABLE[i]] = i;
  return t;
})();

export function gfAdd(a: number, b: number): number {
  return a ^ b;
}

export function gfMult(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP_TABLE[(LOG_TABLE[a] + LOG_TABLE[b]) % 255];
}

export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero in GF(2^8)');
  if (a === 0) return 0;
  return EXP_TABLE[(LOG_TABLE[a] - LOG_TABLE[b] + 255) % 255];
}

/** Horner's method; coefficients[0] is the intercept (the secret byte). */
function evaluate(coefficients: Uint8Array, x: number): number {
  let out = coefficients[coefficients.length - 1];
  for (let i = coefficients.length - 2; i >= 0; i--) out = gfAdd(gfMult(out, x), coefficients[i]);
  return out;
}

/** Lagrange interpolation of the samples, evaluated at x = 0. */
function interpolateAtZero(xs: Uint8Array, ys: Uint8Array): number {
  let result = 0;
  for (let i = 0; i < xs.length; i++) {
    let basis = 1;
    for (let j = 0; j < xs.length; j++) {
      if (i === j) continue;
      basis = gfMult(basis, gfDiv(xs[j], gfAdd(xs[i], xs[j])));
    }
    result = gfAdd(result, gfMult(ys[i], basis));
  }
  return result;
}

function shamirError(message: string): SealguardError {
  return new SealguardError('SHAMIR_INVALID', message);
}

/**
 * Splits `secret` into `parts` shares, any `threshold` of which recombine to it. As in sops, the x
 * coordinates are a random choice of distinct values in 1..255. Limits are Vault's:
 * 2 ≤ threshold ≤ parts ≤ 255 and a non-empty secret.
 */
export function shamirSplit(secret: Uint8Array, parts: number, threshold: number): Uint8Array[] {
  if (!Number.isInteger(parts) || !Number.isInteger(threshold)) throw shamirError('parts and threshold must be whole numbers');
  if (parts < threshold) throw shamirError(`the threshold (${threshold}) cannot be more than the number of shares (${parts})`);
  if (parts > 255) throw shamirError('cannot split into more than 255 shares');
  if (threshold < 2) throw shamirError('the threshold must be at least 2');
  if (secret.length === 0) throw shamirError('cannot split an empty secret');

  const xs = randomDistinctX(parts);
  const shares = xs.map((x) => {
    const share = new Uint8Array(secret.length + SHARE_OVERHEAD);
    share[secret.length] = x;
    return share;
  });
  const coefficients = new Uint8Array(threshold);
  for (let idx = 0; idx < secret.length; idx++) {
    coefficients[0] = secret[idx];
    coefficients.set(randomBytes(threshold - 1), 1);
    for (let i = 0; i < parts; i++) shares[i][idx] = evaluate(coefficients, xs[i]);
  }
  coefficients.fill(0);
  return shares;
}

/** `count` distinct values from 1..255 in random order (a partial Fisher–Yates shuffle). */
function randomDistinctX(count: number): number[] {
  const pool = Array.from({ length: 255 }, (_, i) => i + 1);
  for (let i = 0; i < count; i++) {
    const j = i + randomInt(pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}

/**
 * Recombines shares into the secret. Any number ≥ 2 of shares from one split works as long as
 * there are at least `threshold` of them; fewer give an unrelated value, which callers detect
 * (a sops data key then fails the MAC or value authentication).
 */
export function shamirCombine(shares: readonly Uint8Array[]): Uint8Array {
  if (shares.length < 2) throw shamirError('at least two shares are needed to recover the secret');
  const len = shares[0].length;
  if (len < 2) throw shamirError('shares must be at least two bytes long');
  if (shares.some((s) => s.length !== len)) throw shamirError('all shares must have the same length');
  const xs = new Uint8Array(shares.length);
  const seen = new Set<number>();
  shares.forEach((s, i) => {
    const x = s[len - 1];
    if (seen.has(x)) throw shamirError('two shares have the same x coordinate (duplicate share)');
    seen.add(x);
    xs[i] = x;
  });
  const secret = new Uint8Array(len - SHARE_OVERHEAD);
  const ys = new Uint8Array(shares.length);
  for (let idx = 0; idx < secret.length; idx++) {
    shares.forEach((s, i) => (ys[i] = s[idx]));
    secret[idx] = interpolateAtZero(xs, ys);
  }
  ys.fill(0);
  return secret;
}
