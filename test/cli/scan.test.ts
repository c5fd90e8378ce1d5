import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { runCli, repoDir } from '../helpers/cli.js';
import { tempDirs } from '../helpers/git-repo.js';

// Fake credentials, assembled at run time so this file itself stays clean for `sealguard scan .`.
const githubToken = 'ghp_' + 'R4nd0mT0k3nV4lu3'.repeat(2) + 'Zq9W';
const awsKeyId = 'AKIA' + 'QX7TZ2LKM4NB6PWR';

const { repo } = tempDirs();

describe('sealguard scan --staged', () => {
  it('blocks a staged GitHub token and names file, line, column, rule and a masked secret', () => {
    const r = repo();
    r.write('app/config.js', `const a = 1;\nconst token = "${githubToken}";\n`);
    r.git('add', '.');
    const out = runCli(['scan', '--staged'], { cwd: r.dir });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('app/config.js:2:');
    expect(out.stdout).toMatch(/github/i);
    expect(out.stdout).not.toContain(githubToken);
    expect(out.stdout).toContain(githubToken.slice(0, 4));
  });

  it('reports nothing for a clean staged change and exits 0', () => {
    const r = repo();
    r.write('src/index.js', 'export const answer = 42;\n');
    r.git('add', '.');
    const out = runCli(['scan', '--staged'], { cwd: r.dir });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
  });

  it('does not report a secret that was already committed and is untouched by the change', () => {
    const r = repo();
    r.write('old.env', `GITHUB_TOKEN=${githubToken}\n`);
    r.commitAll('legacy');
    r.write('old.env', `GITHUB_TOKEN=${githubToken}\nDEBUG=true\n`);
    r.git('add', '.');
    const out = runCli(['scan', '--staged'], { cwd: r.dir });
    expect(out.code).toBe(0);
  });

  it('reports paths from the repository root when run from a subfolder', () => {
    const r = repo();
    r.write('app/config.js', `const token = "${githubToken}";\n`);
    r.git('add', '.');
    mkdirSync(path.join(r.dir, 'docs'), { recursive: true });
    const out = runCli(['scan', '--staged', '-f', 'json'], { cwd: path.join(r.dir, 'docs') });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout).map((f: { File: string }) => f.File)).toEqual(['app/config.js']);
  });

  it('applies a rule from .sealguard.yaml to the staged change', () => {
    const r = repo();
    r.write('.sealguard.yaml', ['rules:', '  - id: acme-internal-key', '    description: ACME internal key', "    regex: 'acme_[a-z0-9]{24}'", '    keywords: [acme_]', ''].join('\n'));
    r.write('service.txt', 'key = acme_k3j5h7g9f1d3s5a7p9o1i3u5\n');
    r.git('add', 'service.txt');
    const out = runCli(['scan', '--staged', '-f', 'json'], { cwd: r.dir });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)[0]).toMatchObject({ RuleID: 'acme-internal-key', File: 'service.txt' });
  });

  it('fails at once with exit 2 on a broken .sealguard.yaml, however large the staged diff', () => {
    const r = repo();
    // Far more than a pipe holds: git is still writing its diff when the config error stops the scan.
    r.write('big.txt', 'a line of staged text\n'.repeat(40000));
    r.git('add', 'big.txt');
    r.write('.sealguard.yaml', 'rules: [\n  bad');
    const out = runCli(['scan', '--staged'], { cwd: r.dir, timeoutMs: 30000 });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/\.sealguard\.yaml: line 2: /);
  });

  it('fails at once with exit 2 on a broken .sealguard.yaml in a history scan, with git log already running', () => {
    const r = repo();
    for (let i = 0; i < 3; i++) {
      r.write(`big-${i}.txt`, `line ${i} of committed text\n`.repeat(40000));
      r.commitAll(`big ${i}`);
    }
    r.write('.sealguard.yaml', 'rules: [\n  bad');
    const out = runCli(['scan', '--all-history'], { cwd: r.dir, timeoutMs: 30000 });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/\.sealguard\.yaml: line 2: /);
  });

  it('uses --exit-code for findings', () => {
    const r = repo();
    r.write('a.txt', `key ${githubToken}\n`);
    r.git('add', '.');
    expect(runCli(['scan', '--staged', '--exit-code', '7'], { cwd: r.dir }).code).toBe(7);
  });
});

