/**
 * Where a rule without keywords can match. Such a rule would run its regex over every byte of every
 * fragment (the quoted-40-character AWS secret rule cost a quarter of all regex time on 105 MB of
 * npm sources). When its regex must match a long run of one ASCII class (`[A-Za-z0-9+/]{40}`), only
 * maximal runs of that class at least that long can hold a match, and finding them takes one probe
 * per run length of text plus the bytes of the runs it lands in. The regex then runs only around
 * those runs, as a keyword rule runs around its keywords.
 *
 * When the items right before and after the run are classes disjoint from it (the AWS rule's
 * quotes), a match's run is a whole maximal run: its length is bounded on both sides and the bytes
 * next to it must belong to those classes.
 */
export interface RunAnchor {
  /** `members[b] === 1` for the bytes of the run's class. */
  readonly members: Uint8Array;
  readonly min: number;
  /** Infinity when unbounded. */
  readonly max: number;
  /** The class the byte before the run must belong to, when it is disjoint from the run's. */
  readonly before?: Uint8Array;
  /** The class the byte after the run must belong to, when it is disjoint from the run's. */
  readonly after?: Uint8Array;
}

/** Shorter runs are too common in source text for probing to pay. */
const MIN_RUN = 16;

type Item =
  | { readonly kind: 'set'; readonly set: Uint8Array | undefined; min: number; max: number }
  | { readonly kind: 'zero' };

/**
 * The anchor of a regex (RE2 syntax), or undefined when the regex has none this module can prove:
 * an alternation, a flag group, a quantified group or an escape it does not know means undefined.
 */
export function runAnchorFor(regex: string): RunAnchor | undefined {
  const items = parseSequence(regex);
  if (items === undefined) return undefined;
  let best = -1;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Item;
    if (item.kind !== 'set' || item.set === undefined || item.min < MIN_RUN) continue;
    if (item.set[0x0a] === 1 || item.set[0x0d] === 1) continue;
    const current = items[best];
    if (current === undefined || (current.kind === 'set' && item.min > current.min)) best = i;
  }
  const anchor = items[best];
  if (anchor === undefined || anchor.kind !== 'set' || anchor.set === undefined) return undefined;
  const before = flank(items[best - 1], anchor.set);
  const after = flank(items[best + 1], anchor.set);
  return { members: anchor.set, min: anchor.min, max: anchor.max, ...(before ? { before } : {}), ...(after ? { after } : {}) };
}

/** A neighbour's class when it is mandatory, known and shares no byte with the run's. */
function flank(item: Item | undefined, run: Uint8Array): Uint8Array | undefined {
  if (item === undefined || item.kind !== 'set' || item.set === undefined || item.min < 1) return undefined;
  for (let b = 0; b < 256; b++) if (item.set[b] === 1 && run[b] === 1) return undefined;
  return item.set;
}

/**
 * The regex as a flat sequence of items (groups are transparent when nothing quantifies them and
 * there is no alternation), or undefined.
 */
function parseSequence(re: string): Item[] | undefined {
  const items: Item[] = [];
  let i = 0;
  while (i < re.length) {
    const c = re[i] as string;
    if (c === '|') return undefined;
    if (c === '(') {
      if (re[i + 1] === '?') {
        const named = /^\(\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(re.slice(i, i + 40));
        if (named) i += named[0].length;
        else if (re[i + 2] === ':') i += 3;
        else return undefined;
      } else i++;
      continue;
    }
    if (c === ')') {
      i++;
      if (quantifierAt(re, i) !== undefined) return undefined;
      continue;
    }
    if (c === '^' || c === '$') {
      items.push({ kind: 'zero' });
      i++;
      continue;
    }
    let set: Uint8Array | undefined;
    if (c === '[') {
      const parsed = parseClass(re, i);
      if (parsed === undefined) return undefined;
      set = parsed.set;
      i = parsed.end;
    } else if (c === '\\') {
      const e = parseEscape(re, i);
      if (e === undefined) return undefined;
      i = e.end;
      if (e.zero) {
        items.push({ kind: 'zero' });
        if (quantifierAt(re, i) !== undefined) return undefined;
        continue;
      }
      set = e.set;
    } else if (c === '.') {
      set = undefined;
      i++;
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      return undefined;
    } else {
      const code = c.charCodeAt(0);
      set = code < 0x80 ? single(code) : undefined;
      i++;
    }
    const q = quantifierAt(re, i);
    const item: Item = { kind: 'set', set, min: 1, max: 1 };
    if (q !== undefined) {
      item.min = q.min;
      item.max = q.max;
      i = q.end;
    }
    items.push(item);
  }
  return items;
}

/** The quantifier at `re[i]` (`?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`, each maybe lazy), or undefined. */
export function quantifierAt(re: string, i: number): { min: number; max: number; end: number } | undefined {
  const c = re[i];
  let q: { min: number; max: number; end: number } | undefined;
  if (c === '?') q = { min: 0, max: 1, end: i + 1 };
  else if (c === '*') q = { min: 0, max: Infinity, end: i + 1 };
  else if (c === '+') q = { min: 1, max: Infinity, end: i + 1 };
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(re.slice(i, i + 24));
    if (m) {
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      q = { min, max, end: i + m[0].length };
    }
  }
  if (q && re[q.end] === '?') q.end++;
  return q;
}

