import { describe, expect, test } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../../helpers/git-repo.js';
import { caught } from '../../helpers/errors.js';
import { loadBuiltinRules } from '../../../src/scan/rules/index.js';
import { defaultWorkerFile } from '../../../src/scan/parallel/history-scan.js';
import { scanFiles, type FileScanOptions } from '../../../src/scan/parallel/file-scan.js';
import type { Finding } from '../../../src/scan/types.js';

const { dir } = tempDirs('sealguard-file-scan-');
const specs = loadBuiltinRules();
// The workers run the bundle (`npm test` builds it first), as the installed CLI does.
const workerFile = defaultWorkerFile();

const token = (i: number) => 'ghp_' + `K${i}x7Qm2Z`.padEnd(9, 'q').slice(0, 9).repeat(4);

/** 120 files in nested folders (a secret in every third), a binary, a symlink to a folder, an ignored file. */
function busyTree(): string {
  const root = dir('sealguard-file-scan-tree-');
  writeFileSync(path.join(root, '.gitignore'), 'ignored.txt\n');
  writeFileSync(path.join(root, 'ignored.txt'), `const token = "${token(999)}";\n`);
  for (let i = 0; i < 120; i++) {
    const sub = path.join(root, `pkg${i % 7}`, `mod${i % 3}`);
    mkdirSync(sub, { recursive: true });
    const secret = i % 3 === 0 ? `const token = "${token(i)}";\n` : '';
    writeFileSync(path.join(sub, `file${i}.js`), `// filler ${i}\n`.repeat(30) + secret);
  }
  writeFileSync(path.join(root, 'pkg3', 'blob.dat'), Buffer.from([1, 0, 2, 0]));
  symlinkSync(path.join(root, 'pkg1'), path.join(root, 'pkg2', 'link'));
  return root;
}

const view = (f: Finding) => [f.file, f.startLine, f.startColumn, f.ruleId, f.secret.reveal(), f.fingerprint];

async function scan(root: string, threads: number, extra?: FileScanOptions['extra']) {
  const skips: string[] = [];
  const findings = await scanFiles(['.'], root, {
    setup: { specs },
    threads,
    maxTargetBytes: 0,
    onSkip: (p, reason) => skips.push(`${p}: ${reason}`),
    workerFile,
    parallelAfterBytes: 0,
    ...(extra ? { extra } : {}),
  });
  return { findings: findings.map(view), skips };
}

describe('scanFiles (folder scans shared with worker threads)', () => {
  test('a secret at the end of a file larger than the read buffer is found, through a symlink too, by one thread and by two', async () => {
    const root = dir('sealguard-file-scan-large-');
    writeFileSync(path.join(root, 'notes.txt'), `${'lorem ipsum dolor\n'.repeat(40_000)}const token = "${token(7)}";\n`);
    // The regular file is read first, into a shared buffer still at its first size.
    symlinkSync(path.join(root, 'notes.txt'), path.join(root, 'zz-alias.txt'));
    const one = await scan(root, 1);
    expect(one.findings.map((f) => [f[0], f[1], f[4]])).toEqual([
      ['notes.txt', 40_001, token(7)],
      ['zz-alias.txt', 40_001, token(7)],
    ]);
    expect(await scan(root, 2)).toEqual(one);
  });

  test('one, two or three threads report the same findings and skips in the same order', async () => {
    const root = busyTree();
    const one = await scan(root, 1);
    expect(one.findings.length).toBeGreaterThan(30);
    expect(one.findings.map((f) => f[4])).not.toContain(token(999));
    expect(one.skips).toEqual(['pkg2/link: symlink to a folder', 'pkg3/blob.dat: binary file']);
    expect(await scan(root, 2)).toEqual(one);
    expect(await scan(root, 3)).toEqual(one);
  });

  test('a short file read after a long one reports nothing of what the long one held (each thread reuses one read buffer)', async () => {
    const root = dir('sealguard-file-scan-reuse-');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const tokens = Array.from({ length: 30 }, () => 'ghp_' + Array.from({ length: 36 }, () => alphabet[next() % alphabet.length]).join(''));
    // Listed in name order: each long file, then a short one whose bytes end before the long one's secret.
    for (let i = 0; i < 30; i++) {
      writeFileSync(path.join(root, `${String(i).padStart(2, '0')}a-long.js`), '// filler line\n'.repeat(4000) + `const token = "${tokens[i]}";\n`);
      writeFileSync(path.join(root, `${String(i).padStart(2, '0')}b-short.js`), '// nothing here\n');
    }
    for (const threads of [1, 2]) {
      const { findings } = await scan(root, threads);
      expect(findings.map((f) => [f[0], f[4]])).toEqual(Array.from({ length: 30 }, (_, i) => [`${String(i).padStart(2, '0')}a-long.js`, tokens[i]]));
    }
  });

  test("the main thread's own check runs on the files it wants, in file order, with workers running", async () => {
    const root = busyTree();
    const wanted = new Set(['pkg0/mod1/file7.js', 'pkg5/mod2/file110.js']);
    const checked: string[] = [];
    const extra: FileScanOptions['extra'] = {
      wants: (p) => wanted.has(p),
      check: (p, text) => {
        checked.push(p);
        expect(text).toContain('// filler');
        return undefined;
      },
    };
    const two = await scan(root, 2, extra);
    expect(checked.sort()).toEqual([...wanted].sort());
    expect(two.findings).toEqual((await scan(root, 1)).findings);
  });

  test('a path that does not exist fails with a one-line error, workers or not', async () => {
    const root = busyTree();
    const e = await caught(scanFiles(['nope'], root, { setup: { specs }, threads: 2, maxTargetBytes: 0, onSkip: () => {}, workerFile, parallelAfterBytes: 0 }));
    expect(e.code).toBe('PATH_NOT_FOUND');
    expect(e.message).toBe('no such file or folder: nope');
  });
});

describe('a worker engine built from cloned rules', () => {
  test('finds what the main engine finds (the clone lost the loader\'s validated mark)', async () => {
    const { buildEngine, buildWorkerEngine } = await import('../../../src/scan/parallel/job.js');
    const { detect } = await import('../../../src/scan/engine/index.js');
    const text = `const token = "${token(7)}";\npassword = "Xk9qLm2Pz7RtWv4B"\n`;
    const main = detect(buildEngine({ specs }), { path: 'a.js', text }).map(view);
    const worker = detect(buildWorkerEngine(structuredClone({ specs })), { path: 'a.js', text }).map(view);
    expect(main.length).toBeGreaterThan(0);
    expect(worker).toEqual(main);
  });
});
