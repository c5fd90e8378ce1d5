/**
 * Keyword occurrences that cannot begin the part of a match that follows them. The automaton finds
 * `password` in every `user.password` and `"password":`, `define` in every AMD `define([`, `curl`
 * in every README that mentions curl; the engine then runs the rule's regex on the lines around
 * each. But many regexes say what must come right after their keyword: `(?:password|pwd)\s*=`,
 * `define\s*\(\s*["']…password…["']`, `-u` and a user:password pair after `curl`. Testing that
 * part, anchored at the occurrence, drops most occurrences for a few bytes of work each, before any
 * window is built.
 *
 * The filter is the regex from one top-level item on (a group, or a literal) such that every text
 * that part can match begins with one of the rule's keywords: whatever a match holds before it, its
 * own keyword occurrence then starts where that part starts and passes the test. The filter drops
 * every zero-width assertion (`\b`, `^`, `$` …) and every large upper bound, so it accepts a superset
 * of what the part matches wherever it is cut from the text, and is run only on the bytes a window
 * around the occurrence can reach: it never drops an occurrence the exact regex needs. A part may
 * also start a fixed number of one-byte items before its keyword (`[_.-]pass`, `[0-9a-f]{32}-us`);
 * the filter is then tested that many bytes earlier.
 *
 * One difference remains, and only for text no source file holds in practice: under `(?i)` RE2
 * also lets `s` match `ſ` (U+017F) and `k` match the Kelvin sign (U+212A), which the ASCII
 * automaton never reports as keyword letters. A match spelt with them was found before only when
 * another keyword happened to sit in its window; such a window is now dropped.
 */

import type { RuleSpec } from '../types.js';
import { compileRe2, type Re2 } from './regex.js';
import { leadBytesAt, quantifierAt, WHITESPACE_BYTES } from './run-anchor.js';

/** How many literal beginnings the prefix analysis follows before it gives up. */
const MAX_PREFIXES = 64;

interface Item {
  /** The item's source text, quantifier included. */
  readonly text: string;
  readonly kind: 'literal' | 'group' | 'assertion' | 'other';
  /** The character, for a literal. */
  readonly char?: string;
  /** The alternatives of a group's body. */
  readonly alternatives?: readonly Item[][];
  /** Repetitions allowed: 1 and 1 without a quantifier. */
  readonly min: number;
  readonly max: number;
}

/** A rule's follow filter, as plain data (the build stores the built-in rules' in dist/rules.json). */
export interface FollowSpec {
  /** RE2 syntax, to be tested anchored at a keyword occurrence's start. */
  readonly pattern: string;
  /**
   * For each of the rule's keywords (lower-cased), what must come right after it where it starts
   * the filtered part; absent when any byte may (or the analysis cannot tell). A check in
   * JavaScript that drops most occurrences before the filter's native call.
   */
  readonly next: Readonly<Record<string, NextBytes>>;
  /**
   * How many bytes before a keyword occurrence the part may start (ascending; usually just 0): in
   * `(?:password|[_.-]pass)` the second alternative starts one byte before its keyword.
   */
  readonly leads: readonly number[];
}

/** What must come right after a keyword occurrence: `count` bytes (at least one) all allowed by `mask`. */
export interface NextBytes {
  /** Bit `b & 7` of byte `b >> 3` is set for each byte `b` allowed (32 bytes). */
  readonly mask: Uint8Array;
  readonly count: number;
}

/** How the engine checks one rule's occurrences of one keyword. */
export interface FollowCheck {
  /** The keyword's length in bytes: its occurrence starts that far before the offset past it. */
  readonly back: number;
  /** What must come right after the occurrence; undefined: anything may. */
  readonly next?: NextBytes;
  /** How many bytes before the occurrence the filter is tested (see FollowSpec.leads). */
  readonly leads: readonly number[];
}

function maskOf(set: Uint8Array): Uint8Array {
  const mask = new Uint8Array(32);
  for (let b = 0; b < 256; b++) if (set[b] === 1) mask[b >> 3] = (mask[b >> 3] as number) | (1 << (b & 7));
  return mask;
}

