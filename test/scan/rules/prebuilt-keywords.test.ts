import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { repoDir } from '../../helpers/cli.js';
import { compileRules, loadBuiltinRules } from '../../../src/scan/rules/index.js';
import { KeywordMatcher } from '../../../src/scan/rules/keywords.js';
import { decodePrebuiltKeywords, encodePrebuiltKeywords, keywordsKey, PREBUILT_KEYWORDS } from '../../../src/scan/rules/prebuilt-keywords.js';
import type { CompiledRules } from '../../../src/scan/rules/compile.js';

/** The rules' own keywords in id order and what encoded forms are derived from, as the key names them. */
function keyOf(compiled: CompiledRules): Buffer {
  const ids = compiled.keywords.table()!.patterns.slice(0, compiled.keywordRules.length);
  const sources = compiled.rules.map((r) => ({ keywords: r.keywords, examples: r.spec.examples.match, generic: r.generic }));
  return keywordsKey(ids, sources);
}

const shipped = compileRules(loadBuiltinRules());

describe('the shipped rules\u2019 keyword automaton, stored by the build', () => {
  test('the file the build wrote is the one a scan of the shipped rules takes, and it is their automaton', () => {
    const file = readFileSync(path.join(repoDir, PREBUILT_KEYWORDS));
    const stored = decodePrebuiltKeywords(file, keyOf(shipped));
    expect(stored).toBeDefined();
    const built = new KeywordMatcher(stored!.table.patterns).table()!;
    expect(stored!.table.patterns).toEqual(built.patterns);
    expect(Buffer.from(stored!.table.dense.buffer, stored!.table.dense.byteOffset, stored!.table.dense.byteLength).equals(Buffer.from(built.dense.buffer))).toBe(true);
    expect([...stored!.table.outputIds]).toEqual([...built.outputIds]);
    expect(shipped.decodeTriggers?.length).toBe(stored!.derived.length);
  });

  test('an automaton read back from its table finds exactly what the one built from the patterns finds', () => {
    const patterns = shipped.keywords.table()!.patterns;
    const built = new KeywordMatcher(patterns);
    const file = encodePrebuiltKeywords(Buffer.alloc(32, 7), { derived: [], table: built.table()! });
    const loaded = new KeywordMatcher(patterns, decodePrebuiltKeywords(file, Buffer.alloc(32, 7))!.table);
    const words = fc.constantFrom(...patterns.slice(0, 60), 'x', ' ', '\n', '=', '"', 'PASSWORD', 'Token', '\u00e9');
    fc.assert(
      fc.property(fc.array(words, { maxLength: 1500 }), (parts) => {
        const bytes = Buffer.from(parts.join(''), 'utf8');
        expect(loaded.positionsInBytes(bytes)).toEqual(built.positionsInBytes(bytes));
        expect(loaded.positions(parts.join(''))).toEqual(built.positions(parts.join('')));
      }),
      { numRuns: 200 },
    );
  });

  test('a file made for other rules, cut short, of another format or version, or with a bad length, is not taken', () => {
    const table = new KeywordMatcher(['password', 'token']).table()!;
    const key = Buffer.alloc(32, 1);
    const file = encodePrebuiltKeywords(key, { derived: [], table });
    expect(decodePrebuiltKeywords(file, key)).toBeDefined();
    expect(decodePrebuiltKeywords(file, Buffer.alloc(32, 2))).toBeUndefined();
    expect(decodePrebuiltKeywords(file.subarray(0, file.length - 4), key)).toBeUndefined();
    const otherMagic = Buffer.from(file);
    otherMagic.writeInt32LE(0x47534b57, 0);
    expect(decodePrebuiltKeywords(otherMagic, key)).toBeUndefined();
    const newerVersion = Buffer.from(file);
    newerVersion.writeInt32LE(2, 4);
    expect(decodePrebuiltKeywords(newerVersion, key)).toBeUndefined();
    const negativeLength = Buffer.from(file);
    negativeLength.writeInt32LE(-4, 16);
    expect(decodePrebuiltKeywords(negativeLength, key)).toBeUndefined();
  });

  test('rules with other keywords (a config that adds one) get their own automaton, which finds the new keyword', () => {
    const extra = {
      ...loadBuiltinRules()[0]!,
      id: 'zz-internal-token',
      keywords: ['zzinternal'],
      regex: 'zzinternal_([a-z0-9]{24})',
      secretGroup: 1,
    };
    const compiled = compileRules([...loadBuiltinRules(), extra]);
    const file = readFileSync(path.join(repoDir, PREBUILT_KEYWORDS));
    expect(decodePrebuiltKeywords(file, keyOf(compiled))).toBeUndefined();
    const id = compiled.keywords.table()!.patterns.indexOf('zzinternal');
    expect(id).toBeGreaterThanOrEqual(0);
    expect(compiled.keywords.positionsInBytes(Buffer.from('x = "ZZINTERNAL_abc"')).get(id)).toEqual([15]);
  });
});
