import { crc32 } from 'node:zlib';
import type { RuleSpec } from '../types.js';

/**
 * Checksums some token formats carry, so a scanner can tell a token the provider issued from a string
 * that only has its shape (a made-up example, a test fixture, a value altered by hand).
 */

export type ChecksumKind = NonNullable<RuleSpec['validate']>;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * GitHub (ghp_, gho_, ghu_, ghs_, ghr_) and npm (npm_) tokens: a prefix, 30 random base62 characters,
 * then the CRC32 of those 30 characters in base62, left-padded with zeros to 6 characters.
 * `undefined` when the value does not have that layout (e.g. the 76-character refresh token form),
 * since then there is no checksum to check.
 */
export function githubChecksumValid(token: string): boolean | undefined {
  const underscore = token.indexOf('_');
  const body = token.slice(underscore + 1);
  if (underscore < 0 || body.length !== 36 || !/^[0-9A-Za-z]+$/.test(body)) return undefined;
  const expected = crc32(body.slice(0, 30));
  let actual = 0;
  for (const c of body.slice(30)) actual = actual * 62 + BASE62.indexOf(c);
  return actual === expected;
}

export function checksumValid(kind: ChecksumKind, secret: string): boolean | undefined {
  switch (kind) {
    case 'github-crc32':
      return githubChecksumValid(secret);
  }
}

/** A token in that layout with a correct checksum: for tests and rule examples. */
export function githubStyleToken(prefix: string, random30: string): string {
  let n = crc32(random30);
  let suffix = '';
  for (let i = 0; i < 6; i++) {
    suffix = BASE62[n % 62] + suffix;
    n = Math.floor(n / 62);
  }
  return `${prefix}${random30}${suffix}`;
}