/**
 * The follow filter of a rule, or undefined when the regex has no part this module can prove begins
 * with a keyword. `keywords` are the rule's, lower-cased.
 */
export function followSpecFor(regex: string, keywords: readonly string[]): FollowSpec | undefined {
  if (keywords.length === 0 || keywords.some((k) => k.length === 0 || /[^\x20-\x7e]/.test(k))) return undefined;
  const flags = /^\(\?[imsU]+\)/.exec(regex)?.[0] ?? '';
  const caseless = flags.includes('i');
  const items = parseAlternatives(regex, flags.length, regex.length);
  if (items === undefined || items.length !== 1) return undefined;
  const seq = items[0] as Item[];
  // Of the parts that begin with a keyword, the one with the fewest leads (each costs a test per
  // occurrence), and of those the longest (the most to check).
  let best: { part: Item[]; leads: number[] } | undefined;
  for (let i = 0; i < seq.length; i++) {
    // What comes before the part must stay on the keyword's line: the window a keyword opens starts
    // at its line, so a match begun on an earlier line is found only through another keyword's
    // window, which the filter would close (`[a-z]{2}\s+key` in `password\nkey`). Unless no keyword
    // can occur before the line break: then no other window ever held such a match.
    if (i > 0 && mayCrossLine(seq[i - 1] as Item, flags) && !keywordFree(seq.slice(0, i), keywords)) break;
    if ((seq[i] as Item).kind === 'assertion') continue;
    const part = seq.slice(i);
    const leads = keywordLeads(part, keywords);
    if (leads === undefined || leads.length > MAX_LEADS) continue;
    if (best === undefined || leads.length < best.leads.length) best = { part, leads };
  }
  if (best !== undefined) {
    const { part, leads } = best;
    const body = part.map((it) => withoutAssertions(it)).join('');
    const next: Record<string, NextBytes> = {};
    for (const k of new Set(keywords)) {
      const n = nextBytesAfter(part, k, leads, caseless);
      if (n !== undefined) next[k] = n;
    }
    return { pattern: `${flags}\\A(?:${body})`, next, leads };
  }
  return undefined;
}

/**
 * Whether no text `items` can match holds one of `keywords` (as the automaton finds them: in any
 * case). Only for items read as literal texts (literals, groups of literal alternatives) and
 * whitespace, which stands for a space (no keyword holds one); anything else cannot be told.
 */
function keywordFree(items: readonly Item[], keywords: readonly string[]): boolean {
  if (keywords.some((k) => /\s/.test(k))) return false;
  let texts = [''];
  for (const item of items) {
    let ends: string[];
    if (whitespaceOnly(item)) ends = item.min === 0 ? ['', ' '] : [' '];
    else {
      const prefixes = itemPrefixes(item);
      if (prefixes.some((p) => !p.open || p.text.includes(ANY))) return false;
      ends = prefixes.map((p) => p.text);
    }
    texts = texts.flatMap((t) => ends.map((e) => t + e));
    if (texts.length > MAX_PREFIXES) return false;
  }
  return texts.every((t) => keywordAt(t.toLowerCase(), keywords) === undefined);
}

const WHITESPACE = new Set(WHITESPACE_BYTES);

/** Whether an item (repeated or not) matches only whitespace. */
function whitespaceOnly(item: Item): boolean {
  if (item.kind === 'literal') return WHITESPACE.has((item.char as string).charCodeAt(0));
  if (item.kind !== 'other') return false;
  const lead = leadBytesAt(item.text, 0, false);
  if (lead === undefined) return false;
  for (let b = 0; b < 256; b++) if (lead.set[b] === 1 && !WHITESPACE.has(b)) return false;
  return true;
}

/** Texts holding a line break, on which an item is tried whole (see mayCrossLine). */
const LINE_BREAK_PROBES = (() => {
  const out = Array.from({ length: 8 }, (_, n) => '\n'.repeat(n + 1));
  for (const c of ['a', 'A', '0', ' ', '\t', '"', "'", '_', '=', ':', '-', '.', '/', '+', '\r']) out.push(c + '\n', '\n' + c, c + c + '\n', '\n' + c + c, c + '\n' + c);
  return out;
})();

