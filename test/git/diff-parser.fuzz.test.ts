import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { parseDiffStream, parseUnifiedDiff, type FileDiff } from '../../src/git/diff-parser.js';

/**
 * The parser against unified diffs written by a small generator in git's format: LCS edits with 0-3
 * lines of context, several files per diff, renames, new and deleted files, binary markers,
 * `\ No newline at end of file` and C-quoted paths. (test/git/diff-parser.test.ts runs real git on
 * fewer random cases; this covers many more shapes per second.)
 */

interface Side {
  readonly lines: readonly string[];
  readonly eol: boolean;
}

type Op = { t: '='; a: number; b: number } | { t: '-'; a: number } | { t: '+'; b: number };

/** Lines as git compares them: a last line without its newline differs from the same text with one. */
function keys(s: Side): string[] {
  return s.lines.map((l, i) => (i === s.lines.length - 1 && !s.eol ? `${l}\u0000noeol` : l));
}

function lcsOps(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const dp = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) ops.push({ t: '=', a: i++, b: j++ });
    else if (dp[i + 1][j] >= dp[i][j + 1]) ops.push({ t: '-', a: i++ });
    else ops.push({ t: '+', b: j++ });
  }
  while (i < n) ops.push({ t: '-', a: i++ });
  while (j < m) ops.push({ t: '+', b: j++ });
  return ops;
}

const range = (start: number, count: number): string => (count === 1 ? `${start}` : `${start},${count}`);

