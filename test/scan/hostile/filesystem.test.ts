import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../../helpers/git-repo.js';
import { cliJson, scanFiles, secret, writeTestConfig } from './helpers.js';

const temp = tempDirs('sealguard-fs-');

describe('symlink loops', () => {
  test('links to their own folder, to a parent and in a cycle end the walk with notes, not a hang', async () => {
    const dir = temp.dir('sealguard-loop-');
    fs.mkdirSync(path.join(dir, 'a/b'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a/b/s.txt'), `key = "${secret()}"\n`);
    fs.symlinkSync('.', path.join(dir, 'a/self'));
    fs.symlinkSync('../..', path.join(dir, 'a/b/up'));
    fs.symlinkSync('c2', path.join(dir, 'c1'));
    fs.symlinkSync('c1', path.join(dir, 'c2'));
    fs.symlinkSync('a/b/s.txt', path.join(dir, 'file-link'));
    const { findings, skips } = await scanFiles(['.'], dir);
    expect(findings.map((f) => f.file).sort()).toEqual(['a/b/s.txt', 'file-link']);
    expect(skips.map((s) => s.path).sort()).toEqual(['a/b/up', 'a/self']);
    expect(skips.every((s) => s.reason === 'symlink to a folder')).toBe(true);
  });

  test('the same loops committed to a git repository', () => {
    const repo = temp.repo();
    repo.write('a/s.txt', `key = "${secret()}"\n`);
    fs.symlinkSync('..', path.join(repo.dir, 'a/up'));
    fs.symlinkSync('c2', path.join(repo.dir, 'c1'));
    fs.symlinkSync('c1', path.join(repo.dir, 'c2'));
    repo.commitAll();
    writeTestConfig(repo.dir);
    const r = cliJson(['-v'], repo.dir);
    expect(r.code).toBe(1);
    expect(r.findings.map((f) => f.File)).toEqual(['a/s.txt']);
    expect(r.stderr).toContain('skipped a/up: symlink to a folder');
  });
});

describe('files the user cannot read', () => {
  /** As root, mode 000 does not stop a read: the test then checks the file is simply scanned. */
  function denied(p: string): boolean {
    try {
      fs.readFileSync(p);
      return false;
    } catch {
      return true;
    }
  }

  test('an unreadable file and an unreadable folder are skipped with a note; the rest is scanned and the exit status is not 2', () => {
    const dir = temp.dir('sealguard-perm-');
    fs.writeFileSync(path.join(dir, 'locked.txt'), `key = "${secret('Locked00')}"\n`);
    fs.mkdirSync(path.join(dir, 'closed'));
    fs.writeFileSync(path.join(dir, 'closed/inner.txt'), `key = "${secret('Inner000')}"\n`);
    fs.writeFileSync(path.join(dir, 'open.txt'), `key = "${secret()}"\n`);
    writeTestConfig(dir);
    fs.chmodSync(path.join(dir, 'locked.txt'), 0o000);
    fs.chmodSync(path.join(dir, 'closed'), 0o000);
    try {
      const blocked = denied(path.join(dir, 'locked.txt'));
      const r = cliJson(['-v'], dir);
      expect(r.code).toBe(1);
      if (blocked) {
        expect(r.findings.map((f) => f.File)).toEqual(['open.txt']);
        expect(r.stderr).toContain('skipped locked.txt: unreadable (EACCES)');
        expect(r.stderr).toMatch(/skipped closed: unreadable folder \(EACCES\)/);
      } else {
        // Running as root: permissions do not apply, so everything is read.
        expect(r.findings.map((f) => f.File).sort()).toEqual(['closed/inner.txt', 'locked.txt', 'open.txt']);
      }
    } finally {
      fs.chmodSync(path.join(dir, 'locked.txt'), 0o644);
      fs.chmodSync(path.join(dir, 'closed'), 0o755);
    }
  });

  test('a FIFO named on the command line does not block the scan', () => {
    const dir = temp.dir('sealguard-fifo-');
    const made = (() => {
      try {
        execFileSync('mkfifo', [path.join(dir, 'pipe')]);
        return true;
      } catch {
        return false;
      }
    })();
    fs.writeFileSync(path.join(dir, 'open.txt'), `key = "${secret()}"\n`);
    writeTestConfig(dir);
    const r = cliJson(made ? ['pipe', 'open.txt'] : ['open.txt'], dir);
    expect(r.code).toBe(1);
    expect(r.findings.map((f) => f.File)).toEqual(['open.txt']);
  });
});

describe('file names that break naive parsing', () => {
  const names = ['with space.txt', 'quote"d.txt', "apos'trophe.txt", 'new\nline.txt', 'tab\there.txt', 'back\\slash.txt', 'ünïcödé.txt', ' leading-space.txt', '-dash.txt'];

  test('a plain folder walk reports each file under its exact name', async () => {
    const dir = temp.dir('sealguard-names-');
    for (const n of names) fs.writeFileSync(path.join(dir, n), `key = "${secret()}"\n`);
    const { findings, skips } = await scanFiles(['.'], dir);
    expect(skips).toEqual([]);
    expect(findings.map((f) => f.file).sort()).toEqual([...names].sort());
  });

  test('a file whose name is not valid UTF-8 is skipped with a note (plain walk and git work tree), never silently', async () => {
    const dir = temp.dir('sealguard-bytes-');
    const raw = Buffer.concat([Buffer.from(dir + '/'), Buffer.from([0x62, 0xff, 0x61, 0x64, 0x2e, 0x74, 0x78, 0x74])]);
    fs.writeFileSync(raw, `key = "${secret()}"\n`);
    fs.writeFileSync(path.join(dir, 'good.txt'), `key = "${secret()}"\n`);
    const plain = await scanFiles(['.'], dir);
    expect(plain.findings.map((f) => f.file)).toEqual(['good.txt']);
    expect(plain.skips).toEqual([{ path: 'b\ufffdad.txt', reason: expect.stringContaining('not valid UTF-8') }]);
    execFileSync('git', ['init', '-q'], { cwd: dir });
    const inGit = await scanFiles(['.'], dir);
    expect(inGit.findings.map((f) => f.file)).toEqual(['good.txt']);
    expect(inGit.skips).toEqual([{ path: 'b\ufffdad.txt', reason: expect.stringContaining('not valid UTF-8') }]);
  });

  test('a name that really contains U+FFFD is scanned like any other', async () => {
    const dir = temp.dir('sealguard-fffd-');
    fs.writeFileSync(path.join(dir, 'real\ufffd.txt'), `key = "${secret()}"\n`);
    expect((await scanFiles(['.'], dir)).findings.map((f) => f.file)).toEqual(['real\ufffd.txt']);
  });
});
