import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileRules, loadBuiltinRules, loadRuleFile, runRuleExamples } from '../../../src/scan/rules/index.js';
import { FIXTURE_RULES, tempDir } from './helpers.js';

describe('runRuleExamples', () => {
  test('every example of the sample rules passes', () => {
    const results = runRuleExamples(compileRules(loadRuleFile(FIXTURE_RULES)));
    expect(results.length).toBeGreaterThan(8);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  test('a match example the rule misses and a noMatch example it finds are both reported', () => {
    const dir = tempDir({
      'r.yaml': `
- id: demo-token
  description: demo
  regex: '\\b(dmo_[A-Za-z0-9]{20})\\b'
  keywords: [dmo_]
  examples:
    match: ['dmo_short', 'dmo_Q8w7E6r5T4y3U2i1O9p8']
    noMatch: ['dmo_Z9y8X7w6V5u4T3s2R1q0', 'nothing here']
`,
    });
    const results = runRuleExamples(compileRules(loadRuleFile(join(dir, 'r.yaml'))));
    expect(results.map((r) => [r.kind, r.index, r.ok])).toEqual([
      ['match', 0, false],
      ['match', 1, true],
      ['noMatch', 0, false],
      ['noMatch', 1, true],
    ]);
    expect(results[0]).toMatchObject({ ruleId: 'demo-token', example: 'dmo_short', reason: 'expected a finding, got none' });
  });

  test('a match example without any of the rule keywords fails, since the rule would never run on it', () => {
    const dir = tempDir({
      'r.yaml': `
- id: keyword-less-example
  description: demo
  regex: '\\b([A-Za-z0-9]{20})\\b'
  keywords: [svc_key]
  examples: {match: ['Q8w7E6r5T4y3U2i1O9p8'], noMatch: []}
`,
    });
    const [result] = runRuleExamples(compileRules(loadRuleFile(join(dir, 'r.yaml'))));
    expect(result.ok).toBe(false);
  });

  test('the shipped rules all load and compile (their examples are checked by the rule-pack tests)', () => {
    const compiled = compileRules(loadBuiltinRules());
    expect(compiled.rules.length).toBeGreaterThan(0);
    expect(compiled.rules.every((r) => r.regex !== undefined)).toBe(true);
  });
});
