import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SealguardError } from '../../../src/shared/errors.js';
import { detect } from '../../../src/scan/engine/index.js';
import { compileRules, loadRuleFile, loadScanConfig } from '../../../src/scan/rules/index.js';
import { FIXTURE_RULES, tempDir, thrown } from './helpers.js';

const fakeToken = (): string => 'ghp_' + 'A1b2C3d4'.repeat(4) + 'Zz9Y';

describe('loadScanConfig', () => {
  test('without a .sealguard.yaml the defaults apply', () => {
    const cfg = loadScanConfig(tempDir());
    expect(cfg).toEqual({
      extend: { useDefault: true },
      rules: [],
      disabledRules: [],
      allow: { paths: [], regexes: [], stopwords: [] },
    });
  });

  test('a named --config file that does not exist is an error', () => {
    const e = thrown(() => loadScanConfig(tempDir(), 'missing.yaml')) as SealguardError;
    expect(e.code).toBe('CONFIG_NOT_FOUND');
    expect(e.exitCode).toBe(2);
  });

  test('.sealguard.yaml is read: extend, added rules without examples, disabled rules, allowlist', () => {
    const dir = tempDir({
      '.sealguard.yaml': `
extend: {useDefault: false}
rules:
  - id: internal-token
    description: Our internal service token
    regex: '\\b(itk_[a-z0-9]{24})\\b'
    keywords: [itk_]
disabledRules: [generic-api-key]
allow:
  paths: ['test/fixtures/**', '^vendor/']
  regexes: ['^dummy']
  stopwords: [sandbox]
`,
    });
    const cfg = loadScanConfig(dir);
    expect(cfg.extend.useDefault).toBe(false);
    expect(cfg.rules.map((r) => [r.id, r.source, r.severity])).toEqual([['internal-token', '.sealguard.yaml', 'high']]);
    expect(cfg.disabledRules).toEqual(['generic-api-key']);
    expect(cfg.allow).toEqual({ paths: ['test/fixtures/**', '^vendor/'], regexes: ['^dummy'], stopwords: ['sandbox'] });
  });

  test('every problem in the config is reported at once, each naming the file (and the rule)', () => {
    const dir = tempDir({
      'custom.yml': `
extends: {useDefault: false}
extend: {useDefault: maybe}
rules:
  - id: Bad Id
    description: x
    regex: '(?=x)'
disabledRules: generic-api-key
allow:
  regexes: ['(']
  globs: ['*.txt']
`,
    });
    const e = thrown(() => loadScanConfig(dir, 'custom.yml')) as SealguardError;
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`${e.details.length} problems in custom.yml`);
    const text = e.details.join('\n');
    expect(text).toContain("custom.yml: unknown field 'extends'");
    expect(text).toContain('custom.yml: extend.useDefault must be true or false');
    expect(text).toMatch(/custom\.yml: Bad Id: id must be kebab-case/);
    expect(text).toMatch(/custom\.yml: Bad Id: regex is not valid RE2 syntax/);
    expect(text).toContain('custom.yml: disabledRules must be a list of strings');
    expect(text).toMatch(/custom\.yml: allow\.regexes\[0\] is not a valid RE2 regex/);
    expect(text).toContain('custom.yml: unknown field allow.globs');
    expect(e.details).toHaveLength(7);
  });
});

describe('compileRules with a config', () => {
  const builtin = loadRuleFile(FIXTURE_RULES);

  test('disabled rules do not run, added rules do', () => {
    const dir = tempDir({
      '.sealguard.yaml': `rules:\n  - id: internal-token\n    description: d\n    regex: 'itk_([a-z0-9]{24})'\ndisabledRules: [github-pat]\n`,
    });
    const compiled = compileRules(builtin, loadScanConfig(dir));
    const ids = compiled.rules.map((r) => r.spec.id);
    expect(ids).toContain('internal-token');
    expect(ids).not.toContain('github-pat');
    expect(detect(compiled, { path: 'a', text: fakeToken() })).toEqual([]);
    const found = detect(compiled, { path: 'a', text: 'itk_' + 'q8w7e6r5t4y3u2i1o9p8a7s6' });
    expect(found.map((f) => f.ruleId)).toEqual(['internal-token']);
  });

  test('extend.useDefault: false drops the built-in rules', () => {
    const dir = tempDir({ '.sealguard.yaml': `extend: {useDefault: false}\n` });
    expect(compileRules(builtin, loadScanConfig(dir)).rules).toEqual([]);
  });

  test('a config rule with a built-in id replaces the built-in rule', () => {
    const dir = tempDir({
      '.sealguard.yaml': `rules:\n  - id: github-pat\n    description: stricter\n    regex: 'ghp_NEVERMATCHES'\n    keywords: [ghp_]\n`,
    });
    const compiled = compileRules(builtin, loadScanConfig(dir));
    expect(compiled.rules.filter((r) => r.spec.id === 'github-pat').map((r) => r.spec.description)).toEqual(['stricter']);
    expect(detect(compiled, { path: 'a', text: fakeToken() })).toEqual([]);
  });

  test('compiling specs that never went through the loader still rejects what RE2 rejects, naming the rule', () => {
    const bad = { ...builtin[0], id: 'hand-made', regex: '(a)\\1', source: 'api' };
    const e = thrown(() => compileRules([bad])) as SealguardError;
    expect(e.code).toBe('RULES_INVALID');
    expect(e.details).toEqual([expect.stringMatching(/^api: hand-made: regex is not valid RE2 syntax/)]);
  });

  test('the config file named by --config is resolved against the root', () => {
    const dir = tempDir({ 'cfg.yaml': 'disabledRules: [aws-access-key-id]\n' });
    expect(loadScanConfig(dir, 'cfg.yaml').disabledRules).toEqual(['aws-access-key-id']);
    expect(loadScanConfig('/', join(dir, 'cfg.yaml')).disabledRules).toEqual(['aws-access-key-id']);
  });
});
