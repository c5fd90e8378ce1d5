import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiffParser, parseUnifiedDiff, parseDiffGitHeader, type FileDiff } from '../../src/git/diff-parser.js';
import { unquotePath } from '../../src/git/quote.js';
import { execGit } from '../../src/git/run.js';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/diffs');
const parseFixture = (name: string): FileDiff[] => parseUnifiedDiff(fs.readFileSync(path.join(fixtures, name), 'utf8'));
const byPath = (files: FileDiff[], p: string): FileDiff => {
  const f = files.find((x) => x.newPath === p);
  if (!f) throw new Error(`no file ${p} in ${files.map((x) => x.newPath).join(', ')}`);
  return f;
};
const added = (f: FileDiff): Array<[number, string]> => f.addedLines.map((l) => [l.lineNo, l.text]);

describe('diff parser on captured git output', () => {
  test('new files in a first commit: every line is added, numbered from 1', () => {
    const files = parseFixture('new-files.diff');
    expect(files.map((f) => [f.newPath, f.status])).toEqual([
      ['a.txt', 'added'],
      ['with space.txt', 'added'],
    ]);
    expect(added(files[0])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ]);
    expect(added(files[1])).toEqual([[1, 'line']]);
  });

  test('lines inserted in the middle and a replaced line get their numbers in the new file', () => {
    const [f] = parseFixture('modify-middle.diff');
    expect(f.status).toBe('modified');
    expect(added(f)).toEqual([
      [2, 'inserted 1'],
      [3, 'inserted 2'],
      [5, 'THREE'],
    ]);
  });

  test('added content that looks like diff headers stays content', () => {
    const files = parseFixture('header-lookalikes.diff');
    expect(files).toHaveLength(1);
    expect(added(files[0])).toEqual([
      [2, '+++ b/added header'],
      [3, '--- a/fake'],
      [4, 'diff --git a/x b/x'],
    ]);
  });

  test('a rename with an edit reports only the edited line under the new name', () => {
    const [f] = parseFixture('rename-edit.diff');
    expect(f).toMatchObject({ oldPath: 'numbers.txt', newPath: 'renamed.txt', status: 'renamed', similarity: 92 });
    expect(added(f)).toEqual([[10, 'ten']]);
  });

  test('a copy reports only the lines that differ from its source', () => {
    const files = parseFixture('copy.diff');
    const copy = byPath(files, 'copy.txt');
    expect(copy).toMatchObject({ oldPath: 'source.txt', status: 'copied' });
    expect(added(copy)).toEqual([[31, 'copied extra']]);
    expect(added(byPath(files, 'source.txt'))).toEqual([[31, 'source extra']]);
  });

  test('a mode change alone adds nothing; a mode change with an edit is a modification', () => {
    const files = parseFixture('mode-change.diff');
    expect(byPath(files, 'run.sh')).toMatchObject({ status: 'mode-change', oldMode: '100644', newMode: '100755', addedLines: [] });
    const other = byPath(files, 'other.sh');
    expect(other.status).toBe('modified');
    expect(added(other)).toEqual([[2, 'y']]);
  });

  test('a deleted file adds nothing', () => {
    expect(parseFixture('delete.diff')).toEqual([
      { oldPath: 'a.txt', newPath: 'a.txt', status: 'deleted', binary: false, addedLines: [], oldMode: '100644' },
    ]);
  });

  test('binary files are flagged whether added, modified or deleted', () => {
    const files = parseFixture('binary.diff');
    expect(files.map((f) => [f.newPath, f.status, f.binary, f.addedLines.length])).toEqual([
      ['gone.bin', 'deleted', true, 0],
      ['img.bin', 'modified', true, 0],
      ['new.bin', 'added', true, 0],
    ]);
  });

  test('paths with spaces, non-ASCII, tabs, quotes and backslashes come out as the real names', () => {
    const expected = ['back\\slash.txt', 'café ✓.txt', 'dir with space/f g.txt', 'q"uote.txt', 'tab\there.txt'];
    for (const name of ['quoted-paths.diff', 'quoted-paths-octal.diff']) {
      const files = parseFixture(name);
      expect(files.map((f) => f.newPath)).toEqual(expected);
      expect(files.map((f) => f.oldPath)).toEqual(expected);
      expect(files.every((f) => f.status === 'added' && f.addedLines.length > 0)).toBe(true);
    }
  });

  test('a rename between quoted names keeps both names exact', () => {
    const [f] = parseFixture('quoted-rename.diff');
    expect(f).toMatchObject({ oldPath: 'tab\there.txt', newPath: 'tab\tmoved é.txt', status: 'renamed' });
    expect(added(f)).toEqual([[9, 'more']]);
  });

  test('"No newline at end of file" markers are not content', () => {
    const [f] = parseFixture('no-newline.diff');
    expect(added(f)).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  test('CRLF lines are reported without the carriage return', () => {
    const [f] = parseFixture('crlf.diff');
    expect(added(f)).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
  });

  test('an unmerged path during a merge is reported as unmerged, the cleanly merged file as usual', () => {
    const files = parseFixture('unmerged.diff');
    expect(files.map((f) => [f.newPath, f.status])).toEqual([
      ['clean.txt', 'modified'],
      ['conflict.txt', 'unmerged'],
    ]);
    expect(added(files[0])).toEqual([[2, 'from other']]);
  });

  test('git log -p output: commit headers between files are skipped', () => {
    const files = parseFixture('log-p.diff');
    expect(files.map((f) => [f.newPath, f.status, f.addedLines.map((l) => l.text).join('|')])).toEqual([
      ['conflict.txt', 'modified', 'ours'],
      ['clean.txt', 'added', 'base'],
      ['conflict.txt', 'added', 'base'],
      ['crlf.txt', 'added', 'first|second'],
      ['nonl.txt', 'modified', 'b|c'],
    ]);
  });

  test('a mode-only change followed by a commit header ends at the header', () => {
    const text = ['diff --git a/x.sh b/x.sh', 'old mode 100644', 'new mode 100755', 'commit 0123', 'Author: t <t@e>', ''].join('\n');
    expect(parseUnifiedDiff(text)).toEqual([
      { oldPath: 'x.sh', newPath: 'x.sh', status: 'mode-change', binary: false, addedLines: [], oldMode: '100644', newMode: '100755' },
    ]);
  });

  test('the incremental parser hands out each file once, as soon as the next one starts', () => {
    const p = new DiffParser();
    const lines = fs.readFileSync(path.join(fixtures, 'copy.diff'), 'utf8').split('\n');
    const seen: string[] = [];
    for (const l of lines) {
      const f = p.push(l);
      if (f) seen.push(f.newPath);
    }
    const last = p.end();
    if (last) seen.push(last.newPath);
    expect(seen).toEqual(['copy.txt', 'source.txt']);
    expect(p.end()).toBeUndefined();
  });
});

describe('path quoting', () => {
  test('C-quoted paths decode octal escapes as UTF-8 bytes', () => {
    expect(unquotePath('"a\\tb\\303\\251"')).toBe('a\tbé');
    expect(unquotePath('"\\342\\234\\223 ok"')).toBe('✓ ok');
    expect(unquotePath('"q\\"x\\\\y\\n"')).toBe('q"x\\y\n');
    expect(unquotePath('plain name.txt')).toBe('plain name.txt');
    expect(unquotePath('"tab\\tmoved é.txt"')).toBe('tab\tmoved é.txt');
  });

  test('diff --git headers with equal names split even when the names contain " b/"', () => {
    expect(parseDiffGitHeader('a/x b/y b/x b/y')).toEqual({ oldPath: 'x b/y', newPath: 'x b/y' });
    expect(parseDiffGitHeader('"a/t\\tx" "b/t\\tx"')).toEqual({ oldPath: 't\tx', newPath: 't\tx' });
  });
});

describe('diff parser against real git on random edits', () => {
  const lineArb = fc.oneof(
    fc.constantFrom('', 'a', 'b', '+++ b/x', '--- a/x', '@@ -1 +1 @@', 'diff --git a/x b/x', '\\ No newline', ' lead', 'é ✓', 'crlf\r'),
    fc.string({ maxLength: 12 }).map((s) => s.replace(/[\n\r\0]/g, '_')),
  );
  const fileArb = fc.array(lineArb, { maxLength: 25 });

  test('every added line has the text of that line in the new file, and the other lines come from the old file in order', async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'sealguard-diffprop-'));
    try {
      await fc.assert(
        fc.asyncProperty(fileArb, fileArb, fc.boolean(), async (oldDraft, newDraft, finalNewline) => {
          const render = (ls: string[]) => ls.join('\n') + (finalNewline && ls.length > 0 ? '\n' : '');
          // The lines as git sees them on disk ('' without a newline is an empty file, not one line).
          const linesOf = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
          const oldText = render(oldDraft);
          const newText = render(newDraft);
          const oldLines = linesOf(oldText);
          const newLines = linesOf(newText);
          await fs.promises.writeFile(path.join(dir, 'old'), oldText);
          await fs.promises.writeFile(path.join(dir, 'new'), newText);
          const { stdout } = await execGit(
            ['diff', '--no-index', '-U0', '--no-color', '--no-ext-diff', '--src-prefix=a/', '--dst-prefix=b/', 'old', 'new'],
            { cwd: dir, okExitCodes: [1] },
          );
          const files = parseUnifiedDiff(stdout);
          const addedLines = files.flatMap((f) => f.addedLines);
          const strip = (s: string) => (s.endsWith('\r') ? s.slice(0, -1) : s);
          const addedNos = new Set<number>();
          let prev = 0;
          for (const l of addedLines) {
            expect(l.lineNo).toBeGreaterThan(prev);
            prev = l.lineNo;
            expect(l.text).toBe(strip(newLines[l.lineNo - 1]));
            addedNos.add(l.lineNo);
          }
          const kept = newLines.filter((_, i) => !addedNos.has(i + 1));
          let j = 0;
          for (const k of kept) {
            while (j < oldLines.length && oldLines[j] !== k) j++;
            expect(j).toBeLessThan(oldLines.length);
            j++;
          }
        }),
        { numRuns: 60 },
      );
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  });
});
