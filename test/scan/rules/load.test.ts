import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SealguardError } from '../../../src/shared/errors.js';
import { loadBuiltinRules, loadRuleFile, loadRuleFiles } from '../../../src/scan/rules/index.js';
import { FIXTURE_RULES, tempDir, thrown } from './helpers.js';

const goodRule = (id: string): string => `
- id: ${id}
  description: A token
  regex: '\\b(tok_[a-z0-9]{20})\\b'
  keywords: [tok_]
  severity: high
  examples:
    match: ['tok_abcdefghij0123456789']
    noMatch: ['tok_short']
`;

describe('loadRuleFile', () => {
  test('a valid rule file gives rule specs with defaults filled in and the file named as source', () => {
    const specs = loadRuleFile(FIXTURE_RULES);
    expect(specs.map((s) => s.id)).toEqual(['github-pat', 'aws-access-key-id', 'private-key', 'generic-api-key']);
    const aws = specs[1];
    expect(aws.severity).toBe('critical');
    expect(aws.secretGroup).toBeUndefined();
    expect(aws.keywords).toEqual(['akia', 'asia']);
    expect(aws.source).toMatch(/test\/fixtures\/rules\/sample\.yaml$/);
    expect(specs[3].secretGroup).toBe(1);
  });

  test('every problem in a rule file is reported at once, each with the file and rule id', () => {
    const dir = tempDir({
      'bad.yaml': `
- id: Bad_Id
  description: bad id
  regex: 'x'
  examples: {match: ['x'], noMatch: []}
- id: lookbehind-rule
  description: uses look-behind
  regex: '(?<=key=)[a-z]+'
  examples: {match: ['key=abc'], noMatch: []}
- id: group-rule
  description: secret group too high
  regex: 'k=([a-z]+)'
  secretGroup: 3
  examples: {match: ['k=abc'], noMatch: []}
- id: shouty-keyword
  description: upper-case keyword
  regex: 'ABC[0-9]+'
  keywords: [ABC]
  examples: {match: ['ABC123'], noMatch: []}
- id: no-examples
  description: forgot examples
  regex: 'abc'
- id: typo-rule
  description: unknown field and wrong type
  regexp: 'abc'
  regex: 'abc'
  entropy: high
  examples: {match: ['abc'], noMatch: []}
- id: typo-rule
  description: duplicate
  regex: 'def'
  examples: {match: ['def'], noMatch: []}
`,
    });
    const err = thrown(() => loadRuleFile(join(dir, 'bad.yaml')));
    expect(err).toBeInstanceOf(SealguardError);
    const e = err as SealguardError;
    expect(e.code).toBe('RULES_INVALID');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`${e.details.length} problems in rules`);
    const file = join(dir, 'bad.yaml');
    const has = (ruleId: string, text: RegExp): void => {
      const hit = e.details.find((d) => d.includes(`: ${ruleId}: `) && text.test(d));
      expect(hit, `a problem for ${ruleId} matching ${text}; got:\n${e.details.join('\n')}`).toBeDefined();
      expect(hit!.startsWith(file) || hit!.includes('bad.yaml: ')).toBe(true);
    };
    has('Bad_Id', /kebab-case/);
    has('lookbehind-rule', /not valid RE2 syntax/);
    has('group-rule', /secretGroup 3 is beyond the regex's 1 capture group/);
    has('shouty-keyword', /keywords\[0\] 'ABC' must be lower-case/);
    has('no-examples', /missing examples/);
    has('typo-rule', /unknown field 'regexp'/);
    has('typo-rule', /entropy must be a number/);
    has('typo-rule', /duplicate id/);
    expect(e.details).toHaveLength(8);
  });

  test('a YAML syntax error is reported with its line number', () => {
    const dir = tempDir({ 'broken.yaml': `- id: a\n  description: x\n  regex: [unclosed\n` });
    const e = thrown(() => loadRuleFile(join(dir, 'broken.yaml'))) as SealguardError;
    expect(e.code).toBe('RULES_INVALID');
    expect(e.details[0]).toMatch(/broken\.yaml: line \d+: /);
  });

  test('a file that is not a list of rules says so', () => {
    const dir = tempDir({ 'map.yaml': 'id: a\n' });
    const e = thrown(() => loadRuleFile(join(dir, 'map.yaml'))) as SealguardError;
    expect(e.details).toEqual([expect.stringMatching(/map\.yaml: must be a YAML list of rules, got a map$/)]);
  });

  test('a missing rule file is a usage error naming the file', () => {
    const e = thrown(() => loadRuleFile('/nonexistent/rules.yaml')) as SealguardError;
    expect(e.code).toBe('RULES_NOT_FOUND');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('/nonexistent/rules.yaml');
  });

  test('a rule id defined in two files is reported with both files', () => {
    const dir = tempDir({ 'a.yaml': goodRule('same-id'), 'b.yaml': goodRule('same-id') });
    const e = thrown(() => loadRuleFiles([join(dir, 'a.yaml'), join(dir, 'b.yaml')])) as SealguardError;
    expect(e.details).toHaveLength(1);
    expect(e.details[0]).toMatch(/b\.yaml: same-id: duplicate id \(already defined in .*a\.yaml\)/);
  });

  test('error messages never contain the example secrets of the rule', () => {
    const dir = tempDir({
      'x.yaml': `- id: leaky\n  description: d\n  regex: '(?<=a)b'\n  examples: {match: ['SUPERSECRETVALUE123'], noMatch: []}\n`,
    });
    const e = thrown(() => loadRuleFile(join(dir, 'x.yaml'))) as SealguardError;
    expect([e.message, ...e.details].join('\n')).not.toContain('SUPERSECRETVALUE123');
  });
});

describe('loadBuiltinRules', () => {
  test('loads the shipped rules/*.yaml, naming each rule by its file under rules/', () => {
    const specs = loadBuiltinRules();
    expect(specs.length).toBeGreaterThan(0);
    for (const s of specs) expect(s.source).toMatch(/^rules\/[\w.-]+\.ya?ml$/);
    expect(new Set(specs.map((s) => s.id)).size).toBe(specs.length);
  });
});
