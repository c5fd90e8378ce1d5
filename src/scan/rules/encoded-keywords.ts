/**
 * Keywords as they look once encoded. The engine decodes base64, hex and percent-encoded spans only
 * where one of these occurs, so finding the spans worth decoding costs nothing beyond the keyword pass
 * every fragment already gets (measured: a separate search for long base64-looking runs cost as much
 * as the rest of the scan on minified code, which is full of long identifiers).
 *
 * Matching is case-insensitive (the shared automaton folds case), so a trigger fires a little more
 * often than needed. Derived forms: a value that starts with the keyword in lower or UPPER case (a
 * whole token encoded, as in a Kubernetes Secret), and, for keywords of 6+ characters, the keyword
 * anywhere in encoded text (all three base64 alignments, and hex) in lower or Title case.
 */

export type Encoding = 'base64' | 'hex' | 'percent';

export interface EncodedKeyword {
  readonly pattern: string;
  readonly encoding: Encoding;
}

/** Shorter patterns fire on ordinary words; longer ones cost automaton states and add no precision. */
const BASE64_LENGTH = 6;
const HEX_LENGTH = 10;

/**
 * Escapes that hide what a rule needs to see (`=`, `:`, quotes, `@`, `/`, `+`): text where none of
 * them is percent-encoded reads the same decoded, so there is nothing new to scan.
 */
const PERCENT_TRIGGERS = ['%3d', '%3a', '%22', '%27', '%40', '%2f', '%2b'];

/** What a rule contributes: its keywords, and the text they are seen in (its match examples). */
export interface KeywordSource {
  readonly keywords: readonly string[];
  readonly examples: readonly string[];
  /** Generic rules' keywords (`password`, `token` …) are also looked for anywhere inside encoded text. */
  readonly generic: boolean;
}

/**
 * Every encoded form worth looking for, de-duplicated:
 * - a whole value that starts with a keyword (a token base64-encoded on its own, as in a Kubernetes
 *   Secret), in the case the rule's examples show it (`AKIA`, `ghp_`, `AIza`), else lower and UPPER;
 * - a generic rule's keyword anywhere inside encoded text (an encoded config or .env file), at every
 *   base64 alignment and in hex, lower, Title and UPPER case. Keywords that contain a shorter one
 *   (`secret_key` holds `secret`) add nothing and are left out.
 */
export function encodedKeywords(sources: Iterable<KeywordSource>): EncodedKeyword[] {
  const out = new Map<string, Encoding>();
  const add = (pattern: string, encoding: Encoding, min: number): void => {
    if (pattern.length < min) return;
    const p = pattern.toLowerCase();
    if (!out.has(p)) out.set(p, encoding);
  };
  const words = new Set<string>();
  for (const source of sources) {
    const lowerExamples = source.examples.map((e) => e.toLowerCase());
    for (const keyword of source.keywords) {
      const lower = keyword.toLowerCase();
      if (!PRINTABLE.test(lower)) continue;
      if (source.generic) words.add(lower);
      for (const form of casesSeen(lower, source.examples, lowerExamples)) {
        add(base64Stable(form, 0).slice(0, BASE64_LENGTH), 'base64', BASE64_LENGTH - 1);
      }
    }
  }
  const minimal = [...words].filter((w) => w.length >= 5 && ![...words].some((o) => o !== w && o.length >= 5 && w.includes(o)));
  for (const word of minimal) {
    const upper = word.toUpperCase();
    // A tail (all but the first character) is shared by `password` and `Password`.
    const forms = word.length >= 6 ? [word.slice(1), upper.slice(1)] : [word, upper, upper[0] + word.slice(1)];
    for (const form of new Set(forms)) {
      for (let align = 0; align < 3; align++) add(base64Stable(form, align).slice(0, BASE64_LENGTH), 'base64', BASE64_LENGTH);
      add(Buffer.from(form, 'latin1').toString('hex').slice(0, HEX_LENGTH), 'hex', HEX_LENGTH);
    }
  }
  for (const p of PERCENT_TRIGGERS) add(p, 'percent', 3);
  return [...out].map(([pattern, encoding]) => ({ pattern, encoding }));
}

/** The spellings of a keyword in the examples; lower and UPPER case when they show none. */
function casesSeen(lower: string, examples: readonly string[], lowerExamples: readonly string[]): Set<string> {
  const seen = new Set<string>();
  lowerExamples.forEach((e, i) => {
    const at = e.indexOf(lower);
    if (at >= 0) seen.add(examples[i].slice(at, at + lower.length));
  });
  if (seen.size === 0) {
    seen.add(lower);
    seen.add(lower.toUpperCase());
  }
  return seen;
}

const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * The base64 characters `text` always encodes to when it starts `align` bytes into a 3-byte group,
 * whatever surrounds it: output character i holds bits [6i, 6i+6) and is fixed when they all fall
 * inside the text's bytes.
 */
export function base64Stable(text: string, align: number): string {
  const encoded = Buffer.from('\0'.repeat(align) + text, 'latin1').toString('base64');
  const first = Math.ceil((8 * align) / 6);
  const end = Math.floor((8 * (align + text.length)) / 6);
  return encoded.slice(first, end);
}
