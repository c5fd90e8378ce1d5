import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDirs, type TempRepo } from '../helpers/git-repo.js';
import { commitProgressBar, wantsProgress } from '../../src/cli/progress.js';
import type { Io } from '../../src/cli/io.js';
import { defaultHistoryThreads } from '../../src/cli/commands/scan-history.js';

// Fake credentials, assembled at run time so this file itself stays clean for `sealguard scan .`.
const githubToken = 'ghp_' + 'H1st0ryT0k3nV4lu'.repeat(2) + 'Qx7W';
const otherToken = 'ghp_' + 'S3c0ndT0k3nV4lu3'.repeat(2) + 'Lm4P';

const { repo, dir } = tempDirs('sealguard-cli-history-');

interface JsonFinding {
  RuleID: string;
  File: string;
  StartLine: number;
  Commit: string;
  Author: string;
  Email: string;
  Date: string;
  Message: string;
  Fingerprint: string;
}

/** A repo where a token was committed in one commit and deleted in the next. */
function leakedThenRemoved(): { r: TempRepo; leak: string } {
  const r = repo();
  r.write('README.md', '# app\n');
  r.commitAll('init');
  r.write('config/app.env', `DEBUG=1\nGITHUB_TOKEN=${githubToken}\n`);
  r.commitAll('add app config\n\nwith a body');
  const leak = r.git('rev-parse', 'HEAD').trim();
  r.git('rm', '-q', 'config/app.env');
  r.commitAll('remove the token');
  return { r, leak };
}

const json = (stdout: string) => JSON.parse(stdout) as JsonFinding[];

