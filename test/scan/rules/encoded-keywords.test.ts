import { describe, expect, it } from 'vitest';
import { base64Stable, encodedKeywords } from '../../../src/scan/rules/encoded-keywords.js';
import { compileRules, loadBuiltinRules } from '../../../src/scan/rules/index.js';
import { parseRuleText } from '../../../src/scan/rules/load.js';

describe('encoded keywords', () => {
  it('are the base64 characters a keyword always encodes to, whatever surrounds it', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'my ']) {
      for (const suffix of ['', '!', 'xyz']) {
        const encoded = Buffer.from(`${prefix}password${suffix}`).toString('base64');
        const align = prefix.length % 3;
        expect(encoded).toContain(base64Stable('password', align));
      }
    }
    expect(base64Stable('ghp_', 0)).toBe('Z2hwX');
  });

  it('take the spelling the rule examples show for a token prefix', () => {
    const derived = encodedKeywords([{ keywords: ['akia'], examples: ['id = AKIA' + 'Q7W2E5R3T6Y4U6I3'], generic: false }]);
    expect(derived.map((d) => d.pattern)).toEqual([base64Stable('AKIA', 0).slice(0, 6).toLowerCase(), '%3d', '%3a', '%22', '%27', '%40', '%2f', '%2b']);
  });

  it('derive generic words at every alignment and in hex, skipping words that contain a shorter one', () => {
    const derived = encodedKeywords([{ keywords: ['secret', 'secret_key'], examples: [], generic: true }]);
    const patterns = derived.map((d) => d.pattern);
    expect(patterns).toContain(Buffer.from('ecret').toString('hex').slice(0, 10));
    expect(patterns.some((p) => p.startsWith(Buffer.from('ecret_key').toString('hex').slice(0, 12)))).toBe(false);
  });

  it('share the one keyword automaton with the rules, after the rules\' own keywords', () => {
    const compiled = compileRules(loadBuiltinRules());
    expect(compiled.decodeTriggers?.length).toBeGreaterThan(100);
    const hits = compiled.keywords.find(Buffer.from('DB_PASSWORD=hunter2hunter2').toString('base64'));
    expect([...hits].some((id) => id >= compiled.keywordRules.length)).toBe(true);
  });
});

describe('rule checksum field', () => {
  it('accepts github-crc32 and names the known checksums otherwise', () => {
    const rule = (validate: string) =>
      `- id: t\n  description: test rule\n  regex: 'ghp_[A-Za-z0-9]{36}'\n  keywords: [ghp_]\n  validate: ${validate}\n  tags: [t]\n  examples: {match: [ghp_x], noMatch: []}\n`;
    expect(parseRuleText(rule('github-crc32'), 'r.yaml').specs[0]?.validate).toBe('github-crc32');
    expect(parseRuleText(rule('luhn'), 'r.yaml').problems).toEqual(['r.yaml: t: validate must be one of github-crc32']);
  });
});
