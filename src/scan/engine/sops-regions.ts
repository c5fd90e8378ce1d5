/**
 * Spans of a fragment that SOPS wrote: `ENC[AES256_GCM,…]` values and the metadata block (YAML `sops:`
 * top-level key, JSON `"sops"` object, dotenv `sops_…` lines, INI `[sops]` section). Nothing inside
 * them is a leak: values are ciphertext, and metadata holds wrapped data keys and public recipients.
 *
 * Metadata blocks only count when the text also holds an ENC value (every SOPS file has at least the
 * encrypted MAC), so a plain YAML file with its own `sops:` key is still scanned.
 */

/** Sorted, half-open [start, end) character ranges. */
export type Ranges = readonly (readonly [number, number])[];

const ENC_MARK = 'ENC[AES256_GCM,';
const ENC_VALUE = /ENC\[AES256_GCM,[^\]\n]*\]?/g;
const YAML_SOPS = /^sops:[ \t]*(?:#.*)?$/gm;
const YAML_TOP_LEVEL_LINE = /^[^\s#]/gm;
const JSON_SOPS = /"sops"\s*:\s*\{/g;
const DOTENV_SOPS = /^sops_[A-Za-z0-9_]*=.*$/gm;
const INI_SOPS = /^\[sops\][ \t]*$/gm;
const INI_SECTION = /^\[/gm;

export function sopsRegions(text: string): Ranges {
  if (!text.includes(ENC_MARK)) return [];
  const ranges: [number, number][] = [];
  for (const m of text.matchAll(ENC_VALUE)) ranges.push([m.index, m.index + m[0].length]);

  for (const m of text.matchAll(YAML_SOPS)) {
    const bodyStart = m.index + m[0].length;
    YAML_TOP_LEVEL_LINE.lastIndex = bodyStart + 1;
    const next = YAML_TOP_LEVEL_LINE.exec(text);
    ranges.push([m.index, next ? next.index : text.length]);
  }
  for (const m of text.matchAll(JSON_SOPS)) {
    const open = m.index + m[0].length - 1;
    ranges.push([m.index, matchingBrace(text, open)]);
  }
  for (const m of text.matchAll(DOTENV_SOPS)) ranges.push([m.index, m.index + m[0].length]);
  for (const m of text.matchAll(INI_SOPS)) {
    INI_SECTION.lastIndex = m.index + m[0].length;
    const next = INI_SECTION.exec(text);
    ranges.push([m.index, next ? next.index : text.length]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

/** Index just past the `}` closing the `{` at `open`, skipping braces inside JSON strings. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */ && --depth === 0) return i + 1;
  }
  return text.length;
}

/** True when [start, end) overlaps any range. */
export function overlapsAny(ranges: Ranges, start: number, end: number): boolean {
  for (const [a, b] of ranges) {
    if (a >= end) return false;
    if (b > start) return true;
  }
  return false;
}
