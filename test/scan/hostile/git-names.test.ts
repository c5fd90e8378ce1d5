import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs, type TempRepo } from '../../helpers/git-repo.js';
import { cliJson, secret, writeTestConfig } from './helpers.js';

const temp = tempDirs('sealguard-gitnames-');

const NAMES = ['with space.txt', 'quote"d.txt', "apos'trophe.txt", 'new\nline.txt', 'tab\there.txt', 'back\\slash.txt', 'ünïcödé.txt', 'dir with space/x.txt', '"starts-with-quote.txt'];

function repoWithNames(quotepath: 'true' | 'false'): TempRepo {
  const repo = temp.repo();
  repo.git('config', 'core.quotepath', quotepath);
  writeTestConfig(repo.dir);
  repo.git('add', '.sealguard.yaml');
  repo.git('commit', '-q', '-m', 'config');
  for (const n of NAMES) repo.write(n, `a\nkey = "${secret()}"\n`);
  return repo;
}

describe.each(['true', 'false'] as const)('file names git must quote, with core.quotepath=%s', (quotepath) => {
  test('scan --staged reports every file under its exact name, line 2', () => {
    const repo = repoWithNames(quotepath);
    repo.git('add', '-A');
    const r = cliJson(['--staged'], repo.dir);
    expect(r.code, r.stderr).toBe(1);
    expect(r.findings.map((f) => [f.File, f.StartLine]).sort()).toEqual(NAMES.map((n) => [n, 2]).sort());
  });

  test('scan of the work tree reports every file under its exact name', () => {
    const repo = repoWithNames(quotepath);
    repo.commitAll();
    const r = cliJson([], repo.dir);
    expect(r.code, r.stderr).toBe(1);
    expect(r.findings.map((f) => f.File).sort()).toEqual([...NAMES].sort());
  });

  test('a staged rename between odd names reports only the added line under the new name', () => {
    const repo = repoWithNames(quotepath);
    repo.commitAll();
    repo.git('mv', 'quote"d.txt', 'new\tname "q".txt');
    fs.appendFileSync(path.join(repo.dir, 'new\tname "q".txt'), `token = "${secret('Renamed0')}"\n`);
    repo.git('add', '-A');
    const r = cliJson(['--staged'], repo.dir);
    expect(r.findings.map((f) => [f.File, f.StartLine])).toEqual([['new\tname "q".txt', 3]]);
  });
});

describe('file names that are not valid UTF-8 in git', () => {
  test('scan --staged still scans the added lines (the name shown with a replacement character)', () => {
    const repo = temp.repo();
    writeTestConfig(repo.dir);
    const raw = Buffer.concat([Buffer.from(repo.dir + '/'), Buffer.from([0x62, 0xff, 0x2e, 0x74, 0x78, 0x74])]);
    fs.writeFileSync(raw, `key = "${secret()}"\n`);
    repo.git('add', '-A');
    for (const quotepath of ['true', 'false']) {
      repo.git('config', 'core.quotepath', quotepath);
      const r = cliJson(['--staged'], repo.dir);
      expect(r.code, r.stderr).toBe(1);
      expect(r.findings.map((f) => f.File)).toEqual(['b\ufffd.txt']);
    }
  });
});
