import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ReadBuffer, readTextFile } from '../../../src/scan/sources/read-file.js';
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
    expect(textAndBytes(readTextFile(path.join(dir, 'a.txt'), ctx))).toEqual({ text, utf8: Buffer.from(text, 'utf8') });
  });

  test("a UTF-8 file with a BOM gives the text and bytes after the BOM; invalid UTF-8 and UTF-16 give no bytes (the engine encodes the text itself)", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'bom.txt'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('key = 1\n')]));
    expect(readTextFile(path.join(dir, 'bom.txt'), ctx)).toEqual({ text: 'key = 1\n', utf8: Buffer.from('key = 1\n') });
    fs.writeFileSync(path.join(dir, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    expect(readTextFile(path.join(dir, 'latin1.txt'), ctx)).toEqual({ text: 'caf\ufffd\n' });
    fs.writeFileSync(path.join(dir, 'utf16.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hi\n', 'utf16le')]));
    expect(readTextFile(path.join(dir, 'utf16.txt'), ctx)).toEqual({ text: 'hi\n' });
  });

  test('an empty file is scanned as empty text', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'empty'), '');
    expect(textAndBytes(readTextFile(path.join(dir, 'empty'), ctx))).toEqual({ text: '', utf8: Buffer.alloc(0) });
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

describe('readTextFile into a reused buffer', () => {
  const { ctx } = recordingContext();

  test('each file read into one buffer gives its own bytes and text, never what a longer earlier file left there', () => {
    const dir = tempDir();
    const long = 'a'.repeat(300 * 1024) + ' tail of the long file\n';
    fs.writeFileSync(path.join(dir, 'long.txt'), long);
    fs.writeFileSync(path.join(dir, 'short.txt'), 'short\n');
    fs.writeFileSync(path.join(dir, 'médium.txt'), 'ü'.repeat(1000));
    const into = new ReadBuffer();
    expect(textAndBytes(readTextFile(path.join(dir, 'long.txt'), ctx, into))).toEqual({ text: long, utf8: Buffer.from(long) });
    expect(textAndBytes(readTextFile(path.join(dir, 'short.txt'), ctx, into))).toEqual({ text: 'short\n', utf8: Buffer.from('short\n') });
    expect(textAndBytes(readTextFile(path.join(dir, 'médium.txt'), ctx, into))).toEqual({ text: 'ü'.repeat(1000), utf8: Buffer.from('ü'.repeat(1000)) });
    expect(textAndBytes(readTextFile(path.join(dir, 'long.txt'), ctx, into))?.text).toBe(long);
  });

  test('text decoded before the next read stays whole after the buffer is refilled', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'one.txt'), 'first file\n');
    fs.writeFileSync(path.join(dir, 'two.txt'), 'SECOND FILE\n');
    const into = new ReadBuffer();
    const first = textAndBytes(readTextFile(path.join(dir, 'one.txt'), ctx, into));
    readTextFile(path.join(dir, 'two.txt'), ctx, into);
    expect(first?.text).toBe('first file\n');
  });

  test('a file larger than the shared buffer may grow to is read into a buffer of its own', () => {
    const dir = tempDir();
    const big = 'b'.repeat(17 * 1024 * 1024);
    fs.writeFileSync(path.join(dir, 'big.txt'), big);
    fs.writeFileSync(path.join(dir, 'small.txt'), 'small\n');
    const into = new ReadBuffer();
    const r = readTextFile(path.join(dir, 'big.txt'), recordingContext(64 * 1024 * 1024).ctx, into);
    const bytes = r !== undefined && 'utf8' in r ? r.utf8 : undefined;
    readTextFile(path.join(dir, 'small.txt'), ctx, into);
    expect(bytes?.length).toBe(big.length);
    expect(bytes?.subarray(0, 6).toString()).toBe('bbbbbb');
  });
});

describe('readTextFile of a file the folder listing called regular (read to its end, no fstat)', () => {
  const { ctx } = recordingContext();

  test('files smaller and larger than the shared buffer, one after the other, come back whole', () => {
    const dir = tempDir();
    const into = new ReadBuffer();
    // 256 KB is the shared buffer's first size: a file of exactly that, one byte more, much more.
    for (const size of [10, 256 * 1024, 256 * 1024 + 1, 700 * 1024 + 3, 7]) {
      const text = `${'é'.repeat(size >> 1)}${'z'.repeat(size & 1)}`;
      fs.writeFileSync(path.join(dir, `f${size}.txt`), text);
      expect(textAndBytes(readTextFile(path.join(dir, `f${size}.txt`), ctx, into, true))?.text, String(size)).toBe(text);
    }
  });

  test('an empty file is empty text, a binary one is skipped, an over-large one is skipped with its size', () => {
    const dir = tempDir();
    const into = new ReadBuffer();
    fs.writeFileSync(path.join(dir, 'empty'), '');
    fs.writeFileSync(path.join(dir, 'b.dat'), Buffer.from([0x41, 0x00, 0x42]));
    fs.writeFileSync(path.join(dir, 'mid.txt'), 'y'.repeat(200 * 1024));
    fs.writeFileSync(path.join(dir, 'big.txt'), 'x'.repeat(3 * 1024 * 1024));
    const limit = recordingContext(100 * 1024).ctx;
    expect(textAndBytes(readTextFile(path.join(dir, 'empty'), ctx, into, true))).toEqual({ text: '', utf8: Buffer.alloc(0) });
    expect(readTextFile(path.join(dir, 'b.dat'), ctx, into, true)).toEqual({ skip: 'binary file' });
    expect(readTextFile(path.join(dir, 'mid.txt'), limit, into, true)).toEqual({ skip: 'larger than --max-target-megabytes (200.0 KB)' });
    expect(readTextFile(path.join(dir, 'big.txt'), limit, into, true)).toEqual({ skip: 'larger than --max-target-megabytes (3.0 MB)' });
  });
});

/** The text (which may be decoded only when read) and the bytes of a read result, as plain data. */
function textAndBytes(r: ReturnType<typeof readTextFile>): { text: string; utf8?: Buffer } | undefined {
  if (r === undefined || 'skip' in r) return undefined;
  return r.utf8 === undefined ? { text: r.text } : { text: r.text, utf8: r.utf8 };
}
