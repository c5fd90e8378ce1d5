import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempDirs } from '../helpers/git-repo.js';
import { isolatedEnv, newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';

const temp = tempDirs();
let key: AgeKey;
beforeAll(async () => {
  key = await newAgeKey();
});

const plain = 'db:\n  user: app\n  password: pw-0001\n# rotate monthly\ntoken: t-42\nport: 5432\n';

/** An encrypted copy of `text` in a fresh folder; returns the folder, file and a runner with the key. */
function encrypted(text = plain, name = 'secrets.yaml') {
  const dir = temp.dir('sealguard-set-');
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const env = isolatedEnv(dir, { SOPS_AGE_KEY: key.identity });
  const enc = runCli(['encrypt', '-i', '--age', key.recipient, name], { cwd: dir, env });
  expect(enc.code).toBe(0);
  const run = (args: string[], input?: string) => runCli(args, { cwd: dir, env, input });
  return { dir, file, run, read: () => readFileSync(file, 'utf8') };
}

/** Lines only `before` has and lines only `after` has, each as its key (text before the colon), sorted; lastmodified left out. */
function lineDiff(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  const key = (l: string) => l.trim().split(':')[0] as string;
  // lastmodified keeps its value when the write happens within the second of the previous one.
  const keys = (ls: string[]) => ls.map(key).filter((k) => k !== 'lastmodified').sort();
  return { removed: keys(a.filter((l) => !b.includes(l))), added: keys(b.filter((l) => !a.includes(l))) };
}

function changedLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  return b.filter((line, i) => line !== a[i]).map((l) => l.trim().split(':')[0] as string);
}

