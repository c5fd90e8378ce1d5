import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { detect, githubStyleToken } from '../../../src/scan/engine/index.js';
import { decodeSpan, encodedSpans } from '../../../src/scan/engine/decode.js';
import { base64Stable } from '../../../src/scan/rules/encoded-keywords.js';
import { compileRules, loadBuiltinRules } from '../../../src/scan/rules/index.js';
import { randomToken } from './helpers.js';

const rules = compileRules(loadBuiltinRules());
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const hex = (s: string): string => Buffer.from(s).toString('hex');
const token = (): string => githubStyleToken('ghp_', randomToken(30));
const scan = (text: string, maxDecodeDepth?: number) =>
  detect(rules, { path: 'k8s/secret.yaml', text }, maxDecodeDepth === undefined ? {} : { maxDecodeDepth });

describe('decoding encoded spans', () => {
  it('finds a GitHub token base64-encoded on its own, as a Kubernetes Secret stores it', () => {
    const t = token();
    const encoded = b64(t);
    const text = `apiVersion: v1\nkind: Secret\ndata:\n  github: ${encoded}\n`;
    const [f] = scan(text);
    expect(f.ruleId).toBe('github-pat');
    expect(f.secret.reveal()).toBe(t);
    expect(f.notes).toContain('found in base64-decoded text');
    expect(f.tags).toContain('decoded:base64');
    // The finding points at the encoded text in the file, not at the decoded one.
    expect([f.startLine, f.endLine, f.startColumn, f.endColumn]).toEqual([4, 4, 11, 10 + encoded.length]);
  });

  it('points at the encoded text in characters after non-ASCII text, whether the file came as text or as bytes', () => {
    const t = token();
    const encoded = b64(t);
    const text = `# clé — ключ ✓ 𝄞\ndata:\n  naïve·𝄞: ${encoded}\n`;
    for (const fragment of [{ path: 'k8s/secret.yaml', text }, { path: 'k8s/secret.yaml', text, utf8: Buffer.from(text) }]) {
      const [f] = detect(rules, fragment);
      expect(f.ruleId).toBe('github-pat');
      expect(f.secret.reveal()).toBe(t);
      const line = text.split('\n')[2]!;
      expect([f.startLine, f.endLine, f.startColumn, f.endColumn]).toEqual([3, 3, line.indexOf(encoded) + 1, line.indexOf(encoded) + encoded.length]);
    }
  });

  it('finds a secret inside a base64-encoded .env file at any alignment', () => {
    const secrets = [randomToken(24), randomToken(24), randomToken(24)];
    for (const prefix of ['', 'X', 'XY']) {
      const env = `${prefix}APP_NAME=demo\nDB_PASSWORD=${secrets[0]}\napi_key = "${secrets[1]}"\n`;
      const found = scan(`ENV_FILE_B64="${b64(env)}"\n`);
      expect(found.map((f) => f.secret.reveal()).sort()).toEqual([secrets[0], secrets[1]].sort());
      for (const f of found) expect(f.startLine).toBe(1);
    }
  });

  it('finds a secret in hex-encoded text', () => {
    const secret = randomToken(32);
    const [f] = scan(`blob = "${hex(`{"api_key": "${secret}"}`)}"\n`);
    expect(f?.secret.reveal()).toBe(secret);
    expect(f?.notes).toContain('found in hex-decoded text');
    expect(f?.tags).toContain('decoded:hex');
  });

  it('finds a secret whose quotes were percent-encoded in a URL', () => {
    const secret = randomToken(32);
    const query = encodeURIComponent(`{"access_token":"${secret}"}`);
    const [f] = scan(`callback: https://app.example.org/done?state=${query}\n`);
    expect(f?.secret.reveal()).toBe(secret);
    expect(f?.tags).toContain('decoded:percent');
  });

  it('decodes two layers by default and says so, but not past --max-decode-depth', () => {
    const t = token();
    const text = `payload = "${b64(`{"password_b64": "${b64(t)}"}`)}"\n`;
    const [f] = scan(text);
    expect(f?.ruleId).toBe('github-pat');
    expect(f?.notes).toContain('found in base64-decoded text inside base64-decoded text');
    expect(f?.tags).toContain('decoded:base64');
    expect(scan(text, 1)).toEqual([]);
  });

  it('does not decode at all with --max-decode-depth 0', () => {
    expect(scan(`data:\n  github: ${b64(token())}\n`, 0)).toEqual([]);
  });

  it('ignores encoded spans on a line marked sealguard:allow', () => {
    expect(scan(`github: ${b64(token())} # sealguard:allow\n`)).toEqual([]);
  });

  it('reports a plain token once even when its line also holds encoded text', () => {
    const t = token();
    const found = scan(`token = "${t}"\n`);
    expect(found.map((f) => f.ruleId)).toEqual(['github-pat']);
  });

  it('leaves random key material alone: it decodes to binary, not text', () => {
    const keys = Array.from({ length: 50 }, () => randomBytes(48).toString('base64'));
    expect(scan(keys.map((k) => `key: ${k}`).join('\n'))).toEqual([]);
  });

  it('stays fast on a megabyte of base64 full of trigger-like text', () => {
    const filler = b64('password token secret '.repeat(50_000));
    const started = performance.now();
    scan(`blob: ${filler}\n`);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('encoded spans', () => {
  it('grows a trigger to the whole run and decodes it', () => {
    const text = `x = "${b64('my password is hunter2-but-longer')}";`;
    const pattern = base64Stable('assword', 1);
    const at = text.toLowerCase().indexOf(pattern.toLowerCase());
    expect(at).toBeGreaterThan(0);
    const spans = encodedSpans(Buffer.from(text), [{ encoding: 'base64', end: at + pattern.length, length: pattern.length }]);
    expect(spans.map((s) => s.decoded)).toEqual(['my password is hunter2-but-longer']);
    expect(text.slice(spans[0].start, spans[0].end)).toBe(b64('my password is hunter2-but-longer'));
  });

  it('refuses spans that do not decode to text', () => {
    expect(decodeSpan('base64', randomBytes(30).toString('base64'))).toBeUndefined();
    expect(decodeSpan('hex', 'deadbeefcafebabe0011223344556677')).toBeUndefined();
    expect(decodeSpan('percent', 'no-escapes-here')).toBeUndefined();
    expect(decodeSpan('percent', '%E0%A4%A')).toBeUndefined();
  });

  it('stops at the decode budget', () => {
    const chunk = b64('password: hunter2hunter2hunter2hunter2');
    const text = Array.from({ length: 10 }, () => chunk).join(' ');
    const pattern = base64Stable('password', 0);
    const hits = [...text.matchAll(new RegExp(pattern, 'g'))].map((m) => ({ encoding: 'base64' as const, end: m.index + pattern.length, length: pattern.length }));
    expect(encodedSpans(Buffer.from(text), hits).length).toBe(10);
    expect(encodedSpans(Buffer.from(text), hits, 100).length).toBe(2);
  });
});

describe('decoded findings from history', () => {
  it('carry the commit of the fragment they were decoded from', () => {
    const commit = { sha: 'a'.repeat(40), author: 'Dev', email: 'dev@example.invalid', date: '2026-01-02T03:04:05Z', message: 'add secret' };
    const [f] = detect(rules, { path: 'k8s/secret.yaml', text: `token: ${b64(token())}\n`, commit });
    expect(f?.tags).toContain('decoded:base64');
    expect(f?.commit).toEqual(commit);
  });
});
