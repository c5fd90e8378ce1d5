import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { detect } from '../../../src/scan/engine/index.js';
import { compileRules } from '../../../src/scan/rules/index.js';
import type { Fragment } from '../../../src/scan/types.js';
import { config, fakeAwsKeyId, fakeGithubToken, fakePemBlock, randomToken, rule, sampleRules } from './helpers.js';

const rules = sampleRules();
const scan = (text: string, path = 'src/app.ts', extra: Partial<Fragment> = {}) => detect(rules, { path, text, ...extra });

describe('detect: location, secret and fingerprint', () => {
  test('a token is reported with the 1-based line and column of the secret, like gitleaks', () => {
    const token = fakeGithubToken();
    const [f, ...rest] = scan(`// config\nconst token = "${token}";\n`);
    expect(rest).toEqual([]);
    expect(f.ruleId).toBe('github-pat');
    expect(f.description).toBe('GitHub personal access token');
    expect(f.file).toBe('src/app.ts');
    expect([f.startLine, f.endLine]).toEqual([2, 2]);
    expect(f.startColumn).toBe('const token = "'.length + 1);
    expect(f.endColumn).toBe('const token = "'.length + token.length);
    expect(f.secret.reveal()).toBe(token);
    expect(f.match.reveal()).toBe(token);
    expect(f.severity).toBe('high');
    expect(f.tags).toEqual(['github', 'token']);
    expect(f.entropy).toBeGreaterThan(3);
  });

  test('the fingerprint is file:rule-id:first 12 hex of sha256(secret), without line or commit', () => {
    const token = fakeGithubToken();
    const hash = createHash('sha256').update(token).digest('hex').slice(0, 12);
    const [a] = scan(`x = "${token}"`, 'cfg/a.env');
    const [b] = scan(`\n\n\nmoved = "${token}"`, 'cfg/a.env', {
      commit: { sha: 'c0ffee', author: 'A', email: 'a@example.org', date: '2024-01-01T00:00:00Z', message: 'm' },
    });
    expect(a.fingerprint).toBe(`cfg/a.env:github-pat:${hash}`);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(b.commit?.sha).toBe('c0ffee');
  });

  test('printing a finding shows masks, never the secret', () => {
    const token = fakeGithubToken();
    const [f] = scan(`token: ${token}`);
    expect(JSON.stringify(f)).not.toContain(token);
    expect(`${f.secret} ${f.match}`).not.toContain(token);
  });

  test('a PEM private key spanning lines is one finding with its first and last line', () => {
    const pem = fakePemBlock();
    const text = `header\n\n${pem}\ntrailer\n`;
    const found = scan(text, 'keys/id_rsa');
    expect(found).toHaveLength(1);
    const [f] = found;
    expect(f.ruleId).toBe('private-key');
    expect([f.startLine, f.endLine]).toEqual([3, 7]);
    expect(f.startColumn).toBe(1);
    expect(f.endColumn).toBe('-----END RSA PRIVATE KEY-----'.length);
    expect(f.secret.reveal()).toBe(pem);
  });

  test('in a diff fragment, lines map to the line numbers of the new file', () => {
    const token = fakeGithubToken();
    const f = scan(`added one\nadded two\nkey = "${token}"`, 'src/x.py', { lines: [10, 11, 42] });
    expect(f.map((x) => [x.startLine, x.endLine, x.startColumn])).toEqual([[42, 42, 8]]);
  });

  test('columns count UTF-16 characters even after accents and emoji earlier in the text', () => {
    const token = fakeGithubToken();
    const prefix = 'clé = "😀 ü" // ';
    const [f] = scan(`ünïcödé ✓\n${prefix}${token}\n`);
    expect(f.secret.reveal()).toBe(token);
    expect(f.startLine).toBe(2);
    expect(f.startColumn).toBe(prefix.length + 1);
  });

  test('in a long text with accents and emoji, a token far from the start is found at its exact column', () => {
    const token = fakeGithubToken();
    const filler = 'const greeting = "héllo wörld 😀"; // ✓ nothing to see\n'.repeat(2000);
    const prefix = 'clé = "😀 ü" // ';
    const found = scan(`${filler}${prefix}${token}\n${filler}`);
    expect(found.map((f) => [f.startLine, f.startColumn, f.secret.reveal()])).toEqual([[2001, prefix.length + 1, token]]);
  });

  test('the same token on two lines gives two findings with the same fingerprint', () => {
    const token = fakeGithubToken();
    const found = scan(`a = "${token}"\nb = "${token}"\n`);
    expect(found.map((f) => f.startLine)).toEqual([1, 2]);
    expect(found[0].fingerprint).toBe(found[1].fingerprint);
  });

  test('clean text gives no findings', () => {
    expect(scan('const answer = 42;\nfunction hello() { return "world"; }\n')).toEqual([]);
    expect(scan('')).toEqual([]);
  });
});

