import { describe, expect, test } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDirs, type TempRepo } from '../../helpers/git-repo.js';
import { caught } from '../../helpers/errors.js';
import { loadBuiltinRules } from '../../../src/scan/rules/index.js';
import { historySelection } from '../../../src/scan/sources/history.js';
import { defaultWorkerFile, scanHistory, type HistoryProgress } from '../../../src/scan/parallel/history-scan.js';
import { WorkerPool } from '../../../src/scan/parallel/pool.js';
import { fromWire, toWire } from '../../../src/scan/parallel/wire.js';
import type { Finding } from '../../../src/scan/types.js';
import { Secret } from '../../../src/shared/secret.js';

const { repo, dir } = tempDirs('sealguard-parallel-');
const specs = loadBuiltinRules();

// The workers run the bundle (`npm test` builds it first), as the installed CLI does.
const workerFile = defaultWorkerFile();

const token = (i: number) => 'ghp_' + `K${i}x7Qm2Z`.padEnd(9, 'q').slice(0, 9).repeat(4);

/** 30 commits over 3 branches, a few secrets in each, plus filler text so the log is cut into many pieces. */
function busyRepo(): TempRepo {
  const r = repo();
  r.write('README.md', 'start\n');
  r.commitAll('start');
  for (let b = 0; b < 3; b++) {
    r.git('checkout', '-q', '-b', `branch${b}`, 'main');
    for (let c = 0; c < 10; c++) {
      const n = b * 10 + c;
      r.write(`src/b${b}/file${c}.js`, `// filler ${n}\n`.repeat(40) + `const token = "${token(n)}";\n`);
      r.write(`conf/b${b}.env`, `GITHUB_TOKEN=${token(n + 100)}\n`);
      r.commitAll(`commit ${n}`);
    }
  }
  return r;
}

const view = (f: Finding) => [f.commit?.sha, f.file, f.startLine, f.startColumn, f.ruleId, f.secret.reveal(), f.fingerprint];

async function scan(r: TempRepo, threads: number, onProgress?: (p: HistoryProgress) => void) {
  const skips: string[] = [];
  const findings = await scanHistory(r.dir, historySelection({ allHistory: true }), {
    setup: { specs },
    threads,
    maxTargetBytes: 0,
    onSkip: (p) => skips.push(p),
    workerFile,
    parallelAfterChars: 0,
    batchChars: 700,
    ...(onProgress ? { onProgress } : {}),
  });
  return { findings, skips };
}

describe('scanHistory', () => {
  test('the worker bundle exists (run node scripts/build.mjs)', () => {
    expect(existsSync(workerFile)).toBe(true);
  });

  test('one, two or three threads report the same findings in the same order', async () => {
    const r = busyRepo();
    const one = (await scan(r, 1)).findings.map(view);
    // Not every made-up token passes every rule's checks (checksums); what matters is that all thread counts agree.
    expect(one.length).toBeGreaterThan(20);
    expect((await scan(r, 2)).findings.map(view)).toEqual(one);
    expect((await scan(r, 3)).findings.map(view)).toEqual(one);
  });

  test('findings from workers carry their secret masked when printed, and their commit', async () => {
    const r = busyRepo();
    const [first] = (await scan(r, 2)).findings;
    expect(first.secret).toBeInstanceOf(Secret);
    expect(JSON.stringify(first)).not.toContain(first.secret.reveal());
    expect(first.commit?.message).toMatch(/^commit \d+$/);
    expect(first.fingerprint.startsWith(`${first.commit?.sha}:`)).toBe(true);
  });

  test('progress counts every commit once and the text scanned', async () => {
    const r = busyRepo();
    const seen: HistoryProgress[] = [];
    await scan(r, 2, (p) => seen.push(p));
    expect(seen.at(-1)?.commits).toBe(31);
    expect(seen.at(-1)?.chars).toBeGreaterThan(30 * 40 * 10);
    expect(seen.map((p) => p.commits)).toEqual([...seen.map((p) => p.commits)].sort((a, b) => a - b));
  });
});

describe('WorkerPool', () => {
  test('a worker that dies fails the scan with an error instead of hanging', async () => {
    const d = dir('sealguard-bad-worker-');
    const bad = path.join(d, 'worker.mjs');
    writeFileSync(bad, "import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => process.exit(3));\n");
    const pool = new WorkerPool(1, bad, { specs: [] });
    try {
      const e = await caught(pool.run({ log: Buffer.from('x'), maxTargetBytes: 0 }));
      expect(e.code).toBe('SCAN_WORKER_FAILED');
    } finally {
      await pool.close();
    }
  });
});

describe('findings across threads', () => {
  test('secrets become Secret objects again on arrival, other fields unchanged', () => {
    const f = {
      ruleId: 'r',
      file: 'f',
      secret: new Secret('s3cr3t'),
      match: new Secret('x=s3cr3t'),
      notes: ['found in base64-decoded text'],
    } as unknown as Finding;
    const back = fromWire(structuredClone(toWire(f)));
    expect(back.secret.reveal()).toBe('s3cr3t');
    expect(back.match).toBeInstanceOf(Secret);
    expect(back.notes).toEqual(['found in base64-decoded text']);
  });
});