describe('sealguard install', () => {
  it('blocks git commit of a secret, lets a clean commit through, and uninstall restores the old hook', () => {
    const r = repo();
    const hooks = path.join(r.dir, '.git', 'hooks');
    mkdirSync(hooks, { recursive: true });
    const previous = '#!/bin/sh\necho previous-hook-ran\nexit 0\n';
    writeFileSync(path.join(hooks, 'pre-commit'), previous);
    chmodSync(path.join(hooks, 'pre-commit'), 0o755);

    const inst = runCli(['install'], { cwd: r.dir });
    expect(inst.code).toBe(0);

    r.write('deploy.sh', `export AWS_ACCESS_KEY_ID=${awsKeyId}\n`);
    r.git('add', '.');
    const blocked = r.tryGit('commit', '-m', 'add deploy');
    expect(blocked.code).not.toBe(0);
    expect(blocked.output).toContain('deploy.sh:1:');
    expect(blocked.output).toContain('previous-hook-ran');
    expect(blocked.output).not.toContain(awsKeyId);

    r.write('deploy.sh', 'export AWS_PROFILE=deploy\n');
    r.git('add', '.');
    expect(r.tryGit('commit', '-m', 'add deploy').code).toBe(0);

    expect(runCli(['install', '--uninstall'], { cwd: r.dir }).code).toBe(0);
    expect(readFileSync(path.join(hooks, 'pre-commit'), 'utf8')).toBe(previous);
  });
});

describe('sealguard scan PATH and --stdin', () => {
  it('writes a gitleaks-shaped JSON report to --report-path with the secret masked', () => {
    const r = repo();
    r.write('settings.py', `GITHUB_TOKEN = "${githubToken}"\n`);
    const out = runCli(['scan', '.', '--report-format', 'json', '--report-path', 'report.json'], { cwd: r.dir });
    expect(out.code).toBe(1);
    const report = JSON.parse(readFileSync(path.join(r.dir, 'report.json'), 'utf8')) as Record<string, unknown>[];
    expect(report).toHaveLength(1);
    expect(report[0]).toMatchObject({ File: 'settings.py', StartLine: 1, EndLine: 1 });
    expect(String(report[0].Secret)).not.toBe(githubToken);
    expect(JSON.stringify(report)).not.toContain(githubToken);
  });

  it('shows the whole secret only with --no-redact', () => {
    const r = repo();
    r.write('settings.py', `GITHUB_TOKEN = "${githubToken}"\n`);
    const out = runCli(['scan', '.', '--no-redact', '-f', 'json'], { cwd: r.dir });
    expect(JSON.parse(out.stdout)[0].Secret).toBe(githubToken);
  });

  it('accepts a finding whose fingerprint is listed in .sealguardignore, even after lines move', () => {
    const r = repo();
    r.write('settings.py', `GITHUB_TOKEN = "${githubToken}"\n`);
    const first = JSON.parse(runCli(['scan', '.', '-f', 'json'], { cwd: r.dir }).stdout) as { Fingerprint: string }[];
    r.write('.sealguardignore', `# accepted: rotated test token\n${first[0].Fingerprint}\n`);
    r.write('settings.py', `import os\n\nGITHUB_TOKEN = "${githubToken}"\n`);
    const out = runCli(['scan', '.'], { cwd: r.dir });
    expect(out.code).toBe(0);
  });

  it('honours .gitignore when scanning a folder', () => {
    const r = repo();
    r.write('.gitignore', 'build/\n');
    r.write('build/out.js', `const t = "${githubToken}";\n`);
    expect(runCli(['scan', '.'], { cwd: r.dir }).code).toBe(0);
  });

  it('scans standard input under the given name', () => {
    const r = repo();
    const out = runCli(['scan', '--stdin', '--stdin-name', 'pasted.txt', '-f', 'json'], { cwd: r.dir, input: `token: ${githubToken}\n` });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)[0].File).toBe('pasted.txt');
  });

  it('rejects an unknown report format with a one-line error and exit 2', () => {
    const r = repo();
    const out = runCli(['scan', '.', '--report-format', 'xml'], { cwd: r.dir });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/xml/);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('finds nothing in this repository itself', () => {
    const out = runCli(['scan', '.'], { cwd: repoDir });
    expect(out.stdout.trim()).toBe('no leaks found');
    expect(out.code).toBe(0);
    expect(existsSync(path.join(repoDir, '.sealguard.yaml'))).toBe(true);
  });
});
