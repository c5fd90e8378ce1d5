import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { tempDirs } from '../../helpers/git-repo.js';
import { detect } from '../../../src/scan/engine/index.js';
import { stdinFragments } from '../../../src/scan/sources/index.js';
import { cliJson, scanFiles, secret, testRules, writeTestConfig } from './helpers.js';

const temp = tempDirs('sealguard-enc-');

function folderWith(files: Record<string, Buffer | string>): string {
  const dir = temp.dir('sealguard-enc-');
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

const utf16be = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();

describe('text in odd encodings and line endings is scanned with the right line numbers', () => {
  const cases: Array<[string, (line3: string) => Buffer]> = [
    ['UTF-8 with a BOM', (l) => Buffer.from(`\ufeffone\ntwo\n${l}\n`, 'utf8')],
    ['UTF-16 LE with a BOM', (l) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`one\ntwo\n${l}\n`, 'utf16le')])],
    ['UTF-16 BE with a BOM', (l) => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(`one\ntwo\n${l}\n`)])],
    ['CRLF line endings', (l) => Buffer.from(`one\r\ntwo\r\n${l}\r\nfour\r\n`)],
    ['lone CR line endings (classic Mac)', (l) => Buffer.from(`one\rtwo\r${l}\rfour\r`)],
    ['mixed LF, CRLF and CR', (l) => Buffer.from(`one\r\ntwo\r${l}\nfour\r\n`)],
    ['invalid UTF-8 bytes before the secret', (l) => Buffer.concat([Buffer.from([0xc3, 0x28, 0x0a, 0xff, 0xfe, 0xfd, 0x0a]), Buffer.from(`${l}\n`)])],
    ['a truncated multi-byte character on the same line', (l) => Buffer.concat([Buffer.from('one\ntwo\n'), Buffer.from([0xe2, 0x82]), Buffer.from(` ${l}\n`)])],
    ['a NUL byte after the first 8 KB (git calls that text)', (l) => Buffer.from(`${'x'.repeat(9000)}\ntwo\n${l}\0\n`)],
  ];
  for (const [what, make] of cases) {
    test(`${what}: the secret on line 3 is reported on line 3, without stray characters`, async () => {
      const token = secret();
      const dir = folderWith({ 'f.txt': make(`key = "${token}"`) });
      const { findings, skips } = await scanFiles(['.'], dir);
      expect(skips).toEqual([]);
      expect(findings.map((f) => [f.file, f.startLine, f.secret.reveal()])).toEqual([['f.txt', 3, token]]);
    });
  }
});

describe('binary content is skipped with a note, never scanned as text', () => {
  test('a NUL byte in the first 8 KB makes a file binary: skipped, and listed under --verbose', () => {
    const dir = folderWith({ 'blob.dat': Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(`key = "${secret()}"\n`)]), 'ok.txt': 'fine\n' });
    writeTestConfig(dir);
    const quiet = cliJson([], dir);
    expect(quiet.code).toBe(0);
    expect(quiet.findings).toEqual([]);
    expect(quiet.stderr).toContain('1 binary file');
    const loud = cliJson(['-v'], dir);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toContain('skipped blob.dat: binary file');
  });

  test('an image extension is skipped without reading it; random bytes with no NUL are scanned as text', async () => {
    const noNul = Buffer.from(Array.from({ length: 4096 }, (_, i) => 1 + ((i * 131) % 255)));
    const dir = folderWith({ 'pic.png': `key = "${secret()}"\n`, 'noise.bin2': Buffer.concat([noNul, Buffer.from(`\nkey = "${secret()}"\n`)]) });
    const { findings, skips } = await scanFiles(['.'], dir);
    expect(skips).toEqual([{ path: 'pic.png', reason: 'binary file' }]);
    expect(findings.map((f) => f.file)).toEqual(['noise.bin2']);
  });

  test('an odd-length UTF-16 file (truncated last character) is still decoded', async () => {
    const body = Buffer.from(`a\nkey = "${secret()}"\n`, 'utf16le');
    const dir = folderWith({ 'u.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), body, Buffer.from([0x41])]) });
    const { findings } = await scanFiles(['.'], dir);
    expect(findings.map((f) => f.startLine)).toEqual([2]);
  });
});

describe('stdin takes the same shapes', () => {
  test('UTF-16 and lone-CR input piped to --stdin is decoded and numbered like a file', async () => {
    const rules = testRules();
    for (const buf of [
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`a\rb\rkey = "${secret()}"\r`, 'utf16le')]),
      Buffer.from(`a\r\nb\rkey = "${secret()}"\n`),
    ]) {
      const fragments = [];
      for await (const f of stdinFragments(Readable.from([buf]), 'stdin')) fragments.push(f);
      expect(fragments.flatMap((f) => detect(rules, f)).map((f) => f.startLine)).toEqual([3]);
    }
  });
});

describe('the same shapes in a staged change', () => {
  test('UTF-16 (binary to git) is skipped with a note; lone CR, CRLF and invalid UTF-8 are scanned with git’s line numbers', () => {
    const repo = temp.repo();
    writeTestConfig(repo.dir);
    const token = secret();
    repo.write('u16.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`a\nkey = "${token}"\n`, 'utf16le')]));
    repo.write('crlf.txt', `a\r\nb\r\nkey = "${token}"\r\n`);
    // git counts only LF as a line end, so in a diff a lone-CR file is one line.
    repo.write('cr.txt', `a\rb\rkey = "${token}"\r`);
    repo.write('bad.txt', Buffer.concat([Buffer.from([0xff, 0xc3, 0x0a]), Buffer.from(`key = "${token}"\n`)]));
    repo.git('add', '-A');
    const r = cliJson(['--staged', '-v'], repo.dir);
    expect(r.code, r.stderr).toBe(1);
    expect(r.findings.map((f) => [f.File, f.StartLine]).sort()).toEqual([
      ['bad.txt', 2],
      ['cr.txt', 1],
      ['crlf.txt', 3],
    ]);
    expect(r.stderr).toContain('skipped u16.txt: binary file');
  });
});