describe('sealguard set', () => {
  it('changes one value in place; only that line, lastmodified and mac differ', () => {
    const f = encrypted();
    const before = f.read();
    const r = f.run(['set', 'secrets.yaml', '["token"]', '"t-43"']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const changed = changedLines(before, f.read());
    expect(changed).toContain('token');
    expect(changed.filter((k) => k !== 'lastmodified')).toEqual(['token', 'mac']);
    expect(f.run(['decrypt', 'secrets.yaml']).stdout).toBe(plain.replace('t-42', 't-43'));
  });

  it('creates missing keys along the path and encrypts the new values', () => {
    const f = encrypted();
    expect(f.run(['set', 'secrets.yaml', '["api"]["keys"][0]', '{"id": 7, "on": true}']).code).toBe(0);
    expect(f.read()).not.toContain('on: true');
    const value = f.run(['decrypt', '--extract', '["api"]["keys"][0]["id"]', 'secrets.yaml']);
    expect(value.stdout.trim()).toBe('7');
    expect(f.run(['decrypt', '--extract', '["db"]["password"]', 'secrets.yaml']).stdout.trim()).toBe('pw-0001');
  });

  it('a new key ending in _unencrypted stays readable, as the file selector says', () => {
    const f = encrypted();
    expect(f.run(['set', 'secrets.yaml', '["region_unencrypted"]', '"eu-west-1"']).code).toBe(0);
    expect(f.read()).toContain('region_unencrypted: eu-west-1');
  });

  it('reads the value from --value-stdin and --value-file, keeping it off the command line', () => {
    const f = encrypted();
    expect(f.run(['set', 'secrets.yaml', '["token"]', '--value-stdin'], '"from-stdin"').code).toBe(0);
    expect(f.run(['decrypt', '--extract', '["token"]', 'secrets.yaml']).stdout.trim()).toBe('from-stdin');
    writeFileSync(path.join(f.dir, 'v.json'), '{"nested": ["x"]}\n');
    expect(f.run(['set', 'secrets.yaml', '["token"]', '--value-file', 'v.json']).code).toBe(0);
    expect(f.run(['decrypt', '--extract', '["token"]["nested"][0]', 'secrets.yaml']).stdout.trim()).toBe('x');
  });

  it('refuses a value given two ways or none', () => {
    const f = encrypted();
    expect(f.run(['set', 'secrets.yaml', '["token"]', '"a"', '--value-stdin'], '"b"').code).toBe(2);
    const none = f.run(['set', 'secrets.yaml', '["token"]']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--value-stdin');
  });

  it('--idempotent leaves the file untouched (exit 0) when the value is already there', () => {
    const f = encrypted();
    const before = f.read();
    const mtime = statSync(f.file).mtimeMs;
    const r = f.run(['set', '--idempotent', 'secrets.yaml', '["port"]', '5432']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('left unchanged');
    expect(f.read()).toBe(before);
    expect(statSync(f.file).mtimeMs).toBe(mtime);
    // Without --idempotent the file is rewritten (as sops does), values keep their ciphertext.
    expect(f.run(['set', 'secrets.yaml', '["port"]', '5432']).code).toBe(0);
    expect(changedLines(before, f.read()).every((k) => k === 'mac' || k === 'lastmodified')).toBe(true);
  });

  it('a value that is not JSON is refused without being echoed, and the file is untouched', () => {
    const f = encrypted();
    const before = f.read();
    const r = f.run(['set', 'secrets.yaml', '["token"]', 'bare-secret-word']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not valid JSON');
    expect(r.stderr).not.toContain('bare-secret-word');
    expect(f.read()).toBe(before);
  });

  it('a malformed path exits 7 as sops does; a missing file exits 100', () => {
    const f = encrypted();
    expect(f.run(['set', 'secrets.yaml', 'token', '1']).code).toBe(7);
    expect(f.run(['set', 'nope.yaml', '["a"]', '1']).code).toBe(100);
  });

  it('without the key nothing is written and the error names the key tried (exit 128)', () => {
    const f = encrypted();
    const before = f.read();
    const r = runCli(['set', 'secrets.yaml', '["token"]', '"x"'], { cwd: f.dir, env: isolatedEnv(f.dir) });
    expect(r.code).toBe(128);
    expect(f.read()).toBe(before);
  });

  it('works on JSON files too', () => {
    const f = encrypted('{"a": {"b": 1}, "c": "d"}\n', 'conf.json');
    expect(f.run(['set', 'conf.json', '["a"]["b"]', '2.5']).code).toBe(0);
    expect(JSON.parse(f.run(['decrypt', 'conf.json']).stdout)).toEqual({ a: { b: 2.5 }, c: 'd' });
  });
});

describe('sealguard unset', () => {
  it('removes a key; the other values keep their ciphertext', () => {
    const f = encrypted();
    const before = f.read();
    const r = f.run(['unset', 'secrets.yaml', '["db"]["password"]']);
    expect(r.code).toBe(0);
    const after = f.read();
    expect(parseYaml(f.run(['decrypt', 'secrets.yaml']).stdout)).toEqual({ db: { user: 'app' }, token: 't-42', port: 5432 });
    const tokenLine = (t: string) => t.split('\n').find((l) => l.startsWith('token:'));
    expect(tokenLine(after)).toBe(tokenLine(before));
  });

  it('a missing key is an error (exit 91) unless --idempotent, which then writes nothing', () => {
    const f = encrypted();
    const before = f.read();
    const r = f.run(['unset', 'secrets.yaml', '["nope"]']);
    expect(r.code).toBe(91);
    expect(r.stderr).toContain('["nope"]');
    const idem = f.run(['unset', '--idempotent', 'secrets.yaml', '["nope"]']);
    expect(idem.code).toBe(0);
    expect(f.read()).toBe(before);
  });

  it('removing a key removes only its lines; every other line, blank lines and indentation included, stays', () => {
    const f = encrypted('db:\n   user: app\n   password: pw-0001\n\n# rotate monthly\ntoken: t-42\nport: 5432\n');
    const before = f.read();
    expect(f.run(['unset', 'secrets.yaml', '["db"]["password"]']).code).toBe(0);
    const { removed, added } = lineDiff(before, f.read());
    expect(removed).toEqual(['mac', 'password']);
    expect(added).toEqual(['mac']);
    expect(f.read()).toContain('\n   user: ENC[');
    expect(f.run(['decrypt', 'secrets.yaml']).stdout).toBe('db:\n   user: app\n\n# rotate monthly\ntoken: t-42\nport: 5432\n');
  });
});

describe('sealguard set adding keys keeps the file\'s layout', () => {
  const layout = 'db:\n   user: app\n   password: pw-0001\n\n# rotate monthly\ntoken:  t-42\nport: 5432\n';

  it('a new nested key adds one line at its siblings\' indentation; only it, lastmodified and mac change', () => {
    const f = encrypted(layout);
    const before = f.read();
    const r = f.run(['set', 'secrets.yaml', '["db"]["host"]', '"db.internal"']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const after = f.read();
    const { removed, added } = lineDiff(before, after);
    expect(removed).toEqual(['mac']);
    expect(added).toEqual(['host', 'mac']);
    expect(after).toMatch(/\n {3}password: ENC\[[^\n]*\n {3}host: ENC\[AES256_GCM,/);
    expect(f.run(['decrypt', 'secrets.yaml']).stdout).toBe(layout.replace('pw-0001\n', 'pw-0001\n   host: db.internal\n'));
  });

  it('a new map at the root adds its lines after the last entry; no other line changes', () => {
    const f = encrypted(layout);
    const before = f.read();
    expect(f.run(['set', 'secrets.yaml', '["cache"]', '{"url": "redis://c", "ttl": 60}']).code).toBe(0);
    const { removed, added } = lineDiff(before, f.read());
    expect(removed).toEqual(['mac']);
    expect(added).toEqual(['cache', 'mac', 'ttl', 'url']);
    expect(f.run(['decrypt', 'secrets.yaml']).stdout).toBe(layout + 'cache:\n   url: redis://c\n   ttl: 60\n');
  });
});
