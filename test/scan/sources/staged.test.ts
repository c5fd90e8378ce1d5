import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempDirs } from '../../helpers/git-repo.js';
import { stagedFragments } from '../../../src/scan/sources/index.js';
import { collect, fakeToken } from './collect.js';

const { repo } = tempDirs('sealguard-staged-');

const staged = (dir: string, max = 0) => collect((ctx) => stagedFragments(dir, ctx), max);
const lines = (n: number, prefix = 'line') => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join('\n') + '\n';

describe('stagedFragments', () => {
  test('before the first commit every staged line is reported, numbered from 1', async () => {
    const r = repo();
    r.write('app/config.txt', 'alpha\nbeta\n');
    r.git('add', '-A');
    const { fragments, skips } = await staged(r.dir);
    expect(fragments).toEqual([{ path: 'app/config.txt', text: 'alpha\nbeta', lines: [1, 2] }]);
    expect(skips).toEqual([]);
  });

  test('lines added in the middle of a file carry their line numbers in the new file', async () => {
    const r = repo();
    r.write('a.txt', lines(6));
    r.commitAll();
    const content = lines(6).split('\n');
    content.splice(2, 0, 'new A', 'new B');
    content.splice(7, 1, 'changed 6');
    r.write('a.txt', content.join('\n'));
    r.git('add', '-A');
    const { fragments } = await staged(r.dir);
    expect(fragments).toEqual([{ path: 'a.txt', text: 'new A\nnew B\nchanged 6', lines: [3, 4, 8] }]);
    const onDisk = fs.readFileSync(path.join(r.dir, 'a.txt'), 'utf8').split('\n');
    for (const [i, n] of fragments[0].lines!.entries()) expect(onDisk[n - 1]).toBe(fragments[0].text.split('\n')[i]);
  });

  test('a secret already committed and untouched by the change is not reported again', async () => {
    const r = repo();
    const token = fakeToken();
    r.write('settings.env', `TOKEN=${token}\nA=1\n`);
    r.commitAll();
    r.write('settings.env', `TOKEN=${token}\nA=1\nB=2\n`);
    r.git('add', '-A');
    const { fragments } = await staged(r.dir);
    expect(fragments).toEqual([{ path: 'settings.env', text: 'B=2', lines: [3] }]);
  });

  test('a renamed file with one edited line reports only that line, under the new name', async () => {
    const r = repo();
    r.write('old name.txt', lines(20));
    r.commitAll();
    r.git('mv', 'old name.txt', 'new name.txt');
    r.write('new name.txt', lines(20).replace('line 10\n', 'line ten\n'));
    r.git('add', '-A');
    const { fragments } = await staged(r.dir);
    expect(fragments).toEqual([{ path: 'new name.txt', text: 'line ten', lines: [10] }]);
  });

  test('a copy of a file changed in the same commit reports only what differs from its source', async () => {
    const r = repo();
    r.write('source.txt', lines(30));
    r.commitAll();
    r.write('copy.txt', lines(30) + 'only in copy\n');
    r.write('source.txt', lines(30) + 'only in source\n');
    r.git('add', '-A');
    const { fragments } = await staged(r.dir);
    expect(fragments).toEqual([
      { path: 'copy.txt', text: 'only in copy', lines: [31] },
      { path: 'source.txt', text: 'only in source', lines: [31] },
    ]);
  });

  test('a mode change and a deletion produce nothing', async () => {
    const r = repo();
    r.write('run.sh', '#!/bin/sh\necho hi\n');
    r.write('gone.txt', `secret=${fakeToken()}\n`);
    r.commitAll();
    fs.chmodSync(path.join(r.dir, 'run.sh'), 0o755);
    r.git('update-index', '--chmod=+x', 'run.sh');
    r.git('rm', '-q', 'gone.txt');
    const { fragments, skips } = await staged(r.dir);
    expect(r.git('diff', '--cached', '--name-status')).toContain('gone.txt');
    expect(fragments).toEqual([]);
    expect(skips).toEqual([]);
  });

  test('a staged binary file is skipped with a note', async () => {
    const r = repo();
    r.write('logo.img', Buffer.from([0x89, 0x50, 0x00, 0x01, 0x02]));
    r.write('readme.md', 'hello\n');
    r.git('add', '-A');
    const { fragments, skips } = await staged(r.dir);
    expect(fragments.map((f) => f.path)).toEqual(['readme.md']);
    expect(skips).toEqual([{ path: 'logo.img', reason: 'binary file' }]);
  });

  test('files with spaces, non-ASCII letters and tabs in their names keep their exact names', async () => {
    const r = repo();
    const names = ['my notes/to do.txt', 'café ✓.txt', 'tab\tname.txt', 'q"uote.txt'];
    for (const n of names) r.write(n, `in ${n}\n`);
    r.git('add', '-A');
    const { fragments } = await staged(r.dir);
    expect(fragments.map((f) => f.path).sort()).toEqual([...names].sort());
    for (const f of fragments) expect(f.text).toBe(`in ${f.path}`);
  });

  test('CRLF files are reported without carriage returns', async () => {
    const r = repo();
    r.write('win.ini', 'a=1\r\nb=2\r\n');
    r.git('add', '-A');
    const { fragments } = await staged(r.dir);
    expect(fragments).toEqual([{ path: 'win.ini', text: 'a=1\nb=2', lines: [1, 2] }]);
  });

  test('during a merge with a conflict, the conflicted path is noted and the merged lines are reported', async () => {
    const r = repo();
    r.write('conflict.txt', 'base\n');
    r.write('clean.txt', 'base\n');
    r.commitAll('base');
    r.git('checkout', '-q', '-b', 'other');
    r.write('conflict.txt', 'theirs\n');
    r.write('clean.txt', 'base\nfrom other\n');
    r.commitAll('other');
    r.git('checkout', '-q', 'main');
    r.write('conflict.txt', 'ours\n');
    r.commitAll('ours');
    expect(r.tryGit('merge', 'other').code).not.toBe(0);
    expect(fs.existsSync(path.join(r.dir, '.git', 'MERGE_HEAD'))).toBe(true);
    const first = await staged(r.dir);
    expect(first.fragments).toEqual([{ path: 'clean.txt', text: 'from other', lines: [2] }]);
    expect(first.skips.map((s) => s.path)).toEqual(['conflict.txt']);
    expect(first.skips[0].reason).toMatch(/unmerged/);

    r.write('conflict.txt', 'resolved\n');
    r.git('add', 'conflict.txt');
    const resolved = await staged(r.dir);
    expect(resolved.fragments).toEqual([
      { path: 'clean.txt', text: 'from other', lines: [2] },
      { path: 'conflict.txt', text: 'resolved', lines: [1] },
    ]);
    expect(resolved.skips).toEqual([]);
  });

  test('in a linked worktree, the worktree’s own index is scanned', async () => {
    const r = repo();
    r.write('a.txt', 'one\n');
    r.commitAll();
    const wt = path.join(r.dir, '..', path.basename(r.dir) + '-wt');
    r.git('worktree', 'add', '-q', '-b', 'feature', wt);
    try {
      fs.writeFileSync(path.join(wt, 'a.txt'), 'one\ntwo\n');
      r.write('a.txt', 'one\nmain only\n');
      r.git('add', '-A');
      execIn(wt, 'add', '-A');
      const { fragments } = await staged(wt);
      expect(fragments).toEqual([{ path: 'a.txt', text: 'two', lines: [2] }]);
    } finally {
      fs.rmSync(wt, { recursive: true, force: true });
    }
  });

  test('inside a hook of `git commit -a`, the index git is committing (GIT_INDEX_FILE) is the one scanned', async () => {
    const r = repo();
    r.write('a.txt', 'one\n');
    r.commitAll();
    r.write('a.txt', 'one\nonly in the commit index\n');
    const alt = path.join(r.dir, '.git', 'index.commit');
    fs.copyFileSync(path.join(r.dir, '.git', 'index'), alt);
    execFileSync('git', ['add', 'a.txt'], { cwd: r.dir, env: { ...process.env, GIT_INDEX_FILE: alt } });
    expect((await staged(r.dir)).fragments).toEqual([]);
    const saved = process.env.GIT_INDEX_FILE;
    process.env.GIT_INDEX_FILE = alt;
    try {
      expect((await staged(r.dir)).fragments).toEqual([{ path: 'a.txt', text: 'only in the commit index', lines: [2] }]);
    } finally {
      if (saved === undefined) delete process.env.GIT_INDEX_FILE;
      else process.env.GIT_INDEX_FILE = saved;
    }
  });

  test('run from a subfolder, paths are still relative to the repository root', async () => {
    const r = repo();
    r.write('pkg/sub/file.txt', 'x\n');
    r.git('add', '-A');
    const { fragments } = await staged(path.join(r.dir, 'pkg'));
    expect(fragments.map((f) => f.path)).toEqual(['pkg/sub/file.txt']);
  });

  test('a staged change whose added text exceeds the size limit is skipped with a note', async () => {
    const r = repo();
    r.write('big.txt', 'x'.repeat(3000) + '\n');
    r.write('small.txt', 'y\n');
    r.git('add', '-A');
    const { fragments, skips } = await staged(r.dir, 1000);
    expect(fragments.map((f) => f.path)).toEqual(['small.txt']);
    expect(skips).toEqual([{ path: 'big.txt', reason: expect.stringMatching(/^larger than/) }]);
  });

  test('outside a git repository the user gets GIT_NOT_A_REPO', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealguard-norepo-'));
    try {
      await expect(staged(dir)).rejects.toMatchObject({ code: 'GIT_NOT_A_REPO', exitCode: 2 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function execIn(dir: string, ...args: string[]): void {
  execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}