describe('sealguard scan --all-history / --range / --since', () => {
  it('reports a file committed in plaintext where .sops.yaml says it must be encrypted, naming the commit', () => {
    const r = repo();
    r.write('.sops.yaml', 'creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n');
    r.write('secrets/app.yaml', 'db_password: not-encrypted-yet\n');
    r.commitAll('add secrets in plaintext');
    const commit = r.git('rev-parse', 'HEAD').trim();
    const res = runCli(['scan', '--all-history', '-f', 'json'], { cwd: r.dir });
    expect(res.code).toBe(1);
    const plain = json(res.stdout).filter((f) => f.RuleID === 'sops-unencrypted-file');
    expect(plain.map((f) => [f.File, f.Commit, f.StartLine])).toEqual([['secrets/app.yaml', commit, 1]]);
  });

  it('reports a secret that was committed and later deleted, with the commit, author, email, date and message', () => {
    const { r, leak } = leakedThenRemoved();
    const out = runCli(['scan', '--all-history', '-f', 'json'], { cwd: r.dir });
    expect(out.code).toBe(1);
    const [f, ...rest] = json(out.stdout);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      File: 'config/app.env',
      StartLine: 2,
      Commit: leak,
      Author: 'Test User',
      Email: 'test@example.invalid',
      Message: 'add app config\n\nwith a body',
    });
    expect(f.Date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(f.Fingerprint).toMatch(new RegExp(`^${leak}:config/app\\.env:${f.RuleID}:[0-9a-f]{12}$`));
    expect(out.stdout).not.toContain(githubToken);
  });

  it('shows the commit in the text report', () => {
    const { r, leak } = leakedThenRemoved();
    const out = runCli(['scan', '--all-history'], { cwd: r.dir });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('config/app.env:2:');
    expect(out.stdout).toContain(leak.slice(0, 12));
    expect(out.stdout).toContain('Test User <test@example.invalid>');
  });

  it('a range after the leak is clean; a range that includes it is not', () => {
    const { r, leak } = leakedThenRemoved();
    const after = runCli(['scan', '--range', `${leak}..HEAD`], { cwd: r.dir });
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('no leaks found');
    expect(runCli(['scan', '--range', `${leak}~1..HEAD`], { cwd: r.dir }).code).toBe(1);
  });

  it('--since leaves out commits older than the date', () => {
    const { r } = leakedThenRemoved();
    const late = runCli(['scan', '--since', '2099-01-01'], { cwd: r.dir });
    expect(late.stdout + late.stderr).toBe('no leaks found\n');
    expect(late.code).toBe(0);
    expect(runCli(['scan', '--all-history', '--since', '2000-01-01'], { cwd: r.dir }).code).toBe(1);
  });

  it('runs from a subfolder and reports paths from the repository root', () => {
    const { r } = leakedThenRemoved();
    r.write('sub/x.txt', 'x\n');
    r.commitAll('sub');
    const out = runCli(['scan', '--all-history', '-f', 'json'], { cwd: path.join(r.dir, 'sub') });
    expect(json(out.stdout).map((f) => f.File)).toEqual(['config/app.env']);
  });

  it('.sealguardignore accepts a history finding by its fingerprint with or without the commit', () => {
    const { r } = leakedThenRemoved();
    const [f] = json(runCli(['scan', '--all-history', '-f', 'json'], { cwd: r.dir }).stdout);
    writeFileSync(path.join(r.dir, '.sealguardignore'), `# accepted\n${f.Fingerprint}\n`);
    expect(runCli(['scan', '--all-history'], { cwd: r.dir }).code).toBe(0);
    const commitless = f.Fingerprint.slice(f.Commit.length + 1);
    writeFileSync(path.join(r.dir, '.sealguardignore'), `${commitless}\n`);
    expect(runCli(['scan', '--all-history'], { cwd: r.dir }).code).toBe(0);
  });

  it('without --threads, a history scan leaves one core to git log (two cores: one thread; at most four)', () => {
    expect([1, 2, 3, 4, 8, 64].map((cores) => defaultHistoryThreads(cores))).toEqual([1, 1, 2, 3, 4, 4]);
  });

  it('one thread and two threads print the same report', () => {
    const { r } = leakedThenRemoved();
    r.write('more.env', `OTHER=${otherToken}\n`);
    r.commitAll('another');
    const one = runCli(['scan', '--all-history', '--threads', '1', '-f', 'json'], { cwd: r.dir });
    const two = runCli(['scan', '--all-history', '--threads', '2', '-f', 'json'], { cwd: r.dir });
    expect(json(one.stdout)).toHaveLength(2);
    expect(two.stdout).toBe(one.stdout);
  });

  it('prints no progress bar when stderr is not a terminal', () => {
    const { r, leak } = leakedThenRemoved();
    const out = runCli(['scan', '--range', `${leak}..HEAD`], { cwd: r.dir });
    expect(out.stderr).toBe('');
  });

  it('skips a commit\'s file larger than --max-target-megabytes and lists it under --verbose', () => {
    const r = repo();
    r.write('big.txt', `${'y'.repeat(80)}\n`.repeat(14000));
    r.commitAll('big file');
    const sha = r.git('rev-parse', 'HEAD').trim();
    const out = runCli(['scan', '--all-history', '--max-target-megabytes', '1', '-v'], { cwd: r.dir });
    expect(out.code).toBe(0);
    expect(out.stderr).toContain(`skipped ${sha.slice(0, 12)}:big.txt: larger than --max-target-megabytes`);
  });

  it('rejects --range with --all-history, and paths with a history scan, as usage errors', () => {
    const { r } = leakedThenRemoved();
    const both = runCli(['scan', '--range', 'HEAD~1..HEAD', '--all-history'], { cwd: r.dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('choose one of --range and --all-history');
    expect(runCli(['scan', '--all-history', 'src'], { cwd: r.dir }).code).toBe(2);
  });

  it('outside a git repository says so and exits 2', () => {
    const out = runCli(['scan', '--all-history'], { cwd: dir('sealguard-not-a-repo-') });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/not a git repository|not inside a git work tree/);
  });
});