function single(code: number): Uint8Array {
  const set = new Uint8Array(256);
  set[code] = 1;
  return set;
}

function range(set: Uint8Array, from: number, to: number): void {
  for (let b = from; b <= to; b++) set[b] = 1;
}

/** The bytes RE2's `\s` takes: tab, line feed, form feed, carriage return and space. */
export const WHITESPACE_BYTES: readonly number[] = [0x09, 0x0a, 0x0c, 0x0d, 0x20];

const PERL: Record<string, (set: Uint8Array) => void> = {
  d: (s) => range(s, 0x30, 0x39),
  w: (s) => {
    range(s, 0x30, 0x39);
    range(s, 0x41, 0x5a);
    range(s, 0x61, 0x7a);
    s[0x5f] = 1;
  },
  s: (s) => {
    for (const b of WHITESPACE_BYTES) s[b] = 1;
  },
};

const CONTROL: Record<string, number> = { n: 0x0a, t: 0x09, r: 0x0d, f: 0x0c, v: 0x0b, a: 0x07 };

interface Escape {
  readonly end: number;
  /** A zero-width assertion (`\b`, `\A` …). */
  readonly zero?: boolean;
  /** The bytes it matches; undefined when it can match more than ASCII (`\D`, `\pL`). */
  readonly set?: Uint8Array;
  /** A single code point (inside classes, for ranges). */
  readonly code?: number;
}

/** The escape at `re[i] === '\\'`, or undefined for one this module does not know. */
function parseEscape(re: string, i: number): Escape | undefined {
  const c = re[i + 1];
  if (c === undefined) return undefined;
  if (c === 'b' || c === 'B' || c === 'A' || c === 'z') return { end: i + 2, zero: true };
  if (c === 'D' || c === 'W' || c === 'S') return { end: i + 2, set: undefined };
  const perl = PERL[c];
  if (perl) {
    const set = new Uint8Array(256);
    perl(set);
    return { end: i + 2, set };
  }
  const control = CONTROL[c];
  if (control !== undefined) return { end: i + 2, set: single(control), code: control };
  if (c === 'x') {
    const m = /^\\x(?:([0-9A-Fa-f]{2})|\{([0-9A-Fa-f]{1,6})\})/.exec(re.slice(i, i + 12));
    if (!m) return undefined;
    const code = parseInt((m[1] ?? m[2]) as string, 16);
    return { end: i + m[0].length, set: code < 0x80 ? single(code) : undefined, code };
  }
  // Any other escaped punctuation is that character itself.
  if (/[A-Za-z0-9]/.test(c) || c.charCodeAt(0) >= 0x80) return undefined;
  return { end: i + 2, set: single(c.charCodeAt(0)), code: c.charCodeAt(0) };
}

/** The class at `re[i] === '['`; set undefined when it can match a non-ASCII character. */
function parseClass(re: string, i: number): { set: Uint8Array | undefined; end: number } | undefined {
  const c = classMembers(re, i);
  if (c === undefined) return undefined;
  return { set: c.negated || c.wide ? undefined : c.ascii, end: c.end };
}

/** A class's listed ASCII members, whether it lists anything beyond ASCII, and whether it is negated. */
interface ClassMembers {
  readonly ascii: Uint8Array;
  readonly wide: boolean;
  readonly negated: boolean;
  readonly end: number;
}

