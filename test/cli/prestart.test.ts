import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { runtimeImports, SRC } from '../helpers/imports.js';
import { tempDirs, type TempRepo } from '../helpers/git-repo.js';
import { historyRequestOf } from '../../src/cli/prestart.js';
import { guessToplevel } from '../../src/git/toplevel.js';
import { prestartSpooledGit, spoolGitChunks } from '../../src/git/spool.js';

// A fake token, assembled at run time so this file itself stays clean for `sealguard scan .`.
const token = 'ghp_' + 'Pr3st4rtT0k3nV4l'.repeat(2) + 'Zq8R';

const { repo, dir } = tempDirs('sealguard-prestart-');

const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

/**
 * A folder with a `git` that logs each call's arguments (one line each) and runs the real git; as
 * `old`, it also says it is git 2.30 and rejects --diff-merges=remerge, as gits before 2.36 do.
 */
function loggingGit(old: boolean): { bin: string; calls: () => string[] } {
  const bin = dir('sealguard-prestart-bin-');
  const log = path.join(bin, 'calls.log');
  const oldPart = old
    ? `case " $* " in *" version "*) echo "git version 2.30.0"; exit 0;; *" --diff-merges=remerge "*) echo "fatal: unrecognized argument: --diff-merges=remerge" >&2; exit 128;; esac\n`
    : '';
  writeFileSync(path.join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\n${oldPart}exec '${realGit}' "$@"\n`);
  chmodSync(path.join(bin, 'git'), 0o755);
  return { bin, calls: () => readFileSync(log, 'utf8').trim().split('\n') };
}

function leakyRepo(): TempRepo {
  const r = repo();
  r.write('README.md', '# app\n');
  r.commitAll('init');
  r.write('app.env', `GITHUB_TOKEN=${token}\n`);
  r.commitAll('add config');
  return r;
}

const logCalls = (calls: string[]) => calls.filter((c) => / log -p /.test(` ${c} `));

describe('the head start of a history scan', () => {
  it('recognises plain --all-history and --range scans, and nothing else', () => {
    expect(historyRequestOf(['scan', '--all-history'])).toEqual({ allHistory: true });
    expect(historyRequestOf(['scan', '--range', 'main..HEAD', '-f', 'json'])).toEqual({ range: 'main..HEAD' });
    expect(historyRequestOf(['scan', '--range=a..b', '--since', '2 weeks ago', '-r', 'out.json'])).toEqual({ range: 'a..b', since: '2 weeks ago' });
    // A value that looks like a flag belongs to its option.
    expect(historyRequestOf(['scan', '--all-history', '--report-path', '--range'])).toEqual({ allHistory: true });
    for (const argv of [
      ['scan'],
      ['scan', '.'],
      ['scan', '--staged'],
      ['scan', '--pre-push'],
      ['scan', '--since', 'yesterday'],
      ['scan', '--all-history', '--help'],
      ['scan', '--all-history', '--range', 'a..b'],
      ['scan', '--all-history', 'src'],
      ['scan', '--all-history', '--', 'x'],
      ['scan', '--all-history', '--no-such-flag'],
      ['scan', '--range'],
      ['baseline', '--all-history'],
    ]) {
      expect(historyRequestOf(argv), argv.join(' ')).toBeUndefined();
    }
  });

  it('loads only what starting git needs, so it runs before the rest of the CLI loads', () => {
    const modules = [...runtimeImports(path.join(SRC, 'cli/prestart.ts'))].map((f) => path.relative(SRC, f)).sort();
    expect(modules).toEqual(['cli/prestart.ts', 'git/run.ts', 'git/spool.ts', 'git/toplevel.ts', 'scan/sources/history-args.ts', 'scan/sources/log-format.ts', 'shared/errors.ts']);
  });

  it('guesses the top folder git finds, from a nested folder, and leaves it to git when GIT_DIR is set', () => {
    const r = repo();
    r.write('a/b/c.txt', 'x\n');
    const top = realpathSync(r.git('rev-parse', '--show-toplevel').trim());
    expect(guessToplevel(path.join(r.dir, 'a', 'b'))).toBe(top);
    expect(guessToplevel(path.join(r.dir, 'a'), { GIT_DIR: path.join(r.dir, '.git') })).toBeUndefined();
  });

  it('starts git log once: the scan takes over the log started before the CLI loaded', () => {
    const r = leakyRepo();
    const git = loggingGit(false);
    const res = runCli(['scan', '--all-history', '-f', 'json'], { cwd: r.dir, env: { PATH: `${git.bin}:${process.env.PATH}` } });
    expect(res.code).toBe(1);
    expect((JSON.parse(res.stdout) as { File: string }[]).map((f) => f.File)).toEqual(['app.env']);
    const logs = logCalls(git.calls());
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('--diff-merges=remerge');
  });

  it('with a git too old for --diff-merges=remerge, drops the head start and scans with the usual log', () => {
    const r = leakyRepo();
    const git = loggingGit(true);
    const res = runCli(['scan', '--range', 'HEAD~1..HEAD', '-f', 'json'], { cwd: r.dir, env: { PATH: `${git.bin}:${process.env.PATH}` } });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(1);
    expect((JSON.parse(res.stdout) as { File: string }[]).map((f) => f.File)).toEqual(['app.env']);
    const logs = logCalls(git.calls());
    expect(logs).toHaveLength(2);
    expect(logs[0]).toContain('--diff-merges=remerge');
    expect(logs[1]).not.toContain('--diff-merges');
  });

  it('reports a bad range with the usual one-line error and exit status 2', () => {
    const r = leakyRepo();
    const res = runCli(['scan', '--range', 'no-such-branch..HEAD'], { cwd: r.dir });
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('no-such-branch');
  });

  it('run from a subfolder, scans the whole repository as before', () => {
    const r = leakyRepo();
    r.write('sub/dir/x.txt', 'x\n');
    r.commitAll('sub');
    const git = loggingGit(false);
    const res = runCli(['scan', '--all-history', '-f', 'json'], { cwd: path.join(r.dir, 'sub', 'dir'), env: { PATH: `${git.bin}:${process.env.PATH}` } });
    expect(res.code).toBe(1);
    expect((JSON.parse(res.stdout) as { File: string }[]).map((f) => f.File)).toEqual(['app.env']);
    expect(logCalls(git.calls())).toHaveLength(1);
  });
});

describe('a prestarted spooled git', () => {
  const chunksOf = async (gen: AsyncGenerator<Buffer>) => {
    const parts: Buffer[] = [];
    for await (const c of gen) parts.push(Buffer.from(c));
    return Buffer.concat(parts).toString('utf8');
  };

  it('is adopted by a read of the same command, and replaced by a read of another, leaving no temp file', async () => {
    const r = leakyRepo();
    const spoolDir = dir('sealguard-prestart-spool-');
    mkdirSync(spoolDir, { recursive: true });
    const git = loggingGit(false);
    const savedPath = process.env.PATH;
    process.env.PATH = `${git.bin}:${savedPath}`;
    try {
      const args = ['log', '--format=%s'];
      prestartSpooledGit(args, { cwd: r.dir, dir: spoolDir });
      expect(readdirSync(spoolDir)).toEqual([]);
      expect(await chunksOf(spoolGitChunks(args, { cwd: r.dir, dir: spoolDir }))).toBe('add config\ninit\n');
      expect(git.calls()).toHaveLength(1);

      prestartSpooledGit(['log', '--format=%s'], { cwd: r.dir, dir: spoolDir });
      expect(await chunksOf(spoolGitChunks(['log', '--format=%an'], { cwd: r.dir, dir: spoolDir }))).toBe('Test User\nTest User\n');
      // The replaced git is stopped at once, often before its wrapper logs the call.
      const calls = git.calls().map((c) => c.replace('-c core.quotepath=false ', ''));
      expect(calls[0]).toBe('log --format=%s');
      expect(calls.at(-1)).toBe('log --format=%an');
      expect(readdirSync(spoolDir)).toEqual([]);
    } finally {
      process.env.PATH = savedPath;
    }
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith(`sealguard-git-${process.pid}-`))).toEqual([]);
  });
});
