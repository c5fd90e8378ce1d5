/**
 * The few Go `strconv` behaviours sops relies on, reproduced exactly: which spellings Go accepts for
 * int/float/bool (so a value we encrypt can be decrypted by sops) and Go's float formatting (the
 * MAC hashes `strconv.FormatFloat(f, 'f', -1, 64)`, so one digit of difference is a MAC mismatch).
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** `strconv.Atoi` on a 64-bit platform: optional sign, decimal digits only, within int64. */
export function parseGoInt(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

const TRUE_SPELLINGS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_SPELLINGS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** `strconv.ParseBool`. */
export function parseGoBool(text: string): boolean | undefined {
  if (TRUE_SPELLINGS.has(text)) return true;
  if (FALSE_SPELLINGS.has(text)) return false;
  return undefined;
}

/** How sops writes a bool inside ENC and into the MAC (Python heritage: title case). */
export function formatSopsBool(value: boolean): string {
  return value ? 'True' : 'False';
}

/**
 * Go allows `_` between digits, or between a base prefix and a digit (strconv's underscoreOK).
 * `body` is the number without its sign.
 */
function underscoresOk(body: string): boolean {
  let saw: 'start' | 'digit' | 'underscore' | 'other' = 'start';
  let i = 0;
  let hex = false;
  if (body.length >= 2 && body[0] === '0' && /[xX]/.test(body[1] ?? '')) {
    i = 2;
    saw = 'digit';
    hex = true;
  }
  for (; i < body.length; i++) {
    const c = body[i] as string;
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) {
      saw = 'digit';
    } else if (c === '_') {
      if (saw !== 'digit') return false;
      saw = 'underscore';
    } else {
      if (saw === 'underscore') return false;
      saw = 'other';
    }
  }
  return saw !== 'underscore';
}

const PLAIN_DECIMAL = /^[+-]?[0-9]+(?:\.[0-9]+)?$/;
const DECIMAL_FLOAT = /^(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?$/;
const HEX_FLOAT = /^0[xX](?:([0-9a-fA-F_]+)\.?([0-9a-fA-F_]*)|\.([0-9a-fA-F_]+))[pP]([+-]?[0-9_]+)$/;

/**
 * `strconv.ParseFloat(text, 64)`: decimal and hexadecimal literals, `_` separators, and
 * case-insensitive Inf/Infinity/NaN. Out-of-range values give ±Infinity (Go also returns ±Inf,
 * with an error we do not model). Returns undefined when Go would reject the syntax.
 */
export function parseGoFloat(text: string): number | undefined {
  // The usual spelling (digits and an optional fraction) reads the same in Go and in Number, both
  // correctly rounded; the general path below costs several regex tests per value.
  if (PLAIN_DECIMAL.test(text)) return Number(text);
  let sign = 1;
  let body = text;
  if (body.startsWith('+') || body.startsWith('-')) {
    sign = body.startsWith('-') ? -1 : 1;
    body = body.slice(1);
  }
  const lower = body.toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return sign * Infinity;
  if (lower === 'nan' && text.length === body.length) return NaN;
  if (body.length === 0 || !underscoresOk(body)) return undefined;
  const hex = HEX_FLOAT.exec(body);
  if (hex) return sign * parseHexFloat(hex);
  if (!DECIMAL_FLOAT.test(body)) return undefined;
  const plain = body.replaceAll('_', '');
  if (!/[0-9]/.test(plain.split(/[eE]/)[0] ?? '')) return undefined;
  const value = Number(plain);
  return Number.isNaN(value) ? undefined : sign * value;
}

function parseHexFloat(m: RegExpExecArray): number {
  const intDigits = (m[1] ?? '').replaceAll('_', '');
  const fracDigits = (m[2] ?? m[3] ?? '').replaceAll('_', '');
  const exponent = Number((m[4] ?? '0').replaceAll('_', ''));
  const digits = intDigits + fracDigits;
  if (digits.length === 0) return NaN;
  // Number(bigint) rounds correctly; scaling by a power of two is exact outside subnormals.
  const mantissa = Number(BigInt('0x' + digits));
  return mantissa * 2 ** (exponent - 4 * fracDigits.length);
}

/**
 * `strconv.FormatFloat(value, 'f', -1, 64)`: the shortest digits that round-trip, never an
 * exponent (1e21 → "1000000000000000000000", 1e-7 → "0.0000001").
 */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  // JavaScript also prints the shortest round-trip digits; only its exponent form needs rewriting.
  const shortest = String(value);
  if (!shortest.includes('e')) return shortest;
  // toExponential() without an argument yields the shortest round-trip digits, like Go's -1 precision.
  const [mantissa = '', exp = '0'] = value.toExponential().split('e');
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const pointAt = Number(exp) + 1;
  let out: string;
  if (pointAt <= 0) out = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return (negative ? '-' : '') + out;
}
