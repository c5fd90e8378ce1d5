import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, sharedDir } from '../helpers/cli.js';
import { tempDirs } from '../helpers/git-repo.js';
import { readXml } from '../scan/report/xml-reader.js';

// Fake credentials, assembled at run time so this file itself stays clean for `sealguard scan .`.
const githubToken = 'ghp_' + 'M3n4B5v6C7x8Z9a0'.repeat(2) + 'Qw1E';
const VECTORS = path.join(sharedDir, 'sops-vectors');
const SOPS_YAML = 'creation_rules:\n  - path_regex: secrets/.*\\.(yaml|json|env|ini)$\n    age: age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun\n';

const { repo } = tempDirs();

describe('sealguard scan report formats', () => {
  it('-f csv writes the gitleaks CSV columns with the secret masked', () => {
    const r = repo();
    r.write('app/settings.py', `GITHUB_TOKEN = "${githubToken}"\n`);
    const out = runCli(['scan', '.', '-f', 'csv', '-r', 'leaks.csv'], { cwd: r.dir });
    expect(out.code).toBe(1);
    const lines = readFileSync(path.join(r.dir, 'leaks.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('RuleID,Commit,File,SymlinkFile,Secret,Match,StartLine,EndLine,StartColumn,EndColumn,Author,Message,Date,Email,Fingerprint,Tags');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^github-pat,,app\/settings\.py,,/);
    expect(lines[1]).not.toContain(githubToken);
    expect(runCli(['scan', '.', '-f', 'csv', '--no-redact'], { cwd: r.dir }).stdout).toContain(githubToken);
  });

  it('-f junit writes well-formed JUnit XML with one failure per finding', () => {
    const r = repo();
    r.write('app/settings.py', `GITHUB_TOKEN = "${githubToken}"\n`);
    const out = runCli(['scan', '.', '-f', 'junit'], { cwd: r.dir });
    expect(out.code).toBe(1);
    const root = readXml(out.stdout);
    expect(root.attrs).toMatchObject({ tests: '1', failures: '1' });
    expect(root.children[0].attrs.name).toBe('app/settings.py');
    expect(out.stdout).not.toContain(githubToken);
  });
});

describe('sealguard scan with a .gitleaks.toml', () => {
  const config = `[extend]\nuseDefault = true\n\n[[rules]]\nid = "internal-token"\ndescription = "Internal token"\nregex = '''\\b(itk_[a-z0-9]{24})\\b'''\nkeywords = ["itk_"]\n\n[allowlist]\npaths = ['''^vendor/''']\n`;

  it('uses it when there is no .sealguard.yaml and says so once on stderr', () => {
    const r = repo();
    r.write('.gitleaks.toml', config);
    r.write('a.env', `T=itk_${'k2m9x7q4'.repeat(3)}\nG=${githubToken}\n`);
    r.write('vendor/b.env', `G=${githubToken}\n`);
    const out = runCli(['scan', '.', '-f', 'json'], { cwd: r.dir });
    expect(out.code).toBe(1);
    expect(out.stderr.match(/\.gitleaks\.toml/g)).toHaveLength(1);
    expect(out.stderr).toMatch(/no \.sealguard\.yaml; using \.gitleaks\.toml/);
    const found = JSON.parse(out.stdout) as { RuleID: string; File: string }[];
    expect(found.map((f) => `${f.File}:${f.RuleID}`).sort()).toEqual(['a.env:github-pat', 'a.env:internal-token']);
  });

  it('a regex RE2 cannot run is a one-line error naming the rule, exit 2', () => {
    const r = repo();
    r.write('.gitleaks.toml', `[[rules]]\nid = "backref"\nregex = '''(a)\\1'''\n`);
    const out = runCli(['scan', '.'], { cwd: r.dir });
    expect(out.code).toBe(2);
    expect(out.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^sealguard: \.gitleaks\.toml: rule 'backref': regex is not valid RE2 syntax/)]);
  });
});

describe('sealguard scan and SOPS files', () => {
  it('sops-encrypted YAML, JSON, dotenv and INI files are clean: no ENC value or metadata is a finding', () => {
    const r = repo();
    r.write('.sops.yaml', SOPS_YAML);
    for (const name of ['res-format.enc.yaml', 'res-format.enc.json', 'res-format.enc.env', 'res-format.enc.ini', 'example.yaml']) {
      copyFileSync(path.join(VECTORS, name), path.join(r.write(`secrets/.keep`, ''), '..', name.replace('res-format.enc', 'prod')));
    }
    const out = runCli(['scan', '.'], { cwd: r.dir });
    expect(out.stdout).toContain('no leaks found');
    expect(out.code).toBe(0);
  });

  it('a plaintext file a creation rule says must be encrypted is reported with the command that fixes it', () => {
    const r = repo();
    r.write('.sops.yaml', SOPS_YAML);
    r.write('secrets/prod.yaml', 'db:\n  host: localhost\n');
    r.write('config/app.yaml', 'port: 8080\n');
    const out = runCli(['scan', '.'], { cwd: r.dir });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('secrets/prod.yaml:1:1  sops-unencrypted-file');
    expect(out.stdout).toContain('sealguard encrypt -i secrets/prod.yaml');
    expect(out.stdout).not.toContain('config/app.yaml');
  });

  it('scan --staged checks the staged content: plaintext staged is blocked, encrypted staged passes', () => {
    const r = repo();
    r.write('.sops.yaml', SOPS_YAML);
    r.commitAll('config');
    r.write('secrets/prod.yaml', 'db:\n  host: localhost\n');
    r.git('add', '.');
    const blocked = runCli(['scan', '--staged', '-f', 'json'], { cwd: r.dir });
    expect(blocked.code).toBe(1);
    expect((JSON.parse(blocked.stdout) as { RuleID: string; StartLine: number }[]).map((f) => [f.RuleID, f.StartLine])).toEqual([
      ['sops-unencrypted-file', 1],
    ]);
    copyFileSync(path.join(VECTORS, 'res-format.enc.yaml'), path.join(r.dir, 'secrets/prod.yaml'));
    r.git('add', '.');
    const ok = runCli(['scan', '--staged'], { cwd: r.dir });
    expect(ok.code).toBe(0);
  });

  it('an accepted unencrypted file can be listed in .sealguardignore by its fingerprint', () => {
    const r = repo();
    r.write('.sops.yaml', SOPS_YAML);
    r.write('secrets/example.yaml', 'placeholder: true\n');
    const first = JSON.parse(runCli(['scan', '.', '-f', 'json'], { cwd: r.dir }).stdout) as { Fingerprint: string }[];
    r.write('.sealguardignore', `${first[0].Fingerprint}\n`);
    expect(runCli(['scan', '.'], { cwd: r.dir }).code).toBe(0);
  });
});
