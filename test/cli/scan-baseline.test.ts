import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDirs } from '../helpers/git-repo.js';

// Fake credentials, assembled at run time so this file itself stays clean for `sealguard scan .`.
const oldToken = 'ghp_' + 'Q8w7E6r5T4y3U2i1'.repeat(2) + 'Pl0K';
const newToken = 'ghp_' + 'Zx1Cv2Bn3Mm4Aa5S'.repeat(2) + 'Dd6F';
const awsKeyId = 'AKIA' + 'QX7TZ2LKM4NB6PWR';

const { repo } = tempDirs();

describe('sealguard baseline', () => {
  it('writes the accepted findings as hashes only, and rerunning on an unchanged tree gives the same bytes', () => {
    const r = repo();
    r.write('app/settings.py', `GITHUB_TOKEN = "${oldToken}"\n`);
    r.write('deploy/env.sh', `export AWS_ACCESS_KEY_ID=${awsKeyId}\n`);
    const first = runCli(['baseline'], { cwd: r.dir });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('wrote .sealguard-baseline.json with 2 accepted findings');
    const file = path.join(r.dir, '.sealguard-baseline.json');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(oldToken);
    expect(text).not.toContain(awsKeyId);
    expect(text.endsWith('\n')).toBe(true);

    const again = runCli(['baseline', '--update'], { cwd: r.dir });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('up to date');
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses to replace an existing baseline without --update (exit 2) and leaves it untouched', () => {
    const r = repo();
    r.write('a.py', `T = "${oldToken}"\n`);
    expect(runCli(['baseline'], { cwd: r.dir }).code).toBe(0);
    const before = readFileSync(path.join(r.dir, '.sealguard-baseline.json'), 'utf8');
    r.write('b.py', `T = "${newToken}"\n`);
    const out = runCli(['baseline'], { cwd: r.dir });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/already exists.*--update/);
    expect(readFileSync(path.join(r.dir, '.sealguard-baseline.json'), 'utf8')).toBe(before);
    expect(runCli(['baseline', '--update'], { cwd: r.dir }).stderr).toContain('2 accepted findings');
  });

  it('scan --baseline reports a new secret but not the accepted ones, even after they move', () => {
    const r = repo();
    r.write('app/settings.py', `GITHUB_TOKEN = "${oldToken}"\n`);
    expect(runCli(['baseline'], { cwd: r.dir }).code).toBe(0);
    expect(runCli(['scan', '.', '--baseline', '.sealguard-baseline.json'], { cwd: r.dir }).code).toBe(0);

    r.write('app/settings.py', `import os\n\nGITHUB_TOKEN = "${oldToken}"\n`);
    r.write('app/other.py', `TOKEN = "${newToken}"\n`);
    const out = runCli(['scan', '.', '--baseline', '.sealguard-baseline.json', '-f', 'json'], { cwd: r.dir });
    expect(out.code).toBe(1);
    const report = JSON.parse(out.stdout) as { File: string }[];
    expect(report.map((f) => f.File)).toEqual(['app/other.py']);
  });

  it('scan --baseline with a missing file is a usage error before any scanning', () => {
    const r = repo();
    const out = runCli(['scan', '.', '--baseline', 'nope.json'], { cwd: r.dir });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/nope\.json: no such baseline file/);
  });

  it('a .gitleaksignore entry (file:rule:line) hides that finding from scan', () => {
    const r = repo();
    r.write('app/settings.py', `GITHUB_TOKEN = "${oldToken}"\n`);
    const first = JSON.parse(runCli(['scan', '.', '-f', 'json'], { cwd: r.dir }).stdout) as { RuleID: string }[];
    r.write('.gitleaksignore', `app/settings.py:${first[0].RuleID}:1\n`);
    expect(runCli(['scan', '.'], { cwd: r.dir }).code).toBe(0);
  });

  it('explains the baseline rules in --help', () => {
    const out = runCli(['baseline', '--help'], { cwd: repo().dir });
    expect(out.stdout).toContain('--update');
    expect(out.stdout).toMatch(/never the secret/);
  });
});