/**
 * Whether an item of the regex can match text holding a line break. Tried on short probes: an item
 * that needs a long run around its line break (`(?:[a-z]{9}\n)`) is missed, which only ever costs
 * the rule the filter's exactness on such a match, never for the common `\s`, `[^"]` or `.`.
 */
function mayCrossLine(item: Item, flags: string): boolean {
  if (item.kind === 'assertion') return false;
  if (item.kind === 'literal') return item.char === '\n';
  const probe = compileRe2(`${flags}\\A(?:${item.text})\\z`, '');
  if (!probe.ok) return true;
  return LINE_BREAK_PROBES.some((t) => probe.regex.test(t));
}

/**
 * Specs as JSON-safe data: masks as 64 hex digits, each distinct one stored once in `masks` and
 * named by its index there.
 */
export interface FollowSpecsData {
  readonly masks: readonly string[];
  readonly specs: readonly ({
    readonly pattern: string;
    readonly next: Readonly<Record<string, readonly [count: number, mask: number]>>;
    /** Absent for [0]. */
    readonly leads?: readonly number[];
  } | null)[];
}

export function followSpecsToData(specs: readonly (FollowSpec | undefined)[]): FollowSpecsData {
  const masks: string[] = [];
  const index = new Map<string, number>();
  const out = specs.map((spec) => {
    if (spec === undefined) return null;
    const next: Record<string, [number, number]> = {};
    for (const [k, n] of Object.entries(spec.next)) {
      const hex = Buffer.from(n.mask).toString('hex');
      let i = index.get(hex);
      if (i === undefined) index.set(hex, (i = masks.push(hex) - 1));
      next[k] = [n.count, i];
    }
    const plain = spec.leads.length === 1 && spec.leads[0] === 0;
    return { pattern: spec.pattern, next, ...(plain ? {} : { leads: spec.leads }) };
  });
  return { masks, specs: out };
}

/** The specs stored by followSpecsToData (null: the rule has none), or undefined when the data is not of that shape. */
export function followSpecsFromData(data: unknown): (FollowSpec | null)[] | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { masks, specs } = data as { masks?: unknown; specs?: unknown };
  if (!Array.isArray(masks) || !Array.isArray(specs) || !masks.every((m) => typeof m === 'string' && /^[0-9a-f]{64}$/.test(m))) return undefined;
  const decoded = (masks as string[]).map((m) => new Uint8Array(Buffer.from(m, 'hex')));
  const out: (FollowSpec | null)[] = [];
  for (const s of specs as unknown[]) {
    if (s === null) {
      out.push(null);
      continue;
    }
    const { pattern, next, leads = [0] } = (s ?? {}) as { pattern?: unknown; next?: unknown; leads?: unknown };
    if (typeof pattern !== 'string' || typeof next !== 'object' || next === null) return undefined;
    if (!Array.isArray(leads) || leads.length === 0 || !leads.every((l) => Number.isInteger(l) && l >= 0 && l <= MAX_LEAD)) return undefined;
    const read: Record<string, NextBytes> = {};
    for (const [k, v] of Object.entries(next as Record<string, unknown>)) {
      const pair = Array.isArray(v) ? (v as unknown[]) : [];
      const [count, at] = pair;
      const mask = typeof at === 'number' ? decoded[at] : undefined;
      if (mask === undefined || typeof count !== 'number' || count < 1) return undefined;
      read[k] = { mask, count };
    }
    out.push({ pattern, next: read, leads: leads as number[] });
  }
  return out;
}

/** Where a match can be inside the part: the rest of the innermost sequence first, then the rests of the sequences around it. */
type Position = readonly (readonly Item[])[];

/** Positions followed when reading a keyword through the part before giving up. */
const MAX_POSITIONS = 256;

