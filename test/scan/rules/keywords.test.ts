import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { KeywordMatcher } from '../../../src/scan/rules/keywords.js';
import { countGroups, compileRe2, spansLines } from '../../../src/scan/rules/regex.js';
import { loadBuiltinRules } from '../../../src/scan/rules/index.js';

const found = (patterns: string[], text: string): string[] =>
  [...new KeywordMatcher(patterns).find(text)].map((i) => patterns[i]).sort();

describe('keyword automaton', () => {
  test('finds overlapping and nested keywords (the classic he/she/his/hers case)', () => {
    expect(found(['he', 'she', 'his', 'hers'], 'ushers')).toEqual(['he', 'hers', 'she']);
  });

  test('matches case-insensitively', () => {
    expect(found(['ghp_', 'akia'], 'TOKEN=GHP_abc AkIa')).toEqual(['akia', 'ghp_']);
  });

  test('a keyword that is a suffix of a failed longer match is still found', () => {
    expect(found(['abcd', 'bce'], 'abce')).toEqual(['bce']);
  });

  test('non-ASCII keywords and text work', () => {
    expect(found(['clé', 'ключ'], 'Mot de CLÉ et КЛЮЧ')).toEqual(['clé', 'ключ']);
    expect(found(['key'], 'ünïcödé key ✓')).toEqual(['key']);
  });

  test('no keywords finds nothing', () => {
    expect(found([], 'anything')).toEqual([]);
  });

  test('agrees with a naive lower-case substring search on random texts', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', 'A', 'B', '_', '-', 'é', 'É', ' ');
    const word = fc.string({ unit: alphabet, minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), fc.string({ unit: alphabet, maxLength: 60 }), (words, text) => {
        const patterns = [...new Set(words.map((w) => w.toLowerCase()))];
        const naive = patterns.filter((p) => text.toLowerCase().includes(p)).sort();
        expect(found(patterns, text)).toEqual(naive);
      }),
      { numRuns: 500 },
    );
  });
});

describe('capture group counting', () => {
  test.each([
    ['abc', 0],
    ['(a)(b)', 2],
    ['(?:a)(b)', 1],
    ['(?i)(a)', 1],
    ['(?P<name>a)(?<other>b)', 2],
    ['\\(a\\)', 0],
    ['[(](a)', 1],
    ['[]()](a)', 1],
    ['[^]()](a)', 1],
    ['[[:alpha:]()](a)', 1],
    ['\\Q(a)\\E(b)', 1],
  ])('%s has %i capture groups', (pattern, n) => {
    expect(countGroups(pattern)).toBe(n);
  });

  test('agrees with RE2 itself on every shipped rule', () => {
    for (const spec of loadBuiltinRules()) {
      const probe = compileRe2(`(?:${spec.regex})|`, '');
      if (!probe.ok) throw new Error(`${spec.id}: ${probe.error}`);
      const m = probe.regex.exec('');
      expect(countGroups(spec.regex), spec.id).toBe(m!.length - 1);
    }
  });
});

describe('whether a rule is searched across lines (multi-line windows)', () => {
  test.each([
    ['-----BEGIN[\\s\\S]{0,64}-----END', true],
    ['key\\n[a-z]+', true],
    ['(?s)BEGIN.*END', true],
    ['(?is:begin.+end)', true],
    ['a[\\r\\n]+b', true],
    ['a\\x0ab', true],
    ['a\\x{0A}b', true],
    ['(?i)password\\s*=\\s*(\\S+)', false],
    ['server=[^;\\r\\n]{1,200};[^\\r\\n]{0,300}?password=([^;\\r\\n]+)', false],
    ['docker\\s+login\\b[^\\n]*?\\s-p', false],
    ['\\Q\\n\\E(a)', false],
    ['(?i)(?:a|b)', false],
    ['(?-s:a.b)', false],
  ])('%s: %s', (pattern, spans) => {
    expect(spansLines(pattern)).toBe(spans);
  });

  test('the shipped connection-string, docker, mysql and curl rules are single-line; PEM and service-account keys are not', () => {
    const byId = new Map(loadBuiltinRules().map((s) => [s.id, s.regex]));
    for (const id of ['database-connection-string-password', 'docker-login-password', 'mysql-cli-password', 'curl-basic-auth']) expect(spansLines(byId.get(id)!), id).toBe(false);
    for (const id of ['private-key-rsa', 'private-key-openssh', 'gcp-service-account-key']) expect(spansLines(byId.get(id)!), id).toBe(true);
  });
});
