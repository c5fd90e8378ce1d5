import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { tempDirs } from '../../helpers/git-repo.js';
import { fileFragments, pathFragments, stdinFragments } from '../../../src/scan/sources/index.js';
import { collect, fakeToken } from './collect.js';

const temp = tempDirs('sealguard-files-');
const repo = temp.repo;
const plainDir = (): string => temp.dir('sealguard-plain-');
function put(root: string, rel: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}
const scan = (paths: string[], cwd: string, max = 0) => collect((ctx) => fileFragments(paths, cwd, ctx), max);
const pathsOf = (r: { fragments: Array<{ path: string }> }) => r.fragments.map((f) => f.path);

describe('fileFragments in a git work tree', () => {
  test('.gitignore is honoured: ignored files are not scanned, tracked and untracked-unignored files are', async () => {
    const r = repo();
    put(r.dir, '.gitignore', '*.log\nbuild/\n');
    put(r.dir, 'src/app.ts', 'const a = 1;\n');
    put(r.dir, 'forced.log', 'tracked although ignored\n');
    r.git('add', '-A');
    r.git('add', '-f', 'forced.log');
    r.commitAll();
    put(r.dir, 'notes.md', 'untracked, not ignored\n');
    put(r.dir, 'debug.log', 'ignored\n');
    put(r.dir, 'build/out.js', 'ignored folder\n');
    const result = await scan(['.'], r.dir);
    expect(pathsOf(result)).toEqual(['.gitignore', 'forced.log', 'notes.md', 'src/app.ts']);
    expect(result.fragments.find((f) => f.path === 'src/app.ts')).toEqual({ path: 'src/app.ts', text: 'const a = 1;\n' });
  });

  test('paths are relative to the current folder, with forward slashes, for a folder argument', async () => {
    const r = repo();
    put(r.dir, 'pkg/a/b.txt', 'b\n');
    put(r.dir, 'other.txt', 'o\n');
    expect(pathsOf(await scan(['pkg'], r.dir))).toEqual(['pkg/a/b.txt']);
    expect(pathsOf(await scan(['..'], path.join(r.dir, 'pkg')))).toEqual(['../other.txt', 'a/b.txt']);
  });

  test('a file named explicitly is scanned even when .gitignore excludes it', async () => {
    const r = repo();
    put(r.dir, '.gitignore', '.env\n');
    put(r.dir, '.env', `TOKEN=${fakeToken()}\n`);
    expect(pathsOf(await scan(['.'], r.dir))).toEqual(['.gitignore']);
    expect(pathsOf(await scan(['.env'], r.dir))).toEqual(['.env']);
  });

  test('a tracked symlink to a folder is skipped with a note and a self-referencing link does not crash the scan', async () => {
    const r = repo();
    put(r.dir, 'real/file.txt', 'content\n');
    fs.symlinkSync('..', path.join(r.dir, 'real', 'up'));
    fs.symlinkSync('loop', path.join(r.dir, 'loop'));
    fs.symlinkSync('real/file.txt', path.join(r.dir, 'link-to-file'));
    r.commitAll();
    const result = await scan(['.'], r.dir);
    expect(pathsOf(result)).toEqual(['link-to-file', 'real/file.txt']);
    expect(result.skips).toEqual([
      { path: 'loop', reason: 'unreadable (ELOOP)' },
      { path: 'real/up', reason: 'symlink to a folder' },
    ]);
  });

  test('files deleted from the work tree but still in the index are passed over silently', async () => {
    const r = repo();
    put(r.dir, 'a.txt', 'a\n');
    put(r.dir, 'b.txt', 'b\n');
    r.commitAll();
    fs.rmSync(path.join(r.dir, 'a.txt'));
    const result = await scan(['.'], r.dir);
    expect(pathsOf(result)).toEqual(['b.txt']);
    expect(result.skips).toEqual([]);
  });
});

describe('fileFragments outside a git repository', () => {
  test('paths are relative to the current folder, with forward slashes, for nested, parent and absolute folder arguments', async () => {
    const root = plainDir();
    put(root, 'pkg/a/b.txt', 'b\n');
    put(root, 'other.txt', 'o\n');
    expect(pathsOf(await scan(['pkg'], root))).toEqual(['pkg/a/b.txt']);
    expect(pathsOf(await scan(['pkg/a/'], root))).toEqual(['pkg/a/b.txt']);
    expect(pathsOf(await scan(['..'], path.join(root, 'pkg')))).toEqual(['../other.txt', 'a/b.txt']);
    expect(pathsOf(await scan([path.join(root, 'pkg')], path.join(root, 'pkg', 'a')))).toEqual(['b.txt']);
    expect(pathsOf(await scan(['.'], path.join(root, 'pkg', 'a')))).toEqual(['b.txt']);
    const found = await scan(['.'], root);
    expect(found.fragments.map((f) => [f.path, f.text])).toEqual([
      ['other.txt', 'o\n'],
      ['pkg/a/b.txt', 'b\n'],
    ]);
  });

  test('.gitignore files are honoured at every level, including re-inclusion, and .git folders are never entered', async () => {
    const d = plainDir();
    put(d, '.gitignore', '*.secret\nvendor/\n');
    put(d, 'keep.txt', 'k\n');
    put(d, 'a.secret', 'ignored\n');
    put(d, 'vendor/lib.js', 'ignored\n');
    put(d, 'sub/.gitignore', '!wanted.secret\nlocal-only.txt\n');
    put(d, 'sub/wanted.secret', 're-included\n');
    put(d, 'sub/other.secret', 'still ignored\n');
    put(d, 'sub/local-only.txt', 'ignored here\n');
    put(d, 'local-only.txt', 'not ignored at the top\n');
    put(d, '.git/config', `token = ${fakeToken()}\n`);
    const result = await scan(['.'], d);
    expect(pathsOf(result)).toEqual(['.gitignore', 'keep.txt', 'local-only.txt', 'sub/.gitignore', 'sub/wanted.secret']);
  });

  test('a symlink loop is skipped with a note instead of being followed', async () => {
    const d = plainDir();
    put(d, 'dir/file.txt', 'f\n');
    fs.symlinkSync('..', path.join(d, 'dir', 'parent'));
    const result = await scan(['.'], d);
    expect(pathsOf(result)).toEqual(['dir/file.txt']);
    expect(result.skips).toEqual([{ path: 'dir/parent', reason: 'symlink to a folder' }]);
  });
});

