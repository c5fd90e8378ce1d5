import { describe, expect, test } from 'vitest';
import { detect } from '../../../src/scan/engine/index.js';
import { compileRules, loadRuleFile, loadScanConfig } from '../../../src/scan/rules/index.js';
import { parseGitleaksConfig } from '../../../src/scan/rules/gitleaks-config.js';
import { withoutAllowlisted } from '../../../src/scan/rules/finding-allowlist.js';
import type { ScanConfig } from '../../../src/scan/rules/config.js';
import type { Finding, Fragment } from '../../../src/scan/types.js';
import { SealguardError } from '../../../src/shared/errors.js';
import { FIXTURE_RULES, tempDir, thrown } from './helpers.js';

// Values for the custom rule below, built at run time so this file stays clean for `sealguard scan .`.
const itk = (body: string): string => 'itk_' + body.padEnd(24, 'q7').slice(0, 24);
const fakeGithubToken = (): string => 'ghp_' + 'A1b2C3d4'.repeat(4) + 'Zz9Y';
const builtin = loadRuleFile(FIXTURE_RULES);

const CUSTOM_RULE = `
[[rules]]
id = "internal-token"
description = "Internal service token"
regex = '''\\b(itk_[a-z0-9]{24})\\b'''
secretGroup = 1
entropy = 2.0
keywords = ["ITK_"]
tags = ["internal", "token"]
`;

/** Findings of a gitleaks config over some fragments, as the scan command filters them. */
function scan(config: ScanConfig, fragments: Fragment[]): Finding[] {
  const specs = config.extend.useDefault ? [...builtin, ...config.rules] : [...config.rules];
  const rules = compileRules(specs, config);
  return withoutAllowlisted(fragments.flatMap((f) => detect(rules, f)), config.findingAllowlists);
}