function nextBytesAfter(part: readonly Item[], keyword: string, leads: readonly number[], caseless: boolean): NextBytes | undefined {
  const positions: Position[] = [];
  for (const lead of leads) if (!consume([part], ANY.repeat(lead) + keyword.toLowerCase(), positions)) return undefined;
  // One way on, through a repeated class (`EAA` then `[A-Za-z0-9]{100,}`): its whole minimum run.
  const only = positions.length === 1 ? firstItem(positions[0] as Position) : undefined;
  if (only !== undefined && only.kind !== 'group' && only.min > 1) {
    const lead = leadBytesAt(only.text, 0, caseless);
    if (lead !== undefined) return { mask: maskOf(lead.set), count: only.min };
  }
  const set = new Uint8Array(256);
  for (const p of positions) if (!addFirstBytes(p, caseless, set, 0)) return undefined;
  // A check every byte passes would only cost time.
  return set.every((b) => b === 1) ? undefined : { mask: maskOf(set), count: 1 };
}

/** The first item a match goes on with from `pos`, past assertions. */
function firstItem(pos: Position): Item | undefined {
  for (let h = head(pos); h !== undefined; h = head(h.rest)) if (h.item.kind !== 'assertion') return h.item;
  return undefined;
}

/** The next item from `pos` and the position after it, or undefined where the part ends. */
function head(pos: Position): { item: Item; rest: Position } | undefined {
  let p = pos;
  while (p.length > 0 && (p[0] as readonly Item[]).length === 0) p = p.slice(1);
  if (p.length === 0) return undefined;
  const [cur, ...outer] = p as [readonly Item[], ...(readonly Item[])[]];
  return { item: cur[0] as Item, rest: [cur.slice(1), ...outer] };
}

/**
 * Every position reached after reading `k` from `pos` goes to `out` (ANY in `k` stands for one byte
 * of a lead); false when a repetition or an item this module cannot read would have to read part of
 * it, or a lead byte might be more than one (the analysis gives up).
 */
function consume(pos: Position, k: string, out: Position[]): boolean {
  if (k === '') {
    out.push(pos);
    return out.length <= MAX_POSITIONS;
  }
  const h = head(pos);
  // The part ends inside the keyword: no match begins with the keyword along this path.
  if (h === undefined) return true;
  const { item, rest } = h;
  if (item.kind === 'assertion') return consume(rest, k, out);
  // A run of lead bytes (`[0-9a-f]{32}` before `-us`).
  if (item.min === item.max && item.min > 1 && k.startsWith(ANY.repeat(item.min)) && oneByte(item)) return consume(rest, k.slice(item.min), out);
  const once = item.min === 1 && item.max === 1;
  const optional = item.min === 0 && item.max === 1;
  if (!once && !optional) return false;
  if (optional && !consume(rest, k, out)) return false;
  if (k[0] === ANY && item.kind !== 'group') return oneByte(item) && consume(rest, k.slice(1), out);
  if (item.kind === 'literal') return (item.char as string).toLowerCase() !== k[0] || consume(rest, k.slice(1), out);
  if (item.kind === 'group' && item.alternatives !== undefined) {
    for (const alt of item.alternatives) if (!consume([alt, ...rest], k, out)) return false;
    return true;
  }
  // A class reads the keyword's letter (ASCII, as the automaton found it) if it holds it in either case.
  const lead = item.kind === 'other' ? leadBytesAt(item.text, 0, false) : undefined;
  if (lead === undefined) return false;
  const c = k.charCodeAt(0);
  const upper = String.fromCharCode(c).toUpperCase().charCodeAt(0);
  return (lead.set[c] !== 1 && lead.set[upper] !== 1) || consume(rest, k.slice(1), out);
}

/** Add the bytes a match can continue with from `pos` to `set`; false when any byte can (or it cannot tell). */
function addFirstBytes(pos: Position, caseless: boolean, set: Uint8Array, depth: number): boolean {
  if (depth > 64) return false;
  const h = head(pos);
  // The part can end here: whatever follows is outside it.
  if (h === undefined) return false;
  const { item, rest } = h;
  if (item.kind === 'assertion') return addFirstBytes(rest, caseless, set, depth + 1);
  if (item.max === 0) return addFirstBytes(rest, caseless, set, depth + 1);
  if (item.kind === 'group') {
    if (item.alternatives === undefined) return false;
    for (const alt of item.alternatives) if (!addFirstBytes([alt, ...rest], caseless, set, depth + 1)) return false;
  } else {
    const lead = leadBytesAt(item.text, 0, caseless);
    if (lead === undefined) return false;
    for (let b = 0; b < 256; b++) set[b] |= lead.set[b] as number;
  }
  return item.min > 0 || addFirstBytes(rest, caseless, set, depth + 1);
}

