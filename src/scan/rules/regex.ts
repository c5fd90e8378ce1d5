import RE2 from 're2';

/** A compiled RE2 pattern. RE2 runs in linear time, so no pattern can hang the scanner. */
export type Re2 = RE2;

export type Re2Result = { ok: true; regex: Re2; groups: number } | { ok: false; error: string };

/**
 * Compile `pattern` with RE2. Flags: `g` so exec walks every match, `d` so capture groups report their
 * offsets (a secret group's column must be exact even when its text also occurs earlier in the match).
 */
export function compileRe2(pattern: string, flags = 'gd'): Re2Result {
  try {
    const regex = new RE2(pattern, flags);
    return { ok: true, regex, groups: countGroups(pattern) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Number of capture groups in a pattern RE2 accepts. An empty alternative makes the pattern match the
 * empty string, so exec always returns an array whose length is 1 + the group count.
 */
function countGroups(pattern: string): number {
  const probe = new RE2(`(?:${pattern})|`);
  const m = probe.exec('');
  return m ? m.length - 1 : 0;
}

/** Test a RE2 pattern against a whole string without disturbing the pattern's `lastIndex` state. */
export function re2Test(regex: Re2, text: string): boolean {
  regex.lastIndex = 0;
  const hit = regex.test(text);
  regex.lastIndex = 0;
  return hit;
}
