import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { tempDirs, type TempRepo } from '../../helpers/git-repo.js';
import { CommitStarts, historyLogArgs, historyLogChunks, historySelection, type LogReadOptions } from '../../../src/scan/sources/history.js';
import { LogByteParser, logFragmentsFromBytes } from '../../../src/scan/sources/history-bytes.js';
import { logFragments } from '../../../src/scan/sources/history-log.js';
import type { Fragment } from '../../../src/scan/types.js';
import { recordingContext } from './collect.js';

/**
 * The history scan reads `git log -p` as bytes (LogByteParser); logFragments reads the same output
 * as decoded lines and is the reference. Both must give the same fragments and the same skip notes.
 */
const { repo } = tempDirs('sealguard-history-bytes-');

/** What a fragment says, with its text read through whatever form it has. */
function plain(f: Fragment) {
  return { path: f.path, text: f.text, lines: f.lines, commit: f.commit };
}

function viaLines(log: Buffer, maxTargetBytes = 0) {
  const { ctx, skips } = recordingContext(maxTargetBytes);
  const lines = log.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return { fragments: [...logFragments(lines, ctx)].map(plain), skips };
}

function viaBytes(log: Buffer, maxTargetBytes = 0, chunkSizes?: number[]) {
  const { ctx, skips } = recordingContext(maxTargetBytes);
  let fragments: Fragment[];
  if (chunkSizes === undefined) fragments = logFragmentsFromBytes(log, ctx);
  else {
    const parser = new LogByteParser(ctx);
    fragments = [];
    let at = 0;
    // Each chunk arrives in the same buffer, scribbled over once pushed, as the spooled log reuses it.
    const scratch = Buffer.alloc(Math.max(...chunkSizes));
    for (let i = 0; at < log.length; i++) {
      const n = chunkSizes[i % chunkSizes.length] as number;
      const len = log.copy(scratch, 0, at, at + n);
      parser.push(scratch.subarray(0, len), fragments);
      scratch.fill(0x7e);
      at += n;
    }
    parser.end(fragments);
  }
  return { fragments: fragments.map(plain), skips };
}

/** The log the history scan reads, as git writes it. */
function gitLog(r: TempRepo): Buffer {
  const args = historyLogArgs(historySelection({ allHistory: true }), { remerge: true });
  return execFileSync('git', ['-c', 'core.quotepath=false', ...args], { cwd: r.dir, maxBuffer: 1 << 28 });
}