interface Prefix {
  readonly text: string;
  /** Whether everything so far was literal, so the next item still extends the prefix. */
  readonly open: boolean;
}

/** Stands for one byte before a keyword in the prefix analysis (no keyword holds it). */
const ANY = '\u0000';

/** The most bytes a part may start before its keyword. */
const MAX_LEAD = 64;

/** The most distances a filter is tested at: more would cost more per occurrence than they save. */
const MAX_LEADS = 3;

/**
 * Where `seq`'s keyword sits, if every text it can match holds one of `keywords` at a fixed distance
 * from its start: those distances in bytes, ascending (undefined when some text holds none that
 * way). The texts' beginnings are followed item by item, literal letters as themselves and
 * one-byte classes as ANY, each dropped once a keyword shows in it; the answer is no as soon as one
 * ends without a keyword or grows past MAX_LEAD bytes before one.
 */
function keywordLeads(seq: readonly Item[], keywords: readonly string[]): number[] | undefined {
  const longest = keywords.reduce((n, k) => Math.max(n, k.length), 0);
  const leads = new Set<number>();
  let open: string[] = [''];
  for (const item of seq) {
    const next: string[] = [];
    for (const text of open) {
      for (const ext of itemPrefixes(item)) {
        const t = (text + ext.text).toLowerCase();
        const at = keywordAt(t, keywords);
        if (at !== undefined) {
          leads.add(at);
          continue;
        }
        if (!ext.open || t.length > MAX_LEAD + longest) return undefined;
        next.push(t);
      }
    }
    if (next.length > MAX_PREFIXES) return undefined;
    if (next.length === 0) return [...leads].sort((x, y) => x - y);
    open = next;
  }
  return undefined;
}

/** The first offset in `t` where one of `keywords` starts, if any. */
function keywordAt(t: string, keywords: readonly string[]): number | undefined {
  for (let p = 0; p < t.length; p++) if (keywords.some((k) => t.startsWith(k, p))) return p;
  return undefined;
}

/** Whether the item (a literal or a class) matches one ASCII byte (but see the module's note on `(?i)`). */
function oneByte(item: Item): boolean {
  if (item.kind !== 'literal' && item.kind !== 'other') return false;
  const lead = leadBytesAt(item.text, 0, false);
  if (lead === undefined) return false;
  for (let b = 0x80; b < 256; b++) if (lead.set[b] === 1) return false;
  return true;
}

/** The literal texts every match of `seq` begins with (one of them), or undefined past the limit. */
function literalPrefixes(seq: readonly Item[]): Prefix[] | undefined {
  let out: Prefix[] = [{ text: '', open: true }];
  for (const item of seq) {
    if (!out.some((p) => p.open)) break;
    const next: Prefix[] = [];
    for (const p of out) {
      if (!p.open) {
        next.push(p);
        continue;
      }
      for (const ext of itemPrefixes(item)) next.push({ text: p.text + ext.text, open: ext.open });
    }
    if (next.length > MAX_PREFIXES) return undefined;
    out = next;
  }
  return out;
}