describe('what gets read and how', () => {
  test('binary files (NUL byte or binary extension) and files over the size limit are skipped with notes', async () => {
    const d = plainDir();
    put(d, 'data.txt', Buffer.concat([Buffer.from('text then '), Buffer.from([0]), Buffer.from('more')]));
    put(d, 'photo.PNG', 'not even read\n');
    put(d, 'big.txt', 'x'.repeat(5000));
    put(d, 'small.txt', 'ok\n');
    const result = await scan(['.'], d, 4096);
    expect(pathsOf(result)).toEqual(['small.txt']);
    expect(result.skips.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'big.txt', reason: 'larger than --max-target-megabytes (4.9 KB)' },
      { path: 'data.txt', reason: 'binary file' },
      { path: 'photo.PNG', reason: 'binary file' },
    ]);
  });

  test('UTF-16 files with a BOM are decoded to text; a UTF-8 BOM is dropped', async () => {
    const d = plainDir();
    const token = fakeToken();
    put(d, 'le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`key=${token}\n`, 'utf16le')]));
    const be = Buffer.from(`key=${token}\n`, 'utf16le').swap16();
    put(d, 'be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
    put(d, 'bom8.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('é=1\n')]));
    const result = await scan(['.'], d);
    expect(result.fragments).toEqual([
      { path: 'be.txt', text: `key=${token}\n` },
      { path: 'bom8.txt', text: 'é=1\n' },
      { path: 'le.txt', text: `key=${token}\n` },
    ]);
  });

  test('many files come back complete and in listing order despite concurrent reads', async () => {
    const d = plainDir();
    for (let i = 0; i < 120; i++) put(d, `f${String(i).padStart(3, '0')}.txt`, `file ${i}\n`.repeat(i + 1));
    const result = await scan(['.'], d);
    expect(result.fragments).toHaveLength(120);
    result.fragments.forEach((f, i) => {
      expect(f.path).toBe(`f${String(i).padStart(3, '0')}.txt`);
      expect(f.text).toBe(`file ${i}\n`.repeat(i + 1));
    });
  });

  test('a path that does not exist is a usage error naming it', async () => {
    const d = plainDir();
    await expect(scan(['nope.txt'], d)).rejects.toMatchObject({ code: 'PATH_NOT_FOUND', exitCode: 2, message: 'no such file or folder: nope.txt' });
  });

  test('pathFragments scans exactly the files the pre-commit framework passes, relative to the repo', async () => {
    const r = repo();
    put(r.dir, 'a.txt', 'a\n');
    put(r.dir, 'dir/b.txt', 'b\n');
    put(r.dir, 'c.txt', 'c\n');
    const result = await collect((ctx) => pathFragments(r.dir, ['dir/b.txt', 'a.txt'], ctx));
    expect(result.fragments).toEqual([
      { path: 'dir/b.txt', text: 'b\n' },
      { path: 'a.txt', text: 'a\n' },
    ]);
    expect((await collect((ctx) => pathFragments(r.dir, [], ctx))).fragments).toEqual([]);
  });
});

describe('stdinFragments', () => {
  test('the whole input becomes one fragment named "stdin" unless a name is given', async () => {
    const token = fakeToken();
    const chunks = [Buffer.from('first line\n'), Buffer.from(`key=${token}`), Buffer.from('\n')];
    const unnamed = await collect((ctx) => stdinFragments(Readable.from(chunks), undefined, ctx));
    expect(unnamed.fragments).toEqual([{ path: 'stdin', text: `first line\nkey=${token}\n` }]);
    const named = await collect((ctx) => stdinFragments(Readable.from([Buffer.from('x')]), 'config/app.env', ctx));
    expect(named.fragments).toEqual([{ path: 'config/app.env', text: 'x' }]);
  });

  test('a multi-byte character split across chunks is decoded intact', async () => {
    const bytes = Buffer.from('café ✓');
    const result = await collect((ctx) => stdinFragments(Readable.from([bytes.subarray(0, 4), bytes.subarray(4, 8), bytes.subarray(8)]), 'stdin', ctx));
    expect(result.fragments[0].text).toBe('café ✓');
  });
});