/** A history with the cases a diff reader can get wrong. */
function awkwardRepo(): TempRepo {
  const r = repo();
  r.write('a.txt', 'first line\nsecond line\n');
  r.write('crlf.txt', 'windows line\r\nanother\r\n');
  r.write('latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0x6f, 0x6b, 0x0a]));
  r.write('bin.dat', Buffer.from([0, 1, 2, 3, 0, 255, 0]));
  r.write('dir with space/ünïcödé.txt', 'héllo wörld 日本\n');
  r.write('no-newline.txt', 'no newline at the end');
  r.commitAll('first\n\ndiff --git a/fake b/fake\n+++ not a diff\n@@ -1 +1 @@');
  r.write('a.txt', 'first line\nchanged line\n\n+plus at start\n-minus at start\n diff --git inside\n');
  r.git('mv', 'crlf.txt', 'renamed.txt');
  r.write('no-newline.txt', 'no newline at the end, edited');
  r.write('bin.dat', Buffer.from([0, 9, 9, 9, 0]));
  r.commitAll('second');
  r.git('checkout', '-q', '-b', 'side');
  r.write('side.txt', 'on the side\n');
  r.write('a.txt', 'first line\nchanged on side\n');
  r.commitAll('side change');
  r.git('checkout', '-q', '-');
  r.write('a.txt', 'first line\nchanged on main\n');
  r.commitAll('main change');
  // A conflicting merge resolved by hand: the remerge diff shows what the resolution added.
  r.tryGit('merge', '-q', 'side', '-m', 'merge side');
  r.write('a.txt', 'first line\nresolved: password = hunter2hunter2\n');
  r.git('add', '.');
  r.git('commit', '-q', '-m', 'merge side');
  r.git('rm', '-q', 'latin1.txt');
  r.git('commit', '-q', '--allow-empty-message', '-m', '');
  return r;
}

describe('LogByteParser', () => {
  test('gives the fragments and skip notes that reading the log as lines gives, on a history full of edge cases', () => {
    const log = gitLog(awkwardRepo());
    const expected = viaLines(log);
    expect(expected.fragments.length).toBeGreaterThan(8);
    expect(expected.skips.map((s) => s.reason)).toContain('binary file');
    expect(viaBytes(log)).toEqual(expected);
  });

  test('reads the same fragments whatever sizes the chunks arrive in, all in one reused buffer', () => {
    const log = gitLog(awkwardRepo());
    const expected = viaBytes(log);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 12 }), (sizes) => {
        expect(viaBytes(log, 0, sizes)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  test('keeps a CR-terminated line without its CR, and invalid UTF-8 as replacement characters, as the text reader does', () => {
    const log = gitLog(awkwardRepo());
    const texts = viaBytes(log).fragments.map((f) => f.text);
    expect(texts).toContain('windows line\nanother');
    expect(texts).toContain('caf\uFFFD\nok');
  });

  test('skips a file over the size limit with the same note as the text reader', () => {
    const r = repo();
    r.write('big.txt', 'x'.repeat(5000) + '\n');
    r.write('small.txt', 'fine\n');
    r.commitAll('big');
    const log = gitLog(r);
    const expected = viaLines(log, 1024);
    expect(expected.skips).toHaveLength(1);
    expect(viaBytes(log, 1024)).toEqual(expected);
  });

  test('a fragment of valid UTF-8 carries its bytes, equal to its text encoded', () => {
    const r = repo();
    r.write('u.txt', 'naïve café — ok\nline two\n');
    r.commitAll('utf8');
    const [f] = logFragmentsFromBytes(gitLog(r), recordingContext().ctx);
    expect(f?.utf8?.equals(Buffer.from(f.text, 'utf8'))).toBe(true);
    expect(f?.text).toBe('naïve café — ok\nline two');
  });
});

describe('LogByteParser with fragments released after each chunk', () => {
  /** Each chunk's fragments read at once, then released, as the one-thread history scan does. */
  function released(log: Buffer, chunk: number) {
    const parser = new LogByteParser(recordingContext().ctx);
    const out: Fragment[] = [];
    const seen: ReturnType<typeof plain>[] = [];
    const blocks = new Set<ArrayBufferLike>();
    const take = () => {
      for (const f of out.splice(0)) {
        seen.push(plain(f));
        if (f.utf8) blocks.add(f.utf8.buffer);
      }
    };
    for (let at = 0; at < log.length; at += chunk) {
      parser.push(log.subarray(at, at + chunk), out);
      take();
      parser.release();
    }
    parser.end(out);
    take();
    return { seen, blocks };
  }

  // About 6 MB of added lines over 24 commits, one file longer than a block (1 MB) among them.
  const r = repo();
  for (let c = 0; c < 24; c++) {
    const lines = c === 5 ? 60000 : 4500;
    r.write(`f${c}.txt`, Array.from({ length: lines }, (_, i) => `commit ${c} line ${i} ${'x'.repeat(i % 40)}`).join('\n') + '\n');
    r.write(`small${c}.txt`, `token_${c} = abc${c}\n`);
    r.commitAll(`commit ${c}`);
  }
  const log = gitLog(r);

  test('gives the same fragments as reading the whole log at once, a file longer than a block included', () => {
    const whole = viaBytes(log).fragments;
    expect(whole.some((f) => f.text.length > 2_000_000)).toBe(true);
    for (const chunk of [4096, 65536, 262144]) expect(released(log, chunk).seen).toEqual(whole);
  });

  test('writes the next files into the block already in use instead of fresh memory', () => {
    const parser = new LogByteParser(recordingContext().ctx);
    const kept: Fragment[] = [];
    parser.push(log, kept);
    parser.end(kept);
    const unreleased = new Set(kept.flatMap((f) => (f.utf8 ? [f.utf8.buffer] : [])));
    // The long file needs a block of its own either way; released, the small files share one.
    expect(unreleased.size).toBeGreaterThan(4);
    expect(released(log, 65536).blocks.size).toBeLessThanOrEqual(2);
  });
});

describe('reading the log in segments of commits', () => {
  const sel = historySelection({ allHistory: true });
  const read = async (r: TempRepo, opts: LogReadOptions) => {
    const parts: Buffer[] = [];
    for await (const b of historyLogChunks(r.dir, sel, opts)) parts.push(Buffer.from(b));
    return Buffer.concat(parts);
  };

  test('spooled runs of 1, 2 or 3 commits give the fragments one piped git run gives; one run gives its bytes', async () => {
    const r = awkwardRepo();
    const whole = gitLog(r);
    expect((await read(r, { spool: false })).equals(whole)).toBe(true);
    expect((await read(r, { spool: true, segmentCommits: 1000 })).equals(whole)).toBe(true);
    // Bytes can differ in one place that is not content: the note above a remerge diff names the
    // conflict as git's merge saw it in that run (add/add or content); the added lines are the same.
    for (const segmentCommits of [1, 2, 3]) {
      const got = await read(r, { spool: true, segmentCommits });
      expect(viaBytes(got), `segments of ${segmentCommits}`).toEqual(viaBytes(whole));
    }
  });

  test('commits are counted by their headers wherever the chunks split the log', () => {
    const r = awkwardRepo();
    const log = gitLog(r);
    const commits = Number(r.git('rev-list', '--count', '--all').trim());
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }), (sizes) => {
        const starts = new CommitStarts();
        for (let at = 0, i = 0; at < log.length; i++) {
          const n = sizes[i % sizes.length] as number;
          starts.add(log.subarray(at, at + n));
          at += n;
        }
        expect(starts.count).toBe(commits);
      }),
      { numRuns: 50 },
    );
  });
});