/** What one item adds to a literal prefix. */
function itemPrefixes(item: Item): Prefix[] {
  if (item.kind === 'assertion') return [{ text: '', open: true }];
  const once = item.min === 1 && item.max === 1;
  const optional = item.min === 0 && item.max === 1;
  const single = item.kind !== 'group' && oneByte(item);
  // A one-byte class repeated an exact number of times (`[0-9a-f]{32}`) is a run of lead bytes.
  if (single && item.min === item.max && item.min > 1 && item.min <= MAX_LEAD) return [{ text: ANY.repeat(item.min), open: true }];
  if (!once && !optional) return [{ text: '', open: false }];
  const skipped: Prefix[] = optional ? [{ text: '', open: true }] : [];
  if (item.kind === 'literal') return [single ? { text: item.char as string, open: true } : { text: '', open: false }, ...skipped];
  if (single) return [{ text: ANY, open: true }, ...skipped];
  if (item.kind === 'group' && item.alternatives !== undefined) {
    const inner: Prefix[] = [];
    for (const alt of item.alternatives) {
      const ps = literalPrefixes(alt);
      if (ps === undefined) return [{ text: '', open: false }];
      inner.push(...ps);
    }
    return [...inner, ...skipped];
  }
  // A class, an escape, `.` or a repeated item: the prefix ends here.
  return [{ text: '', open: false }];
}

/** The item's text with every zero-width assertion removed (they only narrow what matches). */
function withoutAssertions(item: Item): string {
  if (item.kind === 'assertion') return '';
  if (item.kind !== 'group') return item.text;
  return stripAssertions(item.text);
}

/** `text` (a well-formed piece of regex) without `\b \B \A \z ^ $` outside classes. */
function stripAssertions(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const n = text[i + 1] ?? '';
      if (n === '' || !'bBAz'.includes(n)) out += c + n;
      i++;
      continue;
    }
    if (c === '[') {
      const end = classEnd(text, i);
      out += text.slice(i, end);
      i = end - 1;
      continue;
    }
    if (c === '^' || c === '$') continue;
    out += c;
  }
  return out;
}

/** Index just past the class that opens at `re[i] === '['`, or -1. */
function classEnd(re: string, i: number): number {
  let j = i + 1;
  if (re[j] === '^') j++;
  if (re[j] === ']') j++;
  for (; j < re.length; j++) {
    const c = re[j];
    if (c === '\\') j++;
    else if (c === '[' && re[j + 1] === ':') {
      const close = re.indexOf(':]', j + 2);
      if (close === -1) return -1;
      j = close + 1;
    } else if (c === ']') return j + 1;
  }
  return -1;
}

/** The alternatives of `re[from, to)`, each a sequence of items, or undefined for syntax not handled here. */
function parseAlternatives(re: string, from: number, to: number): Item[][] | undefined {
  const alternatives: Item[][] = [];
  let seq: Item[] = [];
  let i = from;
  while (i < to) {
    const c = re[i] as string;
    if (c === '|') {
      alternatives.push(seq);
      seq = [];
      i++;
      continue;
    }
    const atom = parseAtom(re, i, to);
    if (atom === undefined) return undefined;
    const q = quantifierAt(re, atom.end);
    if (q !== undefined && atom.kind === 'assertion') return undefined;
    const end = q?.end ?? atom.end;
    seq.push({
      text: re.slice(i, end),
      kind: atom.kind,
      ...(atom.char !== undefined ? { char: atom.char } : {}),
      ...(atom.alternatives !== undefined ? { alternatives: atom.alternatives } : {}),
      min: q?.min ?? 1,
      max: q?.max ?? 1,
    });
    i = end;
  }
  alternatives.push(seq);
  return alternatives;
}

interface Atom {
  readonly end: number;
  readonly kind: Item['kind'];
  readonly char?: string;
  readonly alternatives?: Item[][];
}