describe('sealguard install --pre-push', () => {
  function clonedRepo(): { r: TempRepo; bare: string } {
    const r = repo();
    const bare = dir('sealguard-cli-bare-');
    r.git('init', '-q', '--bare', bare);
    r.git('remote', 'add', 'origin', bare);
    r.write('README.md', '# app\n');
    r.commitAll('init');
    r.git('push', '-q', '-u', 'origin', 'main');
    expect(runCli(['install', '--pre-push'], { cwd: r.dir }).code).toBe(0);
    return { r, bare };
  }

  it('lets a clean push through and blocks a push whose new commit adds a secret', () => {
    const { r } = clonedRepo();
    r.write('src/a.js', 'export const a = 1;\n');
    r.commitAll('clean');
    expect(r.tryGit('push', '-q', 'origin', 'main').code).toBe(0);

    r.write('deploy.env', `GITHUB_TOKEN=${githubToken}\n`);
    r.commitAll('add deploy env');
    const sha = r.git('rev-parse', 'HEAD').trim();
    const blocked = r.tryGit('push', 'origin', 'main');
    expect(blocked.code).not.toBe(0);
    expect(blocked.output).toContain('deploy.env:1:');
    expect(blocked.output).toContain(sha.slice(0, 12));
    expect(blocked.output).not.toContain(githubToken);
  });

  it('blocks a new branch carrying a secret in a commit that was removed again before the push', () => {
    const { r } = clonedRepo();
    r.git('checkout', '-q', '-b', 'feature');
    r.write('k.env', `T=${githubToken}\n`);
    r.commitAll('add');
    r.git('rm', '-q', 'k.env');
    r.commitAll('remove');
    const blocked = r.tryGit('push', 'origin', 'feature');
    expect(blocked.code).not.toBe(0);
    expect(blocked.output).toContain('k.env:1:');
  });

  it('scans only the commits being pushed, not the ones the remote already has', () => {
    const { r } = clonedRepo();
    r.write('old.env', `T=${githubToken}\n`);
    r.commitAll('accepted long ago');
    expect(r.tryGit('push', '-q', '--no-verify', 'origin', 'main').code).toBe(0);
    r.write('new.txt', 'clean\n');
    r.commitAll('clean change');
    expect(r.tryGit('push', '-q', 'origin', 'main').code).toBe(0);
    r.git('checkout', '-q', '-b', 'topic');
    r.write('topic.txt', 'clean too\n');
    r.commitAll('topic');
    expect(r.tryGit('push', '-q', 'origin', 'topic').code).toBe(0);
  });

  it('deleting a remote branch is never blocked', () => {
    const { r } = clonedRepo();
    r.git('checkout', '-q', '-b', 'gone');
    r.write('g.env', `T=${githubToken}\n`);
    r.commitAll('g');
    expect(r.tryGit('push', '-q', '--no-verify', 'origin', 'gone').code).toBe(0);
    expect(r.tryGit('push', '-q', 'origin', '--delete', 'gone').code).toBe(0);
  });
});

describe('history scan progress bar', () => {
  const fakeIo = (isTTY: boolean, env: NodeJS.ProcessEnv) => {
    let written = '';
    const stderr = Object.assign(new PassThrough(), { isTTY, columns: 100 });
    stderr.on('data', (b: Buffer) => (written += b.toString()));
    const io: Io = { stdout: new PassThrough(), stderr, stdin: new PassThrough(), env, cwd: '/' };
    return { io, written: () => written };
  };

  it('is drawn only on a terminal, and not in CI', () => {
    expect(wantsProgress(fakeIo(true, {}).io)).toBe(true);
    expect(wantsProgress(fakeIo(true, { CI: 'true' }).io)).toBe(false);
    expect(wantsProgress(fakeIo(false, {}).io)).toBe(false);
  });

  it('shows commits done out of the total and the rate', async () => {
    const { io, written } = fakeIo(true, {});
    const bar = await commitProgressBar(io, 40);
    bar.update(10, 5_000_000);
    bar.stop();
    expect(written()).toMatch(/10\/40 commits \| [\d.]+ MB\/s/);
  });
});

describe('history scans of a repository without commits', () => {
  it('--all-history and --since find nothing and exit 0', () => {
    const r = repo();
    expect(runCli(['scan', '--all-history'], { cwd: r.dir }).code).toBe(0);
    const since = runCli(['scan', '--since', '2020-01-01'], { cwd: r.dir });
    expect(since.stderr).toBe('');
    expect(since.code).toBe(0);
  });
});