function classMembers(re: string, i: number): ClassMembers | undefined {
  let j = i + 1;
  const negated = re[j] === '^';
  if (negated) j++;
  const set = new Uint8Array(256);
  let wide = false;
  let first = true;
  for (;;) {
    const c = re[j];
    if (c === undefined) return undefined;
    if (c === ']' && !first) return { ascii: set, wide, negated, end: j + 1 };
    first = false;
    if (c === '[' && re[j + 1] === ':') return undefined;
    let code: number;
    if (c === '\\') {
      const e = parseEscape(re, j);
      if (e === undefined || e.zero) return undefined;
      j = e.end;
      if (e.code === undefined) {
        if (e.set === undefined) wide = true;
        else for (let b = 0; b < 256; b++) set[b] |= e.set[b] as number;
        continue;
      }
      code = e.code;
    } else {
      code = c.codePointAt(0) as number;
      j += code > 0xffff ? 2 : 1;
    }
    if (re[j] === '-' && re[j + 1] !== ']' && re[j + 1] !== undefined) {
      let to: number;
      if (re[j + 1] === '\\') {
        const e = parseEscape(re, j + 1);
        if (e === undefined || e.code === undefined) return undefined;
        to = e.code;
        j = e.end;
      } else {
        to = re.codePointAt(j + 1) as number;
        j += to > 0xffff ? 3 : 2;
      }
      if (to < code) return undefined;
      if (to >= 0x80) wide = true;
      range(set, code, Math.min(to, 0x7f));
    } else if (code >= 0x80) wide = true;
    else set[code] = 1;
  }
}

/**
 * The bytes a match of the one-character item at `re[i]` (a class, an escape, `.` or a character)
 * can begin with, and where the item ends; every byte from 0x80 up wherever it can match a
 * non-ASCII character. With `caseless`, as under `(?i)`: RE2 folds `k` and `s` onto non-ASCII
 * characters too. Undefined for an item this module does not know.
 */
export function leadBytesAt(re: string, i: number, caseless: boolean): { set: Uint8Array; end: number } | undefined {
  const c = re[i];
  if (c === undefined) return undefined;
  let set: Uint8Array;
  let wide = false;
  let end: number;
  if (c === '[') {
    const m = classMembers(re, i);
    if (m === undefined) return undefined;
    set = m.ascii.slice();
    wide = m.wide;
    end = m.end;
    if (caseless) foldCase(set);
    if (m.negated) {
      // Folding first: a negated caseless class excludes both cases.
      for (let b = 0; b < 256; b++) set[b] = set[b] === 1 ? 0 : 1;
      return { set, end };
    }
  } else if (c === '\\') {
    const n = re[i + 1];
    if (n === 'D' || n === 'W' || n === 'S') {
      set = new Uint8Array(256);
      (PERL[n.toLowerCase()] as (s: Uint8Array) => void)(set);
      for (let b = 0; b < 256; b++) set[b] = set[b] === 1 ? 0 : 1;
      return { set, end: i + 2 };
    }
    const e = parseEscape(re, i);
    if (e === undefined || e.zero) return undefined;
    end = e.end;
    if (e.set === undefined) return undefined;
    set = e.set.slice();
    wide = e.code !== undefined && e.code >= 0x80;
    if (caseless) foldCase(set);
  } else if (c === '.') {
    return { set: new Uint8Array(256).fill(1), end: i + 1 };
  } else {
    const code = c.codePointAt(0) as number;
    end = i + (code > 0xffff ? 2 : 1);
    set = new Uint8Array(256);
    if (code >= 0x80) wide = true;
    else set[code] = 1;
    if (caseless) foldCase(set);
  }
  if (caseless && (set[0x6b] === 1 || set[0x73] === 1)) wide = true;
  if (wide) set.fill(1, 0x80);
  return { set, end };
}

function foldCase(set: Uint8Array): void {
  for (let b = 0x41; b <= 0x5a; b++) {
    if (set[b] === 1 || set[b + 0x20] === 1) set[b] = set[b + 0x20] = 1;
  }
}

/**
 * Where the anchor's rule can match in `bytes`: for each run that qualifies, its start + 1 and its
 * end (offsets past a byte, as keyword hits are), ascending. Undefined when a qualifying run is
 * `longest` bytes or more, which windows around its ends would not cover: then the whole text is
 * scanned. Runs are found by probing every `min`-th byte: each run of `min` or more contains a probe.
 */
export function anchorHits(bytes: Uint8Array, anchor: RunAnchor, longest: number): number[] | undefined {
  const { members, min, max, before, after } = anchor;
  const len = bytes.length;
  const hits: number[] = [];
  let floor = 0;
  let p = min - 1;
  while (p < len) {
    if (members[bytes[p] as number] === 0) {
      p += min;
      continue;
    }
    let s = p;
    while (s > floor && members[bytes[s - 1] as number] === 1) s--;
    let e = p + 1;
    while (e < len && members[bytes[e] as number] === 1) e++;
    floor = e;
    p = e + min;
    const n = e - s;
    if (n < min) continue;
    if (before && (s === 0 || before[bytes[s - 1] as number] === 0)) continue;
    if (after && (e === len || after[bytes[e] as number] === 0)) continue;
    if (before && after && n > max) continue;
    if (n >= longest) return undefined;
    hits.push(s + 1, e);
  }
  return hits;
}