describe('detect: keyword prefilter', () => {
  const specs = [
    rule({ id: 'needs-keyword', regex: '\\b(tok_[A-Za-z0-9]{20})\\b', keywords: ['zzsvc'] }),
    rule({ id: 'no-keyword', regex: '\\b(nk_[A-Za-z0-9]{20})\\b' }),
  ];
  const compiled = compileRules(specs);
  const value = randomToken(20);

  test('a rule whose keywords do not occur in the text does not run, even if its regex would match', () => {
    expect(detect(compiled, { path: 'a', text: `tok_${value}` })).toEqual([]);
  });

  test('keywords match case-insensitively, and the rule looks at the keyword line and the next', () => {
    const found = detect(compiled, { path: 'a', text: `ZZSvc settings\ntok_${value}` });
    expect(found.map((f) => f.ruleId)).toEqual(['needs-keyword']);
  });

  test('a keyword far from the candidate does not make the rule run there', () => {
    const found = detect(compiled, { path: 'a', text: `ZZSvc settings\n\n\ntok_${value}` });
    expect(found.map((f) => f.ruleId)).toEqual([]);
  });

  test('a keyword on the line after another keyword still reaches the line after it', () => {
    const found = detect(compiled, { path: 'a', text: `zzsvc one\nzzsvc two\ntok_${value}\n${'filler line\n'.repeat(400)}` });
    expect(found.map((f) => f.ruleId)).toEqual(['needs-keyword']);
  });

  test('with many keywords in a text, each finds the token on its own line or the next, and none further away', () => {
    const filler = 'plain filler text without any of the words\n'.repeat(40);
    const tokens = Array.from({ length: 30 }, () => randomToken(20));
    // Even blocks: the token on the line after the keyword. Odd blocks: three lines after it.
    const text = tokens.map((t, i) => `zzsvc block ${i}\n${i % 2 === 0 ? '' : '\n\n\n'}tok_${t}\n${filler}`).join('');
    const found = detect(compiled, { path: 'a', text }).map((f) => f.secret.reveal());
    expect(found).toEqual(tokens.map((t) => `tok_${t}`).filter((_, i) => i % 2 === 0));
  });

  test('on a long line, a token within reach after any of its keywords is found, one beyond every reach is not', () => {
    const near = randomToken(20);
    const far = randomToken(20);
    const long = Array.from({ length: 20 }, (_, i) => `zzsvc=${i} ${'x'.repeat(1000)}`).join(' ');
    const text = `${long} tok_${near} ${'y'.repeat(6000)} tok_${far}\n${'filler line\n'.repeat(4000)}`;
    const found = detect(compiled, { path: 'a', text }).map((f) => f.secret.reveal());
    expect(found).toEqual([`tok_${near}`]);
  });

  test('a rule that keeps its match on one line ([^\\r\\n]) is searched on its keyword lines only; one written to span lines looks far ahead', () => {
    const lineRules = compileRules([
      rule({ id: 'one-line', regex: 'zzsvc=[^\\r\\n]{0,20}?(tok_[A-Za-z0-9]{20})', keywords: ['zzsvc'] }),
      rule({ id: 'spans-lines', regex: 'zzblk[\\s\\S]{0,1000}?(blk_[A-Za-z0-9]{20})', keywords: ['zzblk'] }),
    ]);
    expect(lineRules.rules.map((r) => r.multiline)).toEqual([false, true]);
    const a = randomToken(20);
    const b = randomToken(20);
    const text = `zzsvc= tok_${a}\nzzblk\n${'line of text\n'.repeat(50)}blk_${b}\n${'filler line\n'.repeat(2000)}`;
    expect(detect(lineRules, { path: 'a', text }).map((f) => [f.ruleId, f.startLine])).toEqual([
      ['one-line', 1],
      ['spans-lines', 53],
    ]);
  });

  test('a rule without keywords runs on every fragment', () => {
    expect(detect(compiled, { path: 'a', text: `nk_${value}` }).map((f) => f.ruleId)).toEqual(['no-keyword']);
  });
});

