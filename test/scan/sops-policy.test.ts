import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { isSopsEncryptedText, SopsPolicy } from '../../src/scan/sops-policy.js';
import { tempDirs } from '../helpers/git-repo.js';

const VECTORS = path.resolve(import.meta.dirname, '../../../shared/sops-vectors');
const ENCRYPTED = readdirSync(VECTORS).filter((n) => /^(res-.*\.enc\.|example\.)(ya?ml|json|env|ini|txt)$/.test(n));
const SOPS_YAML = 'creation_rules:\n  - path_regex: secrets/.*\\.(yaml|env|json)$\n    age: age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun\n';

const { repo, dir } = tempDirs('sealguard-sops-policy-');

describe('isSopsEncryptedText', () => {
  test('the sops vectors include YAML, JSON, dotenv, INI and binary files', () => {
    for (const ext of ['.yaml', '.json', '.env', '.ini', '.txt']) expect(ENCRYPTED.some((n) => n.endsWith(ext)), ext).toBe(true);
  });

  test.each(ENCRYPTED)('recognises the sops-encrypted vector %s', (name) => {
    expect(isSopsEncryptedText(readFileSync(path.join(VECTORS, name), 'utf8'))).toBe(true);
  });

  test('plaintext is not encrypted, even with a sops: key or one ENC value pasted in', () => {
    expect(isSopsEncryptedText(readFileSync(path.join(VECTORS, 'res-comments.yaml'), 'utf8'))).toBe(false);
    expect(isSopsEncryptedText('sops:\n  note: we use sops\n')).toBe(false);
    expect(isSopsEncryptedText('a: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]\n')).toBe(false);
  });
});

describe('SopsPolicy', () => {
  test('a plaintext file matching a creation rule is a finding at line 1 that gives the encrypt command', () => {
    const r = repo();
    r.write('.sops.yaml', SOPS_YAML);
    const f = SopsPolicy.forRoot(r.dir).check('secrets/prod.yaml', 'db_password: hunter2\n');
    expect(f).toMatchObject({ ruleId: 'sops-unencrypted-file', file: 'secrets/prod.yaml', startLine: 1, severity: 'high' });
    expect(f!.notes).toContain('fix: sealguard encrypt -i secrets/prod.yaml');
    expect(f!.notes![0]).toMatch(/^\.sops\.yaml creation_rules\[0\]/);
    expect(f!.fingerprint).toMatch(/^secrets\/prod\.yaml:sops-unencrypted-file:[0-9a-f]{12}$/);
  });

  test('an encrypted file, a file no rule matches, and the .sops.yaml itself are not findings', () => {
    const r = repo();
    r.write('.sops.yaml', SOPS_YAML);
    const policy = SopsPolicy.forRoot(r.dir);
    for (const name of ['res-format.enc.yaml', 'res-format.enc.json', 'res-format.enc.env']) {
      const text = readFileSync(path.join(VECTORS, name), 'utf8');
      expect(policy.check(`secrets/${name.replace('res-format.enc', 'prod')}`, text), name).toBeUndefined();
    }
    expect(policy.check('src/app.yaml', 'a: 1\n')).toBeUndefined();
    expect(policy.check('.sops.yaml', SOPS_YAML)).toBeUndefined();
  });

  test('a catch-all rule (no path_regex) chooses keys but does not make every file a finding', () => {
    const r = repo();
    r.write('.sops.yaml', 'creation_rules:\n  - age: age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun\n');
    expect(SopsPolicy.forRoot(r.dir).check('anything.yaml', 'a: 1\n')).toBeUndefined();
  });

  test('the nearest .sops.yaml decides, matched on paths relative to its own folder', () => {
    const r = repo();
    r.write('.sops.yaml', SOPS_YAML);
    r.write('deploy/.sops.yaml', 'creation_rules:\n  - path_regex: ^prod/\n    age: age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun\n');
    const policy = SopsPolicy.forRoot(r.dir);
    expect(policy.check('deploy/prod/values.yaml', 'a: 1\n')?.notes?.[0]).toMatch(/^deploy\/\.sops\.yaml creation_rules\[0\]/);
    // deploy/.sops.yaml governs deploy/secrets/x.yaml and has no rule for it.
    expect(policy.check('deploy/secrets/x.yaml', 'a: 1\n')).toBeUndefined();
    expect(policy.check('secrets/x.yaml', 'a: 1\n')).toBeDefined();
  });

  test('without any .sops.yaml nothing is a finding, and a .sops.yaml above the repository is not consulted', () => {
    const parent = dir('sealguard-sops-parent-');
    writeFileSync(path.join(parent, '.sops.yaml'), SOPS_YAML);
    const inner = path.join(parent, 'repo');
    mkdirSync(path.join(inner, '.git'), { recursive: true });
    expect(SopsPolicy.forRoot(inner).check('secrets/prod.yaml', 'a: 1\n')).toBeUndefined();
    expect(SopsPolicy.forRoot(parent).check('secrets/prod.yaml', 'a: 1\n')).toBeDefined();
  });

  test('a broken .sops.yaml is skipped with a warning instead of failing the scan', () => {
    const r = repo();
    r.write('.sops.yaml', 'creation_rules: [\n');
    const policy = SopsPolicy.forRoot(r.dir);
    expect(policy.check('secrets/prod.yaml', 'a: 1\n')).toBeUndefined();
    expect(policy.warnings).toEqual([expect.stringMatching(/^\.sops\.yaml could not be read/)]);
  });

  test('staged: the blob in the index decides, not the work tree', async () => {
    const r = repo();
    r.write('.sops.yaml', SOPS_YAML);
    const encrypted = readFileSync(path.join(VECTORS, 'res-format.enc.yaml'), 'utf8');
    r.write('secrets/prod.yaml', 'db_password: hunter2\n');
    r.git('add', '.');
    r.write('secrets/prod.yaml', encrypted);
    const policy = SopsPolicy.forRoot(r.dir);
    expect(await policy.checkStaged(r.dir, 'secrets/prod.yaml')).toMatchObject({ ruleId: 'sops-unencrypted-file' });

    copyFileSync(path.join(VECTORS, 'res-format.enc.yaml'), path.join(r.dir, 'secrets/prod.yaml'));
    r.git('add', '.');
    r.write('secrets/prod.yaml', 'db_password: hunter2\n');
    expect(await policy.checkStaged(r.dir, 'secrets/prod.yaml')).toBeUndefined();
  });
});
