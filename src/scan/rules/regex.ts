import RE2 from 're2';

/** A compiled RE2 pattern. RE2 runs in linear time, so no pattern can hang the scanner. */
export type Re2 = RE2;

export type Re2Result = { ok: true; regex: Re2; groups: number } | { ok: false; error: string };

/**
 * RE2 compiles counted repetitions (`{0,1000}`) into large programs, costing milliseconds per
 * pattern, so each (pattern, flags) pair is compiled once per process. Callers reset `lastIndex`
 * before every use, so sharing a global-flag object is safe in this single-threaded engine.
 */
const cache = new Map<string, Re2Result>();

/**
 * Compile `pattern` with RE2. Default flags `gd`: `g` so exec walks every match, `d` so capture groups
 * report their offsets (a secret group's column must be exact even when its text also occurs earlier
 * in the match).
 */
export function compileRe2(pattern: string, flags = 'gd'): Re2Result {
  const key = `${flags}\u0000${pattern}`;
  let result = cache.get(key);
  if (result === undefined) {
    try {
      result = { ok: true, regex: new RE2(pattern, flags), groups: countGroups(pattern) };
    } catch (e) {
      result = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    cache.set(key, result);
  }
  return result;
}

/** The kinds of piece walkPattern cuts a pattern into. */
type PatternPiece = 'char' | 'escape' | 'class' | 'negated-class';

/**
 * Walks a pattern RE2 accepted piece by piece: a character class (its brackets included), an escape
 * (`\Q…\E` as one piece), or any other single character.
 */
function walkPattern(pattern: string, visit: (piece: PatternPiece, start: number, end: number) => void): void {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const close = pattern.indexOf('\\E', i + 2);
        const end = close === -1 ? pattern.length : close + 2;
        visit('escape', i, end);
        i = end - 1;
      } else {
        visit('escape', i, Math.min(pattern.length, i + 2));
        i++;
      }
      continue;
    }
    if (c !== '[') {
      visit('char', i, i + 1);
      continue;
    }
    const start = i;
    const negated = pattern[i + 1] === '^';
    if (negated) i++;
    // A ']' first in a class (after an optional '^') is a literal, not the end.
    if (pattern[i + 1] === ']') i++;
    for (i++; i < pattern.length; i++) {
      const d = pattern[i];
      if (d === '\\') i++;
      else if (d === '[' && pattern[i + 1] === ':') {
        const close = pattern.indexOf(':]', i + 2);
        if (close !== -1) i = close + 1;
      } else if (d === ']') break;
    }
    visit(negated ? 'negated-class' : 'class', start, Math.min(pattern.length, i + 1));
  }
}

/**
 * Number of capture groups of a pattern RE2 accepted, by reading its syntax: `(` outside character
 * classes and escapes, except non-capturing `(?…)` forms other than named groups `(?P<n>` / `(?<n>`.
 * (Asking RE2 would mean a second compile, which is the expensive part.)
 */
export function countGroups(pattern: string): number {
  let groups = 0;
  walkPattern(pattern, (piece, i) => {
    if (piece !== 'char' || pattern[i] !== '(') return;
    if (pattern[i + 1] !== '?') groups++;
    else if ((pattern[i + 2] === 'P' && pattern[i + 3] === '<') || pattern[i + 2] === '<') groups++;
  });
  return groups;
}

/** A line feed spelt as an escape: `\n`, `\x0a`, `\x{a}`, `\012`; anywhere in a class's text, or where an escape starts. */
const LINE_FEED_IN_CLASS = /\\(?:n|x0[aA]|x\{0*[aA]\}|0?12)/;
const LINE_FEED_ESCAPE = new RegExp(`^${LINE_FEED_IN_CLASS.source}`);

/**
 * Whether a pattern is written to match across lines (PEM blocks, JSON spread over lines): a line
 * feed outside a negated class, a class that takes any character (`[\s\S]`), or the `s` flag. A
 * `\s` alone does not count, as in every `password\s*=` rule; nor does a line feed a negated class
 * excludes (`[^\r\n]` keeps a match on one line).
 */
export function spansLines(pattern: string): boolean {
  let spans = false;
  walkPattern(pattern, (piece, start, end) => {
    if (spans || piece === 'negated-class') return;
    // An escape piece is two characters; `\x0a` and `\x{a}` read on past it.
    if (piece === 'escape') spans = pattern[start + 1] !== 'Q' && LINE_FEED_ESCAPE.test(pattern.slice(start, start + 8));
    else if (piece === 'class') {
      const text = pattern.slice(start, end);
      spans = LINE_FEED_IN_CLASS.test(text) || /\\s[^\]]*\\S|\\S[^\]]*\\s/.test(text);
    } else if (pattern[start] === '(' && pattern[start + 1] === '?') spans = /^\(\?[a-zA-Z]*s[a-zA-Z]*[:)]/.test(pattern.slice(start, start + 12));
  });
  return spans;
}

/** Test a RE2 pattern against a whole string without disturbing the pattern's `lastIndex` state. */
export function re2Test(regex: Re2, text: string): boolean {
  regex.lastIndex = 0;
  const hit = regex.test(text);
  regex.lastIndex = 0;
  return hit;
}
