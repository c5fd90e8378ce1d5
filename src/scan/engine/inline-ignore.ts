import type { LineIndex } from './text-index.js';

/**
 * Inline ignore comments. On the line of the secret: `sealguard:allow`, `gitleaks:allow`,
 * `pragma: allowlist secret`. On the line before: `sealguard:allow-next-line`,
 * `pragma: allowlist nextline secret`.
 */
const MARKERS = /sealguard:allow(-next-line)?|gitleaks:allow|pragma:[ \t]*allowlist[ \t]+(nextline[ \t]+)?secret/gi;

export interface IgnoreLines {
  /** Text line indices (0-based) that carry an allow marker for themselves. */
  readonly sameLine: ReadonlySet<number>;
  /** Text line indices whose next line is allowed. */
  readonly nextLine: ReadonlySet<number>;
}

/** One pass over the text; built only when a fragment has a candidate finding. */
export function findIgnoreLines(text: string, lines: LineIndex): IgnoreLines {
  const sameLine = new Set<number>();
  const nextLine = new Set<number>();
  for (const m of text.matchAll(MARKERS)) {
    const line = lines.lineOf(m.index);
    if (m[1] !== undefined || m[2] !== undefined) nextLine.add(line);
    else sameLine.add(line);
  }
  return { sameLine, nextLine };
}

/**
 * Whether a match covering text lines [first, last] is ignored. The line before only counts when it is
 * the line before in the original file too (a diff fragment can skip lines that were not added).
 */
export function isIgnored(ignore: IgnoreLines, first: number, last: number, originalLine: (i: number) => number): boolean {
  for (let l = first; l <= last; l++) if (ignore.sameLine.has(l)) return true;
  const prev = first - 1;
  return prev >= 0 && ignore.nextLine.has(prev) && originalLine(prev) === originalLine(first) - 1;
}
