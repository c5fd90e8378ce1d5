import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { tempDirs, type TempRepo } from '../../helpers/git-repo.js';
import { historyBatches, historyFragments, historyLogChunks, historySelection, withCommitFingerprint, type HistorySelection } from '../../../src/scan/sources/history.js';
import { fingerprintListed as isAcceptedFinding } from '../../../src/scan/ignore-file.js';
import { logFragmentsFromBytes } from '../../../src/scan/sources/history-bytes.js';
import { caught } from '../../helpers/errors.js';
import type { Finding } from '../../../src/scan/types.js';
import { Secret } from '../../../src/shared/secret.js';
import { collect, fakeToken, recordingContext } from './collect.js';

const { repo } = tempDirs('sealguard-history-');

const history = (dir: string, sel: HistorySelection, max = 0) => collect((ctx) => historyFragments(dir, sel, ctx), max);
const head = (r: TempRepo) => r.git('rev-parse', 'HEAD').trim();

describe('historyFragments', () => {
  test('a secret added in one commit and removed in the next is still in the history scanned', async () => {
    const r = repo();
    r.write('README.md', 'hello\n');
    r.commitAll('init');
    r.write('config.env', `TOKEN=${fakeToken()}\n`);
    r.commitAll('add config');
    const added = head(r);
    r.git('rm', '-q', 'config.env');
    r.commitAll('oops, remove it');
    const { fragments } = await history(r.dir, historySelection({}));
    const hit = fragments.find((f) => f.text.includes(fakeToken()));
    expect(hit).toMatchObject({ path: 'config.env', lines: [1], commit: { sha: added, author: 'Test User', email: 'test@example.invalid', message: 'add config' } });
    expect(hit?.commit?.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('newest commit first, as git log lists them', async () => {
    const r = repo();
    for (const n of ['one', 'two', 'three']) {
      r.write(`${n}.txt`, `${n}\n`);
      r.commitAll(n);
    }
    const { fragments } = await history(r.dir, historySelection({}));
    expect(fragments.map((f) => f.commit?.message)).toEqual(['three', 'two', 'one']);
  });

  test('--range scans only the commits in the range', async () => {
    const r = repo();
    r.write('a.txt', 'old\n');
    r.commitAll('old');
    const base = head(r);
    r.write('b.txt', 'new\n');
    r.commitAll('new');
    const { fragments } = await history(r.dir, historySelection({ range: `${base}..HEAD` }));
    expect(fragments.map((f) => f.path)).toEqual(['b.txt']);
  });

  test('--all-history includes branches other than the one checked out', async () => {
    const r = repo();
    r.write('a.txt', 'main\n');
    r.commitAll('main');
    r.git('checkout', '-q', '-b', 'feature');
    r.write('f.txt', 'feature\n');
    r.commitAll('feature');
    r.git('checkout', '-q', 'main');
    expect((await history(r.dir, historySelection({}))).fragments.map((f) => f.path)).toEqual(['a.txt']);
    expect((await history(r.dir, historySelection({ allHistory: true }))).fragments.map((f) => f.path).sort()).toEqual(['a.txt', 'f.txt']);
  });

  test('--since leaves out older commits', async () => {
    const r = repo();
    r.write('old.txt', 'old\n');
    r.git('add', '-A');
    // --since compares committer dates.
    commitAt(r, '2001-01-01T00:00:00Z', 'old');
    r.write('new.txt', 'new\n');
    r.commitAll('new');
    const { fragments } = await history(r.dir, historySelection({ since: '2010-01-01' }));
    expect(fragments.map((f) => f.path)).toEqual(['new.txt']);
  });

  test('a merge reports what only the merge added, and not the merged branch a second time', async () => {
    const r = repo();
    r.write('f.txt', 'a\nb\nc\n');
    r.commitAll('base');
    r.git('checkout', '-q', '-b', 'side');
    r.write('f.txt', 'a\nSIDE\nc\n');
    r.commitAll('side');
    r.git('checkout', '-q', 'main');
    r.write('g.txt', 'main\n');
    r.commitAll('main');
    r.git('merge', '-q', '--no-commit', 'side');
    r.write('evil.txt', 'slipped in by the merge\n');
    r.git('add', '-A');
    r.git('commit', '-q', '--no-verify', '-m', 'merge side');
    const { fragments } = await history(r.dir, historySelection({}));
    const byCommit = fragments.map((f) => [f.commit?.message, f.path, f.text]);
    expect(byCommit).toContainEqual(['merge side', 'evil.txt', 'slipped in by the merge']);
    expect(byCommit.filter(([, , text]) => text === 'SIDE')).toEqual([['side', 'f.txt', 'SIDE']]);
  });

  test('a file diff larger than --max-target-megabytes is skipped with a note naming the commit', async () => {
    const r = repo();
    r.write('big.txt', 'x'.repeat(2000) + '\n');
    r.write('small.txt', 'ok\n');
    r.commitAll('both');
    const { fragments, skips } = await history(r.dir, historySelection({}), 1000);
    expect(fragments.map((f) => f.path)).toEqual(['small.txt']);
    expect(skips).toEqual([{ path: `${head(r).slice(0, 12)}:big.txt`, reason: expect.stringContaining('larger than') }]);
  });

  test('a range that names no commit fails with git\'s reason', async () => {
    const r = repo();
    r.write('a.txt', 'a\n');
    r.commitAll();
    const e = await caught(() => history(r.dir, historySelection({ range: 'nope..HEAD' })));
    expect(e.code).toBe('GIT_FAILED');
    expect(e.message).toMatch(/git log failed/);
  });
});

describe('historySelection', () => {
  test('--range and --all-history together are a usage error', () => {
    expect(() => historySelection({ range: 'a..b', allHistory: true })).toThrow(/choose one of --range and --all-history/);
  });

  test('a range that looks like an option is refused rather than passed to git', () => {
    expect(() => historySelection({ range: '--output=/tmp/x' })).toThrow(/--range takes commits/);
  });
});

describe('historyBatches', () => {
  test('cutting the log into small pieces gives the same fragments as reading it whole', async () => {
    const r = repo();
    for (let c = 0; c < 6; c++) {
      for (let f = 0; f < 4; f++) r.write(`d${f}/file${c}.txt`, `commit ${c} file ${f}\n`.repeat(20));
      r.commitAll(`commit ${c}\n\nbody ${c}`);
    }
    const sel = historySelection({});
    const whole = (await history(r.dir, sel)).fragments;
    const pieces = [];
    let commits = 0;
    for await (const batch of historyBatches(historyLogChunks(r.dir, sel), 300)) {
      commits += batch.commits;
      pieces.push(...logFragmentsFromBytes(batch.log, recordingContext().ctx));
    }
    expect(pieces).toEqual(whole);
    expect(whole).toHaveLength(24);
    expect(commits).toBe(6);
  });
});

describe('history fingerprints', () => {
  const finding = (fp: string): Finding => ({
    ruleId: 'github-pat',
    description: 'd',
    file: 'a.env',
    startLine: 1,
    endLine: 1,
    startColumn: 1,
    endColumn: 2,
    secret: new Secret('s'),
    match: new Secret('s'),
    entropy: 1,
    tags: [],
    severity: 'high',
    fingerprint: fp,
    commit: { sha: 'c'.repeat(40), author: 'a', email: 'e', date: 'd', message: 'm' },
  });

  test('carry the commit in front, as gitleaks writes them', () => {
    expect(withCommitFingerprint(finding('a.env:github-pat:0123456789ab')).fingerprint).toBe(`${'c'.repeat(40)}:a.env:github-pat:0123456789ab`);
  });

  test('are accepted by .sealguardignore with or without the commit', () => {
    const f = withCommitFingerprint(finding('a.env:github-pat:0123456789ab'));
    expect(isAcceptedFinding(f, new Set(['a.env:github-pat:0123456789ab']))).toBe(true);
    expect(isAcceptedFinding(f, new Set([f.fingerprint]))).toBe(true);
    expect(isAcceptedFinding(f, new Set([`${'d'.repeat(40)}:a.env:github-pat:0123456789ab`]))).toBe(false);
  });
});

function commitAt(r: TempRepo, date: string, message: string): void {
  execFileSync('git', ['commit', '-q', '--no-verify', '-m', message], { cwd: r.dir, env: { ...process.env, GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date }, stdio: 'ignore' });
}
