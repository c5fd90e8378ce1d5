import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readTextFile } from '../../../src/scan/sources/read-file.js';
import { recordingContext } from './collect.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sealguard-read-file-'));
}

describe('readTextFile (one descriptor, synchronous reads)', () => {
  const { ctx } = recordingContext();

  test('a text file comes back whole, UTF-8 decoded', () => {
    const dir = tempDir();
    const text = 'héllo wörld\n'.repeat(5000);
    fs.writeFileSync(path.join(dir, 'a.txt'), text);
    expect(readTextFile(path.join(dir, 'a.txt'), ctx)).toEqual({ text });
  });

  test('an empty file is scanned as empty text', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'empty'), '');
    expect(readTextFile(path.join(dir, 'empty'), ctx)).toEqual({ text: '' });
  });

  test('a file with a NUL byte early on is skipped as binary', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'b.dat'), Buffer.from([0x41, 0x00, 0x42]));
    expect(readTextFile(path.join(dir, 'b.dat'), ctx)).toEqual({ skip: 'binary file' });
  });

  test('a file over the size limit is skipped with its size, unread', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'big.txt'), 'x'.repeat(3 * 1024 * 1024));
    const r = readTextFile(path.join(dir, 'big.txt'), recordingContext(1024 * 1024).ctx);
    expect(r).toEqual({ skip: 'larger than --max-target-megabytes (3.0 MB)' });
  });

  test('a folder and a symlink to a folder are skipped with their own reasons', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.symlinkSync(path.join(dir, 'sub'), path.join(dir, 'link'));
    expect(readTextFile(path.join(dir, 'sub'), ctx)).toEqual({ skip: 'folder (submodule or nested repository)' });
    expect(readTextFile(path.join(dir, 'link'), ctx)).toEqual({ skip: 'symlink to a folder' });
  });

  test('a missing file or a dangling symlink has nothing to scan and is not an error', () => {
    const dir = tempDir();
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
    expect(readTextFile(path.join(dir, 'gone.txt'), ctx)).toBeUndefined();
    expect(readTextFile(path.join(dir, 'dangling'), ctx)).toBeUndefined();
  });

  test('a FIFO named on the command line returns at once instead of waiting for a writer', () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    expect(readTextFile(fifo, ctx)).toBeUndefined();
  });
});