describe('detect: secret group', () => {
  test('secretGroup picks which capture is the secret, and the column follows it', () => {
    const v = randomToken(20);
    const compiled = compileRules([rule({ id: 'two-groups', regex: '(user)=(\\w+) pass=(\\w{20})', secretGroup: 3 })]);
    const [f] = detect(compiled, { path: 'a', text: `user=bob pass=${v}` });
    expect(f.secret.reveal()).toBe(v);
    expect(f.match.reveal()).toBe(`user=bob pass=${v}`);
    expect(f.startColumn).toBe('user=bob pass='.length + 1);
  });

  test('without secretGroup, the first group that took part in the match is the secret', () => {
    const v = randomToken(20);
    const compiled = compileRules([rule({ id: 'alternatives', regex: 'a=(\\w{20})|b=(\\w{20})' })]);
    const [f] = detect(compiled, { path: 'a', text: `b=${v}` });
    expect(f.secret.reveal()).toBe(v);
  });

  test('a regex without groups reports the whole match', () => {
    const v = randomToken(20);
    const compiled = compileRules([rule({ id: 'whole', regex: 'wk_\\w{20}' })]);
    expect(detect(compiled, { path: 'a', text: `x wk_${v} y` })[0].secret.reveal()).toBe(`wk_${v}`);
  });

  test('the secret is found at its own position even when its text also occurs earlier in the match', () => {
    const compiled = compileRules([rule({ id: 'repeat', regex: 'Q7pX9z(?:-)(Q7pX9z)', secretGroup: 1 })]);
    const [f] = detect(compiled, { path: 'a', text: 'Q7pX9z-Q7pX9z' });
    expect(f.startColumn).toBe(8);
  });
});

