import { describe, expect, test } from 'vitest';
import { logFragments, parseCommitHeader, utcDate } from '../../../src/scan/sources/history-log.js';
import { recordingContext } from './collect.js';

const SHA1 = 'a'.repeat(40);
const SHA2 = 'b'.repeat(40);

/** `git log -p` output as LOG_FORMAT writes it: NUL, fields split by \x01, message, NUL. */
function header(sha: string, message: string, parents = ''): string[] {
  return `\0${sha}\x01${parents}\x01Ann Author\x01ann@example.invalid\x012024-03-01T10:00:00+02:00\x01${message}\n\0`.split('\n');
}

function fileAdded(path: string, added: string[]): string[] {
  return [
    `diff --git a/${path} b/${path}`,
    'new file mode 100644',
    'index 0000000..1111111',
    '--- /dev/null',
    `+++ b/${path}`,
    `@@ -0,0 +1,${added.length} @@`,
    ...added.map((l) => `+${l}`),
  ];
}

describe('logFragments (git log -p output)', () => {
  test('each file of each commit becomes a fragment carrying that commit', () => {
    const { ctx } = recordingContext();
    const out = [...logFragments([...header(SHA1, 'second\n\nwith a body'), ...fileAdded('b.txt', ['two']), '', ...header(SHA2, 'first'), ...fileAdded('a.txt', ['one', 'uno'])], ctx)];
    expect(out).toEqual([
      { path: 'b.txt', text: 'two', lines: [1], commit: { sha: SHA1, author: 'Ann Author', email: 'ann@example.invalid', date: '2024-03-01T08:00:00Z', message: 'second\n\nwith a body' } },
      { path: 'a.txt', text: 'one\nuno', lines: [1, 2], commit: { sha: SHA2, author: 'Ann Author', email: 'ann@example.invalid', date: '2024-03-01T08:00:00Z', message: 'first' } },
    ]);
  });

  test('a commit message that looks like a diff is not read as one', () => {
    const { ctx } = recordingContext();
    const lines = [...header(SHA1, 'diff --git a/x b/x\n+++ b/x\n@@ -0,0 +1 @@\n+not content'), ...fileAdded('real.txt', ['real'])];
    expect([...logFragments(lines, ctx)].map((f) => [f.path, f.text])).toEqual([['real.txt', 'real']]);
  });

  test('an added line that looks like a commit header stays content of its file', () => {
    const { ctx } = recordingContext();
    const lines = [...header(SHA1, 'x'), ...fileAdded('f.txt', ['diff --git a/y b/y', 'after'])];
    expect([...logFragments(lines, ctx)].map((f) => f.text)).toEqual(['diff --git a/y b/y\nafter']);
  });

  test('remerge-diff conflict notes between a merge file\'s headers do not hide its added lines', () => {
    const { ctx } = recordingContext();
    const lines = [
      ...header(SHA1, 'merge', `${SHA2} ${'c'.repeat(40)}`),
      'diff --git a/f b/f',
      'remerge CONFLICT (content): Merge conflict in f',
      'index 1111111..2222222 100644',
      '--- a/f',
      '+++ b/f',
      '@@ -2,5 +2 @@ a',
      '-<<<<<<< 1111111 (main)',
      '-MAIN',
      '-=======',
      '-SIDE',
      '->>>>>>> 2222222 (side)',
      '+RESOLVED',
    ];
    expect([...logFragments(lines, ctx)].map((f) => [f.path, f.text, f.lines])).toEqual([['f', 'RESOLVED', [2]]]);
  });

  test('a skipped file is named with its commit, so the note says where it was', () => {
    const { ctx, skips } = recordingContext(4);
    const out = [...logFragments([...header(SHA1, 'big'), ...fileAdded('big.txt', ['0123456789'])], ctx)];
    expect(out).toEqual([]);
    expect(skips).toEqual([{ path: `${SHA1.slice(0, 12)}:big.txt`, reason: expect.stringContaining('--max-target-megabytes') }]);
  });

  test('an empty commit message (git commit --allow-empty-message) still opens the commit', () => {
    const { ctx } = recordingContext();
    const lines = [`\0${SHA1}\x01\x01A\x01a@x\x012024-01-01T00:00:00Z\x01\0`, ...fileAdded('f', ['v'])];
    expect([...logFragments(lines, ctx)].map((f) => [f.commit?.sha, f.commit?.message, f.text])).toEqual([[SHA1, '', 'v']]);
  });
});

describe('commit header fields', () => {
  test('dates are reported in UTC as gitleaks writes them', () => {
    expect(utcDate('2024-03-01T23:30:00-05:00')).toBe('2024-03-02T04:30:00Z');
  });

  test('trailing blank lines of the message are dropped, inner ones kept', () => {
    expect(parseCommitHeader(`${SHA1}\x01\x01A\x01a@x\x012024-01-01T00:00:00Z\x01subject\n\nbody\n\n`).message).toBe('subject\n\nbody');
  });
});
