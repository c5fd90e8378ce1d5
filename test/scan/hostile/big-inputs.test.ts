import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../../helpers/git-repo.js';
import { cliJson, scanFiles, secret, writeTestConfig } from './helpers.js';

const temp = tempDirs('sealguard-big-');

/** Minified-JavaScript-looking text with keywords the shipped rules look for, on one line. */
function minified(bytes: number): string {
  const unit = 'var a=function(b,c){return b.apiKey||c.token?{password:b.pwd,secret:c}:null};x.key="k";';
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

describe('a 50 MB single-line minified file', () => {
  test('is skipped with a note under the default --max-target-megabytes, and the run still succeeds', () => {
    const dir = temp.dir('sealguard-min-');
    fs.writeFileSync(path.join(dir, 'bundle.min.js'), minified(50 * 1024 * 1024));
    fs.writeFileSync(path.join(dir, 'small.js'), `key = "${secret()}"\n`);
    writeTestConfig(dir);
    const r = cliJson(['-v'], dir);
    expect(r.code).toBe(1);
    expect(r.findings.map((f) => f.File)).toEqual(['small.js']);
    expect(r.stderr).toMatch(/skipped bundle\.min\.js: larger than --max-target-megabytes \(50\.0 MB\)/);
  });

  test('is scanned in linear time when the limit allows it, with the built-in rules, and a secret at its very end is found', () => {
    const dir = temp.dir('sealguard-min-');
    const token = secret();
    fs.writeFileSync(path.join(dir, 'bundle.min.js'), minified(50 * 1024 * 1024) + `;k="${token}"`);
    const started = performance.now();
    const all = cliJson(['--max-target-megabytes', '60'], dir);
    const builtinMs = performance.now() - started;
    expect(all.code, all.stderr).toBe(0);
    writeTestConfig(dir);
    const r = cliJson(['--max-target-megabytes', '60'], dir);
    expect(r.findings.map((f) => [f.File, f.StartLine, f.EndColumn])).toEqual([['bundle.min.js', 1, 50 * 1024 * 1024 + 4 + token.length]]);
    console.log(`50 MB minified line, all built-in rules: ${builtinMs.toFixed(0)} ms`);
    // Linear work on 50 MB is seconds; anything quadratic would be hours.
    expect(builtinMs).toBeLessThan(60_000);
  });
});

describe('many files and deep trees', () => {
  test('100,000 tiny files are all scanned (the one secret among them is found)', async () => {
    const dir = temp.dir('sealguard-many-');
    const t0 = performance.now();
    // Hard links: one system call per file instead of create, write and close (file systems cap
    // links per inode near 65,000, so the files share four sources). Their text is all the same;
    // what is tested is the listing, reading and bookkeeping of 100,000 files.
    const sources = [0, 1, 2, 3].map((i) => path.join(dir, `src${i}`));
    for (const [i, s] of sources.entries()) fs.writeFileSync(s, `x${i}\n`);
    for (let d = 0; d < 100; d++) {
      const sub = path.join(dir, 'tree', `d${d}`);
      fs.mkdirSync(sub, { recursive: true });
      for (let f = 0; f < 1000; f++) fs.linkSync(sources[f & 3], path.join(sub, `f${f}.txt`));
    }
    fs.rmSync(path.join(dir, 'tree', 'd57', 'f421.txt'));
    fs.writeFileSync(path.join(dir, 'tree', 'd57', 'f421.txt'), `key = "${secret()}"\n`);
    const t1 = performance.now();
    const { findings, paths, skips } = await scanFiles(['tree'], dir);
    const t2 = performance.now();
    console.log(`100,000 files: written in ${(t1 - t0).toFixed(0)} ms, scanned in ${(t2 - t1).toFixed(0)} ms`);
    expect(skips).toEqual([]);
    expect(paths.length).toBe(100_000);
    expect(findings.map((f) => f.file)).toEqual(['tree/d57/f421.txt']);
    expect(t2 - t1).toBeLessThan(25_000);
  }, 180_000);

  function deepPath(levels: number): string {
    return Array.from({ length: levels }, (_, i) => `l${i}`).join('/');
  }

  test('a file 200 folders deep is found in a plain folder walk', async () => {
    const dir = temp.dir('sealguard-deep-');
    const rel = `${deepPath(200)}/s.txt`;
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), `key = "${secret()}"\n`);
    const { findings } = await scanFiles(['.'], dir);
    expect(findings.map((f) => f.file)).toEqual([rel]);
  });

  test('a file 200 folders deep is found in a git work tree and in a staged scan', () => {
    const repo = temp.repo();
    const rel = `${deepPath(200)}/s.txt`;
    repo.write(rel, `key = "${secret()}"\n`);
    writeTestConfig(repo.dir);
    expect(cliJson([], repo.dir).findings.map((f) => f.File)).toEqual([rel]);
    repo.git('add', '-A');
    expect(cliJson(['--staged'], repo.dir).findings.map((f) => f.File)).toEqual([rel]);
  });
});
