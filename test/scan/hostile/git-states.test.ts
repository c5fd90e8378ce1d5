import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, type TempRepo } from '../../helpers/git-repo.js';
import { cliJson, secret, writeTestConfig } from './helpers.js';

const temp = tempDirs('sealguard-gitstate-');

/** A repository with the test rule committed, so later commits and scans see only what a test adds. */
function baseRepo(): TempRepo {
  const repo = temp.repo();
  writeTestConfig(repo.dir);
  repo.write('app.txt', 'one\ntwo\nthree\n');
  repo.commitAll('base');
  return repo;
}

const files = (r: { findings: Array<Record<string, unknown>> }) => r.findings.map((f) => [f.File, f.StartLine]);

describe('repository states a pre-commit hook meets', () => {
  test('a repository with no commits: the staged scan of the first commit sees every staged line', () => {
    const repo = temp.repo();
    writeTestConfig(repo.dir);
    repo.write('a.txt', `x\nkey = "${secret()}"\n`);
    repo.git('add', '-A');
    const r = cliJson(['--staged'], repo.dir);
    expect(r.code, r.stderr).toBe(1);
    expect(files(r)).toEqual([['a.txt', 2]]);
    // And an empty index on an unborn branch is simply clean.
    const empty = temp.repo();
    writeTestConfig(empty.dir);
    expect(cliJson(['--staged'], empty.dir).code).toBe(0);
  });

  test('a detached HEAD: staged and work-tree scans work as on a branch', () => {
    const repo = baseRepo();
    repo.write('app.txt', 'one\ntwo\nthree\nfour\n');
    repo.commitAll('second');
    repo.git('checkout', '-q', '--detach', 'HEAD~1');
    repo.write('app.txt', `one\nkey = "${secret()}"\ntwo\nthree\n`);
    repo.git('add', '-A');
    expect(files(cliJson(['--staged'], repo.dir))).toEqual([['app.txt', 2]]);
    expect(files(cliJson([], repo.dir))).toEqual([['app.txt', 2]]);
  });

  test('a merge in progress with a conflict: the conflicted path is noted, the cleanly merged file is scanned, exit is not 2', () => {
    const repo = baseRepo();
    repo.git('checkout', '-q', '-b', 'other');
    repo.write('app.txt', 'one\nTHEIRS\nthree\n');
    repo.write('clean.txt', `key = "${secret('Clean000')}"\n`);
    repo.commitAll('other');
    repo.git('checkout', '-q', 'main');
    repo.write('app.txt', `one\nkey = "${secret()}"\nthree\n`);
    repo.commitAll('ours');
    expect(repo.tryGit('merge', 'other').code).not.toBe(0);
    const r = cliJson(['--staged', '-v'], repo.dir);
    expect(r.code, r.stderr).toBe(1);
    expect(files(r)).toEqual([['clean.txt', 1]]);
    expect(r.stderr).toContain('skipped app.txt: unmerged path');
    // Resolving the conflict by keeping our line stages it: already committed on main, so nothing new.
    repo.write('app.txt', `one\nkey = "${secret()}"\nthree\n`);
    repo.git('add', 'app.txt');
    expect(files(cliJson(['--staged'], repo.dir))).toEqual([['clean.txt', 1]]);
  });

  test('a rebase stopped on a conflict: the staged scan sees the replayed commit’s lines; the work tree scan sees the markers', () => {
    const repo = baseRepo();
    repo.git('checkout', '-q', '-b', 'topic');
    repo.write('app.txt', `one\nkey = "${secret()}"\nthree\n`);
    repo.commitAll('topic');
    repo.git('checkout', '-q', 'main');
    repo.write('app.txt', 'one\nMAIN\nthree\n');
    repo.commitAll('main');
    repo.git('checkout', '-q', 'topic');
    expect(repo.tryGit('rebase', 'main').code).not.toBe(0);
    expect(fs.existsSync(path.join(repo.dir, '.git', 'rebase-merge'))).toBe(true);
    const staged = cliJson(['--staged', '-v'], repo.dir);
    expect(staged.code).not.toBe(2);
    expect(staged.stderr).toContain('skipped app.txt: unmerged path');
    const tree = cliJson([], repo.dir);
    expect(tree.code).toBe(1);
    expect(files(tree)).toEqual([['app.txt', 5]]);
    repo.write('app.txt', `one\nkey = "${secret()}"\nthree\n`);
    repo.git('add', 'app.txt');
    expect(files(cliJson(['--staged'], repo.dir))).toEqual([['app.txt', 2]]);
  });

  test('git stash: stashed changes are not staged and not reported; popping them back restores the finding', () => {
    const repo = baseRepo();
    repo.write('app.txt', `one\nkey = "${secret()}"\nthree\n`);
    repo.git('add', '-A');
    repo.git('stash', '-q');
    expect(cliJson(['--staged'], repo.dir).code).toBe(0);
    expect(cliJson([], repo.dir).code).toBe(0);
    repo.git('stash', 'pop', '-q', '--index');
    expect(files(cliJson(['--staged'], repo.dir))).toEqual([['app.txt', 2]]);
  });
});

describe('clones and nested repositories', () => {
  test('a shallow clone (--depth 1): staged and work-tree scans work', () => {
    const origin = baseRepo();
    origin.write('app.txt', 'one\ntwo\nthree\nfour\n');
    origin.commitAll('second');
    const dir = temp.dir('sealguard-shallow-');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${origin.dir}`, 'c'], { cwd: dir });
    const clone = path.join(dir, 'c');
    expect(execFileSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: clone, encoding: 'utf8' }).trim()).toBe('true');
    fs.appendFileSync(path.join(clone, 'app.txt'), `key = "${secret()}"\n`);
    execFileSync('git', ['add', '-A'], { cwd: clone });
    expect(files(cliJson(['--staged'], clone))).toEqual([['app.txt', 5]]);
    expect(files(cliJson([], clone))).toEqual([['app.txt', 5]]);
  });

  test('a submodule: the superproject scan notes it and does not fail; scanning inside it finds its secrets', () => {
    const sub = baseRepo();
    sub.write('inner.txt', `key = "${secret('Inner000')}"\n`);
    sub.commitAll('inner');
    const top = baseRepo();
    top.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.dir, 'vendor/sub');
    top.git('commit', '-q', '-m', 'add submodule');
    const tree = cliJson(['-v'], top.dir);
    expect(tree.code, tree.stderr).toBe(0);
    expect(tree.stderr).toContain('skipped vendor/sub: folder');
    // A change inside the submodule, staged in the superproject, is a gitlink: nothing to scan there.
    fs.appendFileSync(path.join(top.dir, 'vendor/sub/inner.txt'), `k2 = "${secret('Second00')}"\n`);
    expect(cliJson(['--staged'], top.dir).code).toBe(0);
    const inside = cliJson([], path.join(top.dir, 'vendor/sub'));
    expect(inside.findings.map((f) => f.File).sort()).toEqual(['inner.txt', 'inner.txt']);
  });
});
