import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDirs } from '../helpers/git-repo.js';
import { isolatedEnv, newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';

const temp = tempDirs();
let a: AgeKey;
let b: AgeKey;
beforeAll(async () => {
  [a, b] = await Promise.all([newAgeKey(), newAgeKey()]);
});

function project(sopsYaml: string) {
  const dir = temp.dir('sealguard-explain-');
  writeFileSync(path.join(dir, '.sops.yaml'), sopsYaml);
  const env = isolatedEnv(dir, { SOPS_AGE_KEY: a.identity });
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  const run = (args: string[]) => runCli(args, { cwd: dir, env });
  const explain = (file: string) => {
    const r = run(['explain', '--json', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  return { dir, write, run, explain };
}

describe('sealguard explain', () => {
  it('names the first matching rule, the path it matched and why earlier rules did not', () => {
    const p = project(
      `creation_rules:\n  - path_regex: ^prod/.*\n    age: ${b.recipient}\n  - path_regex: \\.yaml$\n    encrypted_regex: ^(password|token)$\n    age: ${a.recipient}\n  - age: ${b.recipient}\n`,
    );
    p.write('dev/app.yaml', 'user: app\npassword: pw-0001\nnested:\n  token: t-42\n  list: [x, y]\n');
    const x = p.explain('dev/app.yaml');
    expect(x.configPath).toBe(path.join(p.dir, '.sops.yaml'));
    expect(x.matchedPath).toBe('dev/app.yaml');
    expect(x.ruleIndex).toBe(1);
    expect(x.rules).toEqual([
      { index: 0, line: 2, pathRegex: '^prod/.*', matches: false },
      { index: 1, line: 4, pathRegex: '\\.yaml$', matches: true },
      { index: 2, line: 7, matches: true },
    ]);
    expect(x.keyGroups).toEqual([{ age: [a.recipient], pgp: [], kms: [], unsupported: [] }]);
    expect(x.selector).toEqual({ encrypted_regex: '^(password|token)$' });
    expect(x.fileState).toBe('plaintext');
    expect(x.encryptedPaths).toEqual(['["password"]', '["nested"]["token"]']);
    expect(x.plainPaths).toEqual(['["user"]', '["nested"]["list"][0]', '["nested"]["list"][1]']);
  });

  it('the text form says the same things and never prints a value', () => {
    const p = project(`creation_rules:\n  - path_regex: \\.yaml$\n    age: ${a.recipient}\n`);
    p.write('s.yaml', 'password: pw-0001\nname_unencrypted: visible-0002\n');
    const r = p.run(['explain', 's.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('creation_rules[0] is the first rule whose path_regex /\\.yaml$/ matches "s.yaml"');
    expect(r.stdout).toContain(`age  ${a.recipient}`);
    expect(r.stdout).toMatch(/values that will be encrypted:\n {2}\["password"\]/);
    expect(r.stdout).toMatch(/left in plaintext:\n {2}\["name_unencrypted"\]/);
    expect(r.stdout).not.toContain('pw-0001');
    expect(r.stdout).not.toContain('visible-0002');
  });

  it('warns loudly when a misspelt path_regex makes a rule match every file', () => {
    const p = project(`creation_rules:\n  - path: ^secrets/\n    age: ${a.recipient}\n`);
    p.write('public/readme.yaml', 'a: 1\n');
    const r = p.run(['explain', 'public/readme.yaml']);
    expect(r.stdout.split('\n')[0]).toMatch(/^WARNING: creation_rules\[0\].*unknown key "path".*path_regex/);
    expect(r.stdout).toContain('has no path_regex, so it matches every file');
    const x = p.explain('public/readme.yaml');
    expect((x.criticalWarnings as string[]).length).toBe(1);
  });

  it('for an encrypted file, lists what is encrypted and the keys it holds next to the rule\'s', () => {
    const p = project(`creation_rules:\n  - path_regex: \\.json$\n    age: ${a.recipient},${b.recipient}\n`);
    p.write('c.json', '{"k": "v-0001", "n": {"p_unencrypted": 1, "q": true}}\n');
    expect(p.run(['encrypt', '-i', '--age', a.recipient, 'c.json']).code).toBe(0);
    const x = p.explain('c.json');
    expect(x.fileState).toBe('encrypted');
    expect(x.selectorSource).toBe('file');
    expect(x.encryptedPaths).toEqual(['["k"]', '["n"]["q"]']);
    expect(x.plainPaths).toEqual(['["n"]["p_unencrypted"]']);
    expect(x.fileKeyGroups).toEqual([{ age: [a.recipient], pgp: [], kms: [], unsupported: [] }]);
    expect((x.keyGroups as { age: string[] }[])[0]?.age).toEqual([a.recipient, b.recipient]);
  });

  it('explains key groups and a file that does not exist yet', () => {
    const p = project(
      `creation_rules:\n  - path_regex: ''\n    shamir_threshold: 2\n    key_groups:\n      - age: [${a.recipient}]\n      - age: [${b.recipient}]\n`,
    );
    const x = p.explain('new.yaml');
    expect(x.fileState).toBe('missing');
    expect(x.usesKeyGroups).toBe(true);
    expect(x.shamirThreshold).toBe(2);
    expect((x.keyGroups as unknown[]).length).toBe(2);
    const text = p.run(['explain', 'new.yaml']).stdout;
    expect(text).toContain('keys (key_groups, shamir_threshold 2):');
    expect(text).toContain('group 2:');
  });

  it('says so when no rule matches or there is no .sops.yaml', () => {
    const p = project(`creation_rules:\n  - path_regex: ^only/\n    age: ${a.recipient}\n`);
    p.write('x.yaml', 'a: 1\n');
    expect(p.explain('x.yaml').why).toContain('no creation rule\'s path_regex matches "x.yaml"');
    const lonely = temp.dir('sealguard-explain-none-');
    writeFileSync(path.join(lonely, 'y.yaml'), 'a: 1\n');
    const r = runCli(['explain', 'y.yaml'], { cwd: lonely, env: isolatedEnv(lonely) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no .sops.yaml was found');
  });
});
