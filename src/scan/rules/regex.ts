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

/**
 * Number of capture groups of a pattern RE2 accepted, by reading its syntax: `(` outside character
 * classes and escapes, except non-capturing `(?…)` forms other than named groups `(?P<n>` / `(?<n>`.
 * (Asking RE2 would mean a second compile, which is the expensive part.)
 */
export function countGroups(pattern: string): number {
  let groups = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        if (end === -1) break;
        i = end + 1;
      } else i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end !== -1) i = end + 1;
      } else if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A ']' first in a class (after an optional '^') is a literal, not the end.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] !== '?') groups++;
      else if ((pattern[i + 2] === 'P' && pattern[i + 3] === '<') || pattern[i + 2] === '<') groups++;
    }
  }
  return groups;
}

/** Test a RE2 pattern against a whole string without disturbing the pattern's `lastIndex` state. */
export function re2Test(regex: Re2, text: string): boolean {
  regex.lastIndex = 0;
  const hit = regex.test(text);
  regex.lastIndex = 0;
  return hit;
}