describe('.gitleaks.toml', () => {
  test('[[rules]] become rules: id, description, regex, secretGroup, entropy, lower-cased keywords, tags', () => {
    const cfg = parseGitleaksConfig(CUSTOM_RULE, '.gitleaks.toml');
    expect(cfg.extend.useDefault).toBe(false);
    expect(cfg.rules).toEqual([
      expect.objectContaining({
        id: 'internal-token',
        description: 'Internal service token',
        secretGroup: 1,
        entropy: 2,
        keywords: ['itk_'],
        tags: ['internal', 'token'],
        source: '.gitleaks.toml',
      }),
    ]);
    const found = scan(cfg, [{ path: 'a.env', text: `TOKEN=${itk('a8f3k2m9x')}\nGH=${fakeGithubToken()}\n` }]);
    expect(found.map((f) => [f.ruleId, f.startLine])).toEqual([['internal-token', 1]]);
  });

  test("gitleaks' own pattern style (inline flags, (?-i:…), \\x60, named groups) compiles and runs", () => {
    const cfg = parseGitleaksConfig(
      `[[rules]]
id = "generic-style"
regex = '''(?i)[\\w.-]{0,50}?(?:(?-i:[Aa]pi|API)|token)(?:[ \\t\\w.-]{0,20})[\\s'"]{0,3}(?:=|:)[\\x60'"\\s=]{0,5}(?P<secret>[a-z0-9]{20,40})(?:[\\x60'"\\s;]|$)'''
secretGroup = 1
keywords = ["api", "token"]
`,
      '.gitleaks.toml',
    );
    const value = 'k2m9x7q4'.repeat(3);
    const found = scan(cfg, [{ path: 'a.env', text: `MY_TOKEN = "${value}"
` }]);
    expect(found.map((f) => f.secret.reveal())).toEqual([value]);
  });

  test('[extend] useDefault = true runs the built-in rules as well as the config rules', () => {
    const cfg = parseGitleaksConfig(`[extend]\nuseDefault = true\ndisabledRules = ["aws-access-key-id"]\n${CUSTOM_RULE}`, '.gitleaks.toml');
    expect(cfg.extend.useDefault).toBe(true);
    expect(cfg.disabledRules).toEqual(['aws-access-key-id']);
    const found = scan(cfg, [{ path: 'a.env', text: `TOKEN=${itk('a8f3k2m9x')}\nGH=${fakeGithubToken()}\n` }]);
    expect(found.map((f) => f.ruleId).sort()).toEqual(['github-pat', 'internal-token']);
  });

  test('a rule allowlist (old [rules.allowlist] and new [[rules.allowlists]]) accepts by stopword, path or regex', () => {
    const cfg = parseGitleaksConfig(
      `${CUSTOM_RULE}
[rules.allowlist]
stopwords = ["sandbox"]

[[rules]]
id = "other-token"
regex = '''([A-Z_]+)=(otk_[a-z0-9]{24})\\b'''
secretGroup = 2
keywords = ["otk_"]
[[rules.allowlists]]
paths = ['''^fixtures/''']
[[rules.allowlists]]
regexTarget = "match"
regexes = ['''^EXAMPLE_''']
`,
      '.gitleaks.toml',
    );
    const otk = (b: string): string => 'otk_' + b.padEnd(24, 'z3').slice(0, 24);
    const found = scan(cfg, [
      { path: 'a.env', text: `A=${itk('sandboxk2m9x')}\nB=${itk('prodk2m9x')}\n` },
      { path: 'fixtures/b.env', text: `C=${otk('x9y8w7')}\n` },
      { path: 'c.env', text: `EXAMPLE_D=${otk('x9y8w7')}\nE=${otk('v5u4t3')}\n` },
    ]);
    expect(found.map((f) => `${f.file}:${f.startLine}`)).toEqual(['a.env:2', 'c.env:2']);
  });

  test('global [allowlist] and [[allowlists]] accept by path, regex (secret), stopword; targetRules limits one to some rules', () => {
    const cfg = parseGitleaksConfig(
      `${CUSTOM_RULE}
[allowlist]
paths = ['''(^|/)vendor/''']

[[allowlists]]
regexes = ['''^itk_dev''']

[[allowlists]]
targetRules = ["internal-token"]
stopwords = ["staging"]
`,
      '.gitleaks.toml',
    );
    expect(cfg.allow.paths).toEqual(['(?:(^|/)vendor/)']);
    const found = scan(cfg, [
      { path: 'lib/vendor/x.env', text: `A=${itk('k2m9x')}\n` },
      { path: 'a.env', text: `B=${itk('devk2m9x')}\nC=${itk('stagingk2m9x')}\nD=${itk('prodk2m9x')}\n` },
    ]);
    expect(found.map((f) => `${f.file}:${f.startLine}`)).toEqual(['a.env:3']);
  });

  test('condition = "AND" with commits accepts only when every list matches', () => {
    const cfg = parseGitleaksConfig(
      `${CUSTOM_RULE}
[[allowlists]]
condition = "AND"
commits = ["${'c'.repeat(40)}"]
paths = ['''^old/''']
`,
      '.gitleaks.toml',
    );
    const commit = (sha: string) => ({ sha, author: 'a', email: 'a@b', date: '2024-01-01T00:00:00Z', message: 'm' });
    const text = `A=${itk('k2m9x')}\n`;
    const found = scan(cfg, [
      { path: 'old/a.env', text, commit: commit('c'.repeat(40)) },
      { path: 'old/a.env', text, commit: commit('d'.repeat(40)) },
      { path: 'new/a.env', text, commit: commit('c'.repeat(40)) },
    ]);
    expect(found.map((f) => `${f.file}@${f.commit!.sha[0]}`)).toEqual(['old/a.env@d', 'new/a.env@c']);
  });

  test('a rule with only an id and an allowlist refines a built-in rule of the same id', () => {
    const cfg = parseGitleaksConfig(
      `[extend]\nuseDefault = true\n[[rules]]\nid = "github-pat"\n[[rules.allowlists]]\npaths = ['''^docs/''']\n`,
      '.gitleaks.toml',
    );
    const text = `token = "${fakeGithubToken()}"\n`;
    const found = scan(cfg, [{ path: 'docs/setup.md', text }, { path: 'src/a.ts', text }]);
    expect(found.map((f) => f.file)).toEqual(['src/a.ts']);
  });

  test('a pattern RE2 cannot compile (look-ahead) is a one-line error naming the rule, exit 2', () => {
    const e = thrown(() => parseGitleaksConfig(`[[rules]]\nid = "lookahead"\nregex = '''foo(?=bar)'''\n`, '.gitleaks.toml')) as SealguardError;
    expect(e).toBeInstanceOf(SealguardError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/^\.gitleaks\.toml: rule 'lookahead': regex is not valid RE2 syntax/);
    expect(e.message).not.toContain('\n');
  });

  test('several problems are all listed; a TOML syntax error names the line', () => {
    const e = thrown(() =>
      parseGitleaksConfig(`[[rules]]\nid = "a"\nregex = '''(x'''\n[[rules]]\nregex = "y"\n[[allowlists]]\nregexTarget = "file"\n`, 'g.toml'),
    ) as SealguardError;
    expect(e.message).toBe('3 problems in g.toml');
    expect(e.details).toEqual([
      expect.stringMatching(/^g\.toml: rule 'a': regex is not valid RE2/),
      'g.toml: rules[1]: missing id',
      'g.toml: allowlists[0]: regexTarget must be "secret", "match" or "line"',
    ]);
    const syntax = thrown(() => parseGitleaksConfig('[[rules]]\nid = \n', 'g.toml')) as SealguardError;
    expect(syntax.message).toMatch(/^g\.toml: line 2: /);
    expect(syntax.exitCode).toBe(2);
  });

  test('is read when there is no .sealguard.yaml, with a notice saying so; .sealguard.yaml wins when both exist', () => {
    const onlyGitleaks = loadScanConfig(tempDir({ '.gitleaks.toml': CUSTOM_RULE }));
    expect(onlyGitleaks.rules.map((r) => r.id)).toEqual(['internal-token']);
    expect(onlyGitleaks.notice).toMatch(/no \.sealguard\.yaml; using \.gitleaks\.toml/);
    const both = loadScanConfig(tempDir({ '.gitleaks.toml': CUSTOM_RULE, '.sealguard.yaml': 'disabledRules: [x]\n' }));
    expect(both.rules).toEqual([]);
    expect(both.notice).toBeUndefined();
    const explicit = loadScanConfig(tempDir({ 'custom.toml': CUSTOM_RULE }), 'custom.toml');
    expect(explicit.rules.map((r) => r.id)).toEqual(['internal-token']);
  });

  test('features we do not support are named in the notice instead of silently dropped', () => {
    const cfg = parseGitleaksConfig(
      `[[rules]]\nid = "pem-file"\npath = '''\\.pem$'''\n[[rules]]\nid = "part"\nregex = "x{3}"\nskipReport = true\n`,
      '.gitleaks.toml',
    );
    expect(cfg.notice).toMatch(/not supported, ignored: rule 'pem-file': path-only rule \(no regex\), rule 'part': skipReport rule/);
    expect(cfg.rules).toEqual([]);
  });
});