describe('detect: filters', () => {
  test('a value below the rule entropy is not reported', () => {
    expect(scan('api_secret = "aaaabbbbccccdddd"')).toEqual([]);
    expect(scan(`api_secret = "${randomToken(32)}"`).map((f) => f.ruleId)).toEqual(['generic-api-key']);
  });

  test.each([
    ['a documented AWS example key', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE'],
    ['a masked token', 'token = "ghp_' + 'x'.repeat(36) + '"'],
    ['an environment lookup', 'api_key = process.env.API_KEY'],
    ['a member path', 'secret_key = config.secretKey'],
    ['a call', 'password = getPassword()'],
    ['a shell variable', 'password=$DB_PASSWORD'],
    ['a placeholder with change-me', 'api_secret = "changeme-please-now"'],
  ])('%s is not reported', (_name, text) => {
    expect(scan(text)).toEqual([]);
  });

  test('a rule allow regex or stopword on the secret suppresses it', () => {
    const v = randomToken(20);
    const base = { id: 'allowing', regex: 'al_(\\w{20,})' };
    const byRegex = compileRules([rule({ ...base, allow: { regexes: ['^TESTONLY'] } })]);
    const byStopword = compileRules([rule({ ...base, allow: { stopwords: ['sandbox'] } })]);
    expect(detect(byRegex, { path: 'a', text: `al_TESTONLY${v}` })).toEqual([]);
    expect(detect(byRegex, { path: 'a', text: `al_${v}` })).toHaveLength(1);
    expect(detect(byStopword, { path: 'a', text: `al_${v}SANDBOX` })).toEqual([]);
    expect(detect(byStopword, { path: 'a', text: `al_${v}` })).toHaveLength(1);
  });

  test('the global allowlist of the config applies to every rule', () => {
    const token = fakeGithubToken();
    const withStopword = sampleRules(config({ allow: { paths: [], regexes: [], stopwords: ['a1b2c3d4a1b2'] } }));
    const withRegex = sampleRules(config({ allow: { paths: [], regexes: ['Zz9Y$'], stopwords: [] } }));
    expect(detect(withStopword, { path: 'a', text: token })).toEqual([]);
    expect(detect(withRegex, { path: 'a', text: token })).toEqual([]);
  });
});

describe('detect: paths', () => {
  const token = fakeGithubToken();

  test('a path on the global allowlist is not scanned, as a glob or as a regex', () => {
    const globs = sampleRules(config({ allow: { paths: ['test/fixtures/**', '*.lock'], regexes: [], stopwords: [] } }));
    const regexes = sampleRules(config({ allow: { paths: ['^vendor/.*\\.js$'], regexes: [], stopwords: [] } }));
    expect(detect(globs, { path: 'test/fixtures/x/y.txt', text: token })).toEqual([]);
    expect(detect(globs, { path: 'deep/dir/yarn.lock', text: token })).toEqual([]);
    expect(detect(globs, { path: 'src/y.txt', text: token })).toHaveLength(1);
    expect(detect(regexes, { path: 'vendor/lib.js', text: token })).toEqual([]);
    expect(detect(regexes, { path: 'src/vendor/lib.js', text: token })).toHaveLength(1);
  });

  test('a rule with a path only runs on matching paths, and its allow.paths are skipped', () => {
    const compiled = compileRules([
      rule({ id: 'npmrc-token', regex: '_authToken=(\\w{20,})', path: '(^|/)\\.npmrc$', allow: { paths: ['^examples/'] } }),
    ]);
    const text = `//registry.example.org/:_authToken=${randomToken(24)}`;
    expect(detect(compiled, { path: 'app/.npmrc', text })).toHaveLength(1);
    expect(detect(compiled, { path: 'app/npmrc.txt', text })).toEqual([]);
    expect(detect(compiled, { path: 'examples/.npmrc', text })).toEqual([]);
  });
});

describe('detect: inline ignores', () => {
  const token = fakeGithubToken();
  test.each([
    ['sealguard:allow', `t = "${token}" # sealguard:allow`],
    ['gitleaks:allow', `t = "${token}" // gitleaks:allow`],
    ['pragma: allowlist secret', `t = "${token}"  # pragma: allowlist secret`],
    ['sealguard:allow-next-line', `# sealguard:allow-next-line\nt = "${token}"`],
    ['pragma: allowlist nextline secret', `# pragma: allowlist nextline secret\nt = "${token}"`],
  ])('%s suppresses the finding', (_marker, text) => {
    expect(scan(text)).toEqual([]);
  });

  test('an allow marker covers only its own line, and allow-next-line only the next one', () => {
    expect(scan(`a = 1 # sealguard:allow\nt = "${token}"`)).toHaveLength(1);
    expect(scan(`# sealguard:allow-next-line\n\nt = "${token}"`)).toHaveLength(1);
    expect(scan(`t = "${token}" # sealguard:allow-next-line`)).toHaveLength(1);
  });

  test('in a diff, allow-next-line counts only if that line really is the line before in the file', () => {
    const text = `# sealguard:allow-next-line\nt = "${token}"`;
    expect(scan(text, 'a.py', { lines: [4, 5] })).toEqual([]);
    expect(scan(text, 'a.py', { lines: [4, 9] })).toHaveLength(1);
  });

  test('an allow marker anywhere on a multi-line key block suppresses it', () => {
    const pem = fakePemBlock().replace('-----\n', '----- sealguard:allow\n');
    expect(scan(pem)).toEqual([]);
  });
});

describe('detect: dedupe', () => {
  test('a provider rule wins over a generic rule on the same secret', () => {
    const found = scan(`api_token = "${fakeGithubToken()}"`);
    expect(found.map((f) => f.ruleId)).toEqual(['github-pat']);
  });

  test('two rules finding the very same span report it once, the earlier rule winning', () => {
    const v = randomToken(24);
    const compiled = compileRules([
      rule({ id: 'first-rule', regex: 'dd_(\\w{24})' }),
      rule({ id: 'second-rule', regex: '(?:dd_|ee_)(\\w{24})' }),
    ]);
    expect(detect(compiled, { path: 'a', text: `dd_${v}` }).map((f) => f.ruleId)).toEqual(['first-rule']);
  });

  test('findings come out in text order', () => {
    const text = `k = "${fakeAwsKeyId()}"\nt = "${fakeGithubToken()}"\nz = "${fakeAwsKeyId()}"`;
    expect(scan(text).map((f) => [f.startLine, f.ruleId])).toEqual([
      [1, 'aws-access-key-id'],
      [2, 'github-pat'],
      [3, 'aws-access-key-id'],
    ]);
  });
});
