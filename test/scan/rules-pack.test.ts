import { describe, expect, it } from 'vitest';
import { detect } from '../../src/scan/engine/index.js';
import { compileRules, loadBuiltinRules, runRuleExamples } from '../../src/scan/rules/index.js';
import type { RuleSpec } from '../../src/scan/types.js';

const specs: RuleSpec[] = loadBuiltinRules();
const compiled = compileRules(specs);
const results = runRuleExamples(compiled);

describe('the shipped rule packs', () => {
  it('ship at least 215 rules', () => {
    expect(specs.length).toBeGreaterThanOrEqual(215);
  });

  it('give every rule at least two match and two noMatch examples', () => {
    const thin = specs
      .filter((s) => s.examples.match.length < 2 || s.examples.noMatch.length < 2)
      .map((s) => `${s.source}: ${s.id}`);
    expect(thin).toEqual([]);
  });

  it('put one of its keywords in every match example, so the prefilter lets the example through', () => {
    const missing: string[] = [];
    for (const s of specs) {
      if (s.keywords.length === 0) continue;
      for (const example of s.examples.match) {
        const lower = example.toLowerCase();
        if (!s.keywords.some((k) => lower.includes(k))) missing.push(`${s.id}: ${example.slice(0, 60)}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('give every rule a description, tags and specific keywords', () => {
    // A keyword this short occurs in almost every file, which would make the prefilter useless.
    const vague = specs.filter((s) => s.keywords.some((k) => k.length < 2)).map((s) => s.id);
    expect(vague).toEqual([]);
    expect(specs.filter((s) => s.tags.length === 0 || s.description.length < 10).map((s) => s.id)).toEqual([]);
  });

  it('mark the catch-all assignment rules as generic so a provider rule wins on the same secret', () => {
    const generic = specs.filter((s) => s.source.endsWith('generic.yaml'));
    expect(generic.length).toBeGreaterThan(0);
    expect(generic.filter((s) => !s.tags.includes('generic')).map((s) => s.id)).toEqual([]);
  });
});

describe.each(specs.map((s) => [s.id, s] as const))('rule %s', (id) => {
  const mine = results.filter((r) => r.ruleId === id);

  it('finds every one of its match examples', () => {
    const failed = mine.filter((r) => r.kind === 'match' && !r.ok).map((r) => r.example);
    expect(failed).toEqual([]);
  });

  it('stays quiet on every one of its noMatch examples', () => {
    const failed = mine.filter((r) => r.kind === 'noMatch' && !r.ok).map((r) => r.example);
    expect(failed).toEqual([]);
  });
});

describe('scanning hostile input with all rules', () => {
  it('finishes a 2 MB line of near-miss text in well under a few seconds', () => {
    const nearMisses = [
      'password = "', 'AKIA', '-----BEGIN RSA PRIVATE KEY-----\n', 'mongodb://u:', 'xoxb-1234567890-',
      'token: ', 'ghp_', 'sk-ant-api03-', 'https://hooks.slack.com/services/', '"type": "service_account"',
    ];
    let text = '';
    while (text.length < 2_000_000) text += nearMisses.join('A'.repeat(50)) + 'a+/'.repeat(40);
    const started = performance.now();
    detect(compiled, { path: 'hostile.txt', text });
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
