/**
 * Keyword occurrences that cannot start a match of their rule. The automaton finds keywords in any
 * case and anywhere, which is right for `password` but wasteful for a prefix rule: `eaa` (Facebook
 * tokens start `EAA`) occurs hundreds of times per file in the base64 of source maps, `pat` in every
 * `path`. Where a rule's regex opens with a word boundary and a literal that begins with the keyword
 * (`\b(EAA[A-Za-z0-9]{100,500})\b`), every match starts with the keyword spelt in the literal's case
 * after a non-word byte, so other occurrences are dropped before the engine builds windows around
 * them. Measured on 105 MB of npm sources: these occurrences were half of all keyword hits.
 */
export interface HitFilter {
  /** The keyword as the regex spells it (ASCII letters and digits). */
  readonly literal: string;
}

/**
 * `\b`, an optional opening group, and letters or digits up to a class, group or escape: a
 * quantifier right after the literal (`SK?`) would make its last character optional, so none may
 * follow it. The regex must have no alternation (another branch need not start with the literal)
 * and no case-insensitive flag.
 */
const OPENING_LITERAL = /^\\b\(?(?:\?:)?([A-Za-z0-9]+)(?=[[(\\])/;

/** The filter for one keyword of a rule, or undefined when its occurrences may sit anywhere in a match. */
export function hitFilterFor(regex: string, keyword: string): HitFilter | undefined {
  if (regex.includes('|') || regex.includes('(?i')) return undefined;
  const m = OPENING_LITERAL.exec(regex);
  const literal = m?.[1];
  if (literal === undefined || keyword.length === 0 || !literal.toLowerCase().startsWith(keyword.toLowerCase())) return undefined;
  return { literal: literal.slice(0, keyword.length) };
}

/**
 * The occurrences (offsets just past each, ascending) that can start a match: spelt as the filter's
 * literal, at the start of the text or after a byte that is not a word character (RE2's `\b` is ASCII).
 */
export function filterHits(bytes: Uint8Array, ends: readonly number[], filter: HitFilter): number[] {
  const lit = filter.literal;
  const n = lit.length;
  const kept: number[] = [];
  next: for (const end of ends) {
    const start = end - n;
    if (start < 0) continue;
    if (start > 0 && isWordByte(bytes[start - 1] as number)) continue;
    for (let i = 0; i < n; i++) if (bytes[start + i] !== lit.charCodeAt(i)) continue next;
    kept.push(end);
  }
  return kept;
}

function isWordByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
}