function parseAtom(re: string, i: number, to: number): Atom | undefined {
  const c = re[i] as string;
  if (c === '\\') {
    const n = re[i + 1];
    if (n === undefined || n === 'Q' || n === 'E' || n === 'C') return undefined;
    if ('bBAz'.includes(n)) return { end: i + 2, kind: 'assertion' };
    if (n === 'x') {
      const m = /^\\x(?:[0-9A-Fa-f]{2}|\{[0-9A-Fa-f]{1,6}\})/.exec(re.slice(i, i + 12));
      return m ? { end: i + m[0].length, kind: 'other' } : undefined;
    }
    if (n === 'p' || n === 'P') {
      const m = /^\\[pP](?:[A-Za-z]|\{\^?[A-Za-z_]+\})/.exec(re.slice(i, i + 40));
      return m ? { end: i + m[0].length, kind: 'other' } : undefined;
    }
    if (/[A-Za-z0-9]/.test(n)) return { end: i + 2, kind: 'other' };
    return { end: i + 2, kind: 'literal', char: n };
  }
  if (c === '[') {
    const end = classEnd(re, i);
    return end === -1 || end > to ? undefined : { end, kind: 'other' };
  }
  if (c === '(') {
    const close = groupEnd(re, i, to);
    if (close === -1) return undefined;
    let bodyFrom = i + 1;
    if (re[i + 1] === '?') {
      const named = /^\(\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(re.slice(i, i + 40));
      const flagged = /^\(\?[imsU-]*:/.exec(re.slice(i, i + 12));
      if (named) bodyFrom = i + named[0].length;
      else if (flagged) bodyFrom = i + flagged[0].length;
      // A bare flag group (`(?i)`) changes how everything after it matches.
      else return undefined;
    }
    const alternatives = parseAlternatives(re, bodyFrom, close);
    return alternatives === undefined ? undefined : { end: close + 1, kind: 'group', alternatives };
  }
  if (c === ')' || c === '*' || c === '+' || c === '?') return undefined;
  if (c === '^' || c === '$') return { end: i + 1, kind: 'assertion' };
  if (c === '.') return { end: i + 1, kind: 'other' };
  if (c === '{' && quantifierAt(re, i) !== undefined) return undefined;
  return { end: i + 1, kind: 'literal', char: c };
}

/** Index of the `)` closing the group that opens at `re[i] === '('` (before `to`), or -1. */
function groupEnd(re: string, i: number, to: number): number {
  let depth = 0;
  for (let j = i; j < to; j++) {
    const c = re[j];
    if (c === '\\') j++;
    else if (c === '[') {
      const end = classEnd(re, j);
      if (end === -1) return -1;
      j = end - 1;
    } else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

/**
 * The occurrences (offsets just past each, `check.back` bytes long) followed by what `check.next`
 * says (when known) and where the rule's `follow` filter matches, from `check.leads` bytes before
 * their start, within `forward` bytes past them: as far as the engine's window around an occurrence
 * reaches. The filter is compiled only when an occurrence gets that far.
 */
export function followHits(
  bytes: Buffer,
  ends: readonly number[],
  check: FollowCheck,
  rule: { readonly follow?: Re2 },
  forward: number,
): number[] {
  const { back, next, leads } = check;
  const kept: number[] = [];
  let filter: Re2 | undefined;
  let compiled = false;
  next: for (const end of ends) {
    if (next !== undefined) {
      if (end + next.count > bytes.length) continue;
      const mask = next.mask;
      for (let i = 0; i < next.count; i++) {
        const b = bytes[end + i] as number;
        if ((((mask[b >> 3] as number) >> (b & 7)) & 1) === 0) continue next;
      }
    }
    if (!compiled) {
      filter = rule.follow;
      compiled = true;
    }
    if (filter === undefined) {
      kept.push(end);
      continue;
    }
    const stop = Math.min(bytes.length, end + forward);
    for (const lead of leads) {
      const start = end - back - lead;
      // Compiled without the global flag: test() keeps no position between calls.
      if (start >= 0 && filter.test(bytes.subarray(start, stop))) {
        kept.push(end);
        continue next;
      }
    }
  }
  return kept;
}

/**
 * Follow specs known for spec objects (null: none): the build's, read with dist/rules.json, those a
 * worker was given, and those worked out once.
 */
const known = new WeakMap<RuleSpec, FollowSpec | null>();

export function rememberFollowSpec(spec: RuleSpec, follow: FollowSpec | undefined): void {
  known.set(spec, follow ?? null);
}

/** The rule's follow spec: the one known for this very spec object, else worked out now (and kept). */
export function followSpecOf(spec: RuleSpec): FollowSpec | undefined {
  const stored = known.get(spec);
  if (stored !== undefined) return stored ?? undefined;
  const follow = followSpecFor(spec.regex, spec.keywords.map((k) => k.toLowerCase()));
  known.set(spec, follow ?? null);
  return follow;
}
