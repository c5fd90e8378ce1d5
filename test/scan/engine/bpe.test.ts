import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BpeTable, PREBUILT_TABLE, buildBpeTable, loadCl100k } from '../../../src/scan/engine/bpe.js';
import { packageRoot } from '../../../src/scan/rules/package-root.js';

/**
 * sealguard counts cl100k_base tokens with its own table (bpe.ts); gpt-tokenizer's encoder is the
 * reference it must agree with on every string.
 */
const require = createRequire(import.meta.url);
const { encode } = require('gpt-tokenizer/encoding/cl100k_base') as { encode: (text: string) => number[] };
const vocabulary = readFileSync(require.resolve('gpt-tokenizer/data/cl100k_base.tiktoken'), 'utf8');
const table = loadCl100k();

const SHARED = path.resolve(import.meta.dirname, '../../../../shared/scan-vectors');
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/precision');

/** Lines of labelled secrets and non-secrets: the strings the token-efficiency filter really sees. */
function corpus(): string[] {
  const files = [
    path.join(FIXTURES, 'secrets.txt'),
    path.join(FIXTURES, 'not-secrets.txt'),
    path.join(SHARED, 'gitleaks_rule_cases.txt'),
    path.join(SHARED, 'secretlint_snapshot_cases.txt'),
    path.join(SHARED, 'detect_secrets_cases.py'),
    path.join(SHARED, 'labels.jsonl'),
    path.join(SHARED, 'negatives.jsonl'),
  ];
  const lines = files.flatMap((f) => readFileSync(f, 'utf8').split('\n'));
  // Each line whole, and its quoted or assigned values alone (as candidates reach the filter).
  const values = lines.flatMap((l) => l.split(/[\s"'=:]+/).filter((v) => v.length >= 8));
  return [...lines, ...values].filter((s) => s !== '' && !s.includes('<|'));
}

describe('cl100k_base token counts', () => {
  it('match gpt-tokenizer on every line and value of the labelled corpora', () => {
    const strings = corpus();
    expect(strings.length).toBeGreaterThan(1000);
    const differing = strings.filter((s) => table.count(s) !== encode(s).length);
    expect(differing).toEqual([]);
  });

  it('match gpt-tokenizer on random strings of secret alphabets, words, whitespace and unicode', () => {
    const alphabet = fc.constantFrom(
      ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=_-.:;,!?\'"()[]{}<>@#$%^&*~`|\\ \t\r\n'.split(''),
      'é',
      'ß',
      'Ж',
      '日',
      '本',
      '🎉',
      '\u00a0',
      "'s",
      "'LL",
      'the',
      ' token',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 120 }).map((parts) => parts.join('')), (text) => {
        expect(table.count(text)).toBe(encode(text).length);
      }),
      { numRuns: 3000 },
    );
  });

  it('count an empty string as no tokens and a 300-character run as gpt-tokenizer does', () => {
    expect(table.count('')).toBe(0);
    for (const long of ['x'.repeat(300), 'aB3'.repeat(100), '7'.repeat(301)]) expect(table.count(long)).toBe(encode(long).length);
  });
});

describe('the cl100k_base table file', () => {
  it('shipped in dist/ is the one built from the installed vocabulary', () => {
    const shipped = readFileSync(path.join(packageRoot(), PREBUILT_TABLE));
    expect(shipped.equals(buildBpeTable(vocabulary))).toBe(true);
  });

  it('is refused when truncated, extended or of another format, and a fresh one built instead', () => {
    const good = buildBpeTable(vocabulary);
    expect(BpeTable.fromFile(good)).toBeInstanceOf(BpeTable);
    expect(BpeTable.fromFile(good.subarray(0, good.length - 1))).toBeUndefined();
    expect(BpeTable.fromFile(Buffer.concat([good, Buffer.from([0])]))).toBeUndefined();
    const otherMagic = Buffer.from(good);
    otherMagic.writeInt32LE(0x12345678, 0);
    expect(BpeTable.fromFile(otherMagic)).toBeUndefined();
    expect(BpeTable.fromFile(Buffer.alloc(3))).toBeUndefined();
  });

  it('is not built from a vocabulary whose ranks are not line positions', () => {
    expect(() => buildBpeTable('YQ== 0\nYg== 2\n')).toThrow(/line 2: rank 2 where 1 was expected/);
  });

  it('built from a tiny vocabulary counts by its merges', () => {
    // Bytes a, b, c; then "ab" (rank 3) before "bc" (rank 4), so "abc" is ab + c: two tokens.
    const tiny = BpeTable.fromFile(buildBpeTable(['YQ== 0', 'Yg== 1', 'Yw== 2', 'YWI= 3', 'YmM= 4'].join('\n')));
    expect(tiny?.rank(Buffer.from('ab'), 0, 2)).toBe(3);
    expect(tiny?.rank(Buffer.from('ca'), 0, 2)).toBe(-1);
    expect(tiny?.count('abc')).toBe(2);
    expect(tiny?.count('bc')).toBe(1);
  });
});
