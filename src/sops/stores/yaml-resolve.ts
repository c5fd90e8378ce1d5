import type { Scalar } from '../tree.js';

/**
 * Type resolution of untagged plain YAML scalars the way go-yaml v3 (and therefore sops) does it,
 * which is neither YAML 1.1 nor 1.2 core: `0644` is an octal int, `yes` is a string, `2024-01-02`
 * is a timestamp. Getting this right decides the `type:` sops writes into each ENC value.
 */

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['true', 'True', 'TRUE']);
const FALSES = new Set(['false', 'False', 'FALSE']);
const POS_INF = new Set(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']);
const NEG_INF = new Set(['-.inf', '-.Inf', '-.INF']);
const NANS = new Set(['.nan', '.NaN', '.NAN']);

const SIMPLE_INT = 1;
const SIMPLE_FLOAT = 2;
const SIMPLE_WORD = 3;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * Which of the commonest spellings `t` is, in one pass over its characters (measured: three
 * regular expression tests per value were the largest item of a 20,000-value parse):
 * SIMPLE_INT `-?(0|[1-9][0-9]{0,17})`, SIMPLE_FLOAT `-?[0-9]{1,300}\.[0-9]+`, SIMPLE_WORD
 * `[A-Za-z][A-Za-z0-9_-]*` (a letter no null, bool, number or timestamp starts with, once the
 * special words are ruled out; `.inf` and friends start with '.'), or 0 for anything else.
 */
function simpleSpelling(t: string): number {
  const n = t.length;
  if (n === 0) return 0;
  let c = t.charCodeAt(0);
  if (isLetter(c)) {
    for (let i = 1; i < n; i++) {
      c = t.charCodeAt(i);
      if (!isLetter(c) && !isDigit(c) && c !== 95 && c !== 45) return 0;
    }
    return SIMPLE_WORD;
  }
  let i = c === 45 ? 1 : 0;
  const digitsAt = i;
  while (i < n && isDigit(t.charCodeAt(i))) i++;
  const digits = i - digitsAt;
  if (digits === 0) return 0;
  if (i === n) return digits <= 18 && (digits === 1 || t.charCodeAt(digitsAt) !== 48) ? SIMPLE_INT : 0;
  if (t.charCodeAt(i) !== 46 || digits > 300) return 0;
  const fractionAt = ++i;
  while (i < n && isDigit(t.charCodeAt(i))) i++;
  return i === n && i > fractionAt ? SIMPLE_FLOAT : 0;
}

/** First letters of the special words: n(ull), t(rue), f(alse), either case. */
const STARTS_WORD = new Set([...'nNtTfF'].map((c) => c.charCodeAt(0)));
const SPECIAL_WORDS = new Set([...NULLS, ...TRUES, ...FALSES]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Resolve an untagged plain scalar's text to a tree scalar. */
export function resolvePlain(text: string): Scalar {
  // Fast paths for the commonest spellings, which the general rules below resolve the same way:
  // short decimal integers, plain decimals, and words that cannot be anything but strings.
  // A letter that starts no null, bool or special word (n, t, f do; numbers, timestamps and
  // `.inf` start otherwise): a string whatever follows, an ENC value among them.
  const first = text.charCodeAt(0);
  if (isLetter(first) && !STARTS_WORD.has(first)) return { type: 'str', value: text };
  const simple = simpleSpelling(text);
  if (simple === SIMPLE_INT) return { type: 'int', value: text };
  if (simple === SIMPLE_FLOAT) return { type: 'float', value: text };
  if (simple === SIMPLE_WORD && !SPECIAL_WORDS.has(text)) return { type: 'str', value: text };
  return resolvePlainGeneral(text);
}

/** resolvePlain without its fast paths (exported so tests can hold the two to the same answers). */
export function resolvePlainGeneral(text: string): Scalar {
  if (NULLS.has(text)) return { type: 'null' };
  if (TRUES.has(text)) return { type: 'bool', value: true, text };
  if (FALSES.has(text)) return { type: 'bool', value: false, text };
  if (POS_INF.has(text)) return { type: 'float', value: '+Inf' };
  if (NEG_INF.has(text)) return { type: 'float', value: '-Inf' };
  if (NANS.has(text)) return { type: 'float', value: 'NaN' };
  const first = text[0] ?? '';
  if (first === '.') {
    return goParseFloat(text) !== undefined ? { type: 'float', value: text } : { type: 'str', value: text };
  }
  if (!/[0-9+-]/.test(first)) return { type: 'str', value: text };

  const time = parseGoYamlTimestamp(text);
  if (time !== undefined) return { type: 'time', value: time };

  const plain = text.replaceAll('_', '');
  const int = goParseInt(plain);
  if (int !== undefined && int >= INT64_MIN && int <= UINT64_MAX) {
    return { type: 'int', value: goAtoi(text) !== undefined ? text : int.toString() };
  }
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = goParseFloat(plain);
    if (f !== undefined) {
      return { type: 'float', value: goParseFloat(text) !== undefined ? text : goFormatFloat(f) };
    }
  }
  return { type: 'str', value: text };
}

/** Go's strconv.ParseInt(s, 0, 64) syntax (range checked by the caller). Underscores already removed. */
function goParseInt(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const neg = m[1] === '-';
  const body = m[2]!;
  let v: bigint;
  if (/^0[xXoObB]/.test(body)) v = BigInt(body.toLowerCase());
  else if (body.length > 1 && body[0] === '0') v = BigInt('0o' + body.slice(1));
  else v = BigInt(body);
  if (neg) {
    v = -v;
    return v >= INT64_MIN ? v : undefined;
  }
  // A leading '+' makes ParseUint fail, so only ParseInt's range applies.
  if (m[1] === '+' && v > INT64_MAX) return undefined;
  return v;
}

/** Whether Go's strconv.Atoi accepts `s` (decimal only, int64 range, leading zeros allowed). */
export function goAtoi(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v >= INT64_MIN && v <= INT64_MAX ? v : undefined;
}

/**
 * Go's strconv.ParseFloat(s, 64) for decimal spellings and inf/nan words; undefined when Go would
 * return an error (including overflow to infinity, which go-yaml then treats as a string).
 */
export function goParseFloat(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function goFormatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const [mantissa, expText] = f.toExponential().split('e') as [string, string];
  const neg = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const exp = Number(expText);
  let out: string;
  if (exp >= digits.length - 1) out = digits + '0'.repeat(exp - digits.length + 1);
  else if (exp >= 0) out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  else out = '0.' + '0'.repeat(-exp - 1) + digits;
  return (neg ? '-' : '') + out;
}

/**
 * go-yaml v3 accepts four timestamp layouts (RFC 3339 with short fields, lower-case `t`, space
 * separated without zone, date only). Returns RFC 3339 text for the tree: the source spelling when
 * it is already what Go's time.RFC3339 parser accepts (so it renders back unchanged), else the
 * normalised form Go would print.
 */
export function parseGoYamlTimestamp(s: string): string | undefined {
  if (!/^[0-9]{4}-/.test(s)) return undefined;
  const full = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/.exec(s);
  const spaced = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2}) ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(\.[0-9]+)?$/.exec(s);
  const dateOnly = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$/.exec(s);
  const m = full ?? spaced ?? dateOnly;
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', sec = '0'] = [m[1]!, m[2]!, m[3]!, m[4], m[5], m[6]];
  if (!validDate(Number(y), Number(mo), Number(d))) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return undefined;
  if (full && /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}/.test(s)) {
    const zone = full[8]!;
    if (zone === 'Z' || (Number(zone.slice(1, 3)) < 24 && Number(zone.slice(4, 6)) < 60)) return s;
    return undefined;
  }
  const pad = (v: string): string => v.padStart(2, '0');
  const frac = (m[7] ?? '').replace(/\.?0+$/, '');
  const zone = full ? full[8]! : 'Z';
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(sec)}${frac}${zone}`;
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1]!;
}

/** The plain spelling of a non-string scalar, as it must appear unquoted in YAML. */
export function plainSpelling(s: Exclude<Scalar, { type: 'str' }>): string {
  switch (s.type) {
    case 'null':
      return 'null';
    case 'bool':
      return s.text ?? (s.value ? 'true' : 'false');
    case 'float':
      if (s.value === '+Inf' || s.value === 'Inf' || s.value === '+Infinity' || s.value === 'Infinity') return '.inf';
      if (s.value === '-Inf' || s.value === '-Infinity') return '-.inf';
      if (s.value === 'NaN') return '.nan';
      return s.value;
    case 'int':
    case 'time':
      return s.value;
  }
}