/** Hunks in git's layout: changes with `context` lines around them, nearby hunks merged. */
function hunks(oldS: Side, newS: Side, context: number): string[] {
  const ops = lcsOps(keys(oldS), keys(newS));
  const changed = ops.map((o, i) => (o.t === '=' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return [];
  const groups: Array<[number, number]> = [];
  for (const c of changed) {
    const lo = Math.max(0, c - context);
    const hi = Math.min(ops.length, c + context + 1);
    const last = groups[groups.length - 1];
    if (last && lo <= last[1]) last[1] = Math.max(last[1], hi);
    else groups.push([lo, hi]);
  }
  const out: string[] = [];
  for (const [lo, hi] of groups) {
    const part = ops.slice(lo, hi);
    const before = ops.slice(0, lo);
    const oldCount = part.filter((o) => o.t !== '+').length;
    const newCount = part.filter((o) => o.t !== '-').length;
    const oldBefore = before.filter((o) => o.t !== '+').length;
    const newBefore = before.filter((o) => o.t !== '-').length;
    const oldStart = oldCount === 0 ? oldBefore : oldBefore + 1;
    const newStart = newCount === 0 ? newBefore : newBefore + 1;
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@ ctx`);
    const noEol = (s: Side, i: number) => i === s.lines.length - 1 && !s.eol;
    for (const o of part) {
      if (o.t === '-') {
        out.push(`-${oldS.lines[o.a]}`);
        if (noEol(oldS, o.a)) out.push('\\ No newline at end of file');
      } else if (o.t === '+') {
        out.push(`+${newS.lines[o.b]}`);
        if (noEol(newS, o.b)) out.push('\\ No newline at end of file');
      } else {
        out.push(` ${newS.lines[o.b]}`);
        if (noEol(newS, o.b)) out.push('\\ No newline at end of file');
      }
    }
  }
  return out;
}

/** A path as git prints it: C-quoted (octal for non-ASCII bytes) when it holds a quote, backslash, control character or non-ASCII. */
function gitPath(prefix: string, p: string): string {
  const full = prefix + p;
  if (!/["\\\x00-\x1f\x7f-\uffff]/.test(full)) return full;
  let q = '"';
  for (const byte of Buffer.from(full, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (c === '"' || c === '\\') q += `\\${c}`;
    else if (c === '\t') q += '\\t';
    else if (c === '\n') q += '\\n';
    else if (byte < 0x20 || byte >= 0x7f) q += `\\${byte.toString(8).padStart(3, '0')}`;
    else q += c;
  }
  return `${q}"`;
}

interface FileCase {
  oldPath: string;
  newPath: string;
  kind: 'modify' | 'rename' | 'add' | 'delete' | 'binary';
  oldS: Side;
  newS: Side;
  context: number;
}

function renderFile(f: FileCase): string[] {
  const a = f.kind === 'add' ? '/dev/null' : gitPath('a/', f.oldPath);
  const b = f.kind === 'delete' ? '/dev/null' : gitPath('b/', f.newPath);
  const out = [`diff --git ${gitPath('a/', f.oldPath)} ${gitPath('b/', f.newPath)}`];
  if (f.kind === 'rename') out.push('similarity index 72%', `rename from ${gitPath('', f.oldPath)}`, `rename to ${gitPath('', f.newPath)}`);
  if (f.kind === 'add') out.push('new file mode 100644');
  if (f.kind === 'delete') out.push('deleted file mode 100644');
  out.push(f.kind === 'add' || f.kind === 'delete' ? 'index 0000000..1234567' : 'index 1234567..89abcde 100644');
  if (f.kind === 'binary') {
    out.push(`Binary files ${a} and ${b} differ`);
    return out;
  }
  const body = hunks(f.kind === 'add' ? { lines: [], eol: true } : f.oldS, f.kind === 'delete' ? { lines: [], eol: true } : f.newS, f.context);
  if (body.length === 0 && f.kind !== 'add' && f.kind !== 'delete') return out;
  out.push(`--- ${a}${a.includes(' ') && !a.startsWith('"') ? '\t' : ''}`, `+++ ${b}${b.includes(' ') && !b.startsWith('"') ? '\t' : ''}`, ...body);
  return out;
}

/** Lines that look like diff syntax are the interesting content. */
const lineArb = fc.oneof(
  fc.constantFrom('', 'a', 'b', 'c', ' lead', '+++ b/x', '--- a/x', '++ x', '-- y', '@@ -1 +1 @@', 'diff --git a/x b/x', '\\ No newline', 'Binary files a/x and b/x differ', 'rename to y', 'é ✓'),
  fc.string({ maxLength: 8 }).map((s) => s.replace(/[\n\r]/g, '_')),
);
const sideArb = fc.record({ lines: fc.array(lineArb, { maxLength: 18 }), eol: fc.boolean() });
const nameArb = fc.oneof(
  fc.constantFrom('x.txt', 'dir/y.yaml', 'with space.txt', 'quo"te.txt', 'tab\there', 'back\\slash', 'ünï.txt', 'a b/ b/c', 'new\nline', '-dash'),
  fc.stringMatching(/^[a-z]{1,6}(\/[a-z]{1,6})?$/),
);
const fileArb = fc
  .record({
    oldPath: nameArb,
    newPath: nameArb,
    kind: fc.constantFrom('modify', 'modify', 'modify', 'rename', 'add', 'delete', 'binary'),
    oldS: sideArb,
    newS: sideArb,
    context: fc.integer({ min: 0, max: 3 }),
  })
  .map((f): FileCase => ({ ...f, newPath: f.kind === 'rename' ? `${f.newPath}.moved` : f.oldPath }));

/** The new file's lines as a scanner numbers them. */
const newLinesOf = (f: FileCase): readonly string[] => (f.kind === 'delete' ? [] : f.newS.lines);

function expectedAdds(f: FileCase): number {
  if (f.kind === 'binary' || f.kind === 'delete') return 0;
  if (f.kind === 'add') return f.newS.lines.length;
  return lcsOps(keys(f.oldS), keys(f.newS)).filter((o) => o.t === '+').length;
}

function check(files: readonly FileCase[], parsed: readonly FileDiff[]): void {
  // A modification with no change prints only its header; it still parses as one (empty) file.
  expect(parsed.length).toBe(files.length);
  files.forEach((f, i) => {
    const p = parsed[i];
    expect(p.newPath).toBe(f.kind === 'delete' ? f.oldPath : f.newPath);
    expect(p.oldPath).toBe(f.oldPath);
    expect(p.binary).toBe(f.kind === 'binary');
    const lines = newLinesOf(f);
    let prev = 0;
    for (const added of p.addedLines) {
      expect(added.lineNo).toBeGreaterThan(prev);
      prev = added.lineNo;
      expect(added.text).toBe(lines[added.lineNo - 1]);
    }
    expect(p.addedLines.length).toBe(expectedAdds(f));
  });
}

describe('diff parser on generated unified diffs', () => {
  test('every added line points at exactly that line of the new file, across files, renames, binaries and quoted names', () => {
    fc.assert(
      fc.property(fc.array(fileArb, { minLength: 1, maxLength: 4 }), (files) => {
        const text = files.flatMap(renderFile).join('\n') + '\n';
        check(files, parseUnifiedDiff(text));
      }),
      { numRuns: 1500 },
    );
  });

  test('streamed line by line, the parser gives the same files as on the whole text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fileArb, { minLength: 1, maxLength: 3 }), async (files) => {
        const lines = files.flatMap(renderFile);
        const streamed: FileDiff[] = [];
        for await (const f of parseDiffStream((async function* () { yield* lines; })())) streamed.push(f);
        expect(streamed).toEqual(parseUnifiedDiff(lines.join('\n') + '\n'));
      }),
      { numRuns: 200 },
    );
  });

  test('diffs cut off anywhere, or with lines dropped or duplicated, never crash and never number a line below 1', () => {
    fc.assert(
      fc.property(
        fc.array(fileArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('cut', 'drop', 'dup', 'garbage')), { maxLength: 4 }),
        (files, damage) => {
          let lines = files.flatMap(renderFile);
          for (const [at, how] of damage) {
            const i = lines.length === 0 ? 0 : at % lines.length;
            if (how === 'cut') lines = lines.slice(0, i);
            else if (how === 'drop') lines = [...lines.slice(0, i), ...lines.slice(i + 1)];
            else if (how === 'dup') lines = [...lines.slice(0, i + 1), ...lines.slice(i)];
            else lines = [...lines.slice(0, i), '@@ -1 +99999999999999999999 @@', '@@ -1 +9007199254740990,9 @@', '@@ -0,0 +0,3 @@', ...lines.slice(i)];
          }
          const parsed = parseUnifiedDiff(lines.join('\n'));
          for (const p of parsed) {
            for (const a of p.addedLines) {
              expect(Number.isSafeInteger(a.lineNo)).toBe(true);
              expect(a.lineNo).toBeGreaterThanOrEqual(1);
            }
          }
        },
      ),
      { numRuns: 800 },
    );
  });
});
