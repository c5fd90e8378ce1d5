/**
 * Git C-quotes a path in its output when it contains a double quote, a backslash or a control
 * character (and, unless core.quotepath=false, any byte >= 0x80): `"a\tb\303\251"`. Octal escapes
 * are raw bytes, so the path is rebuilt as bytes and decoded as UTF-8 once at the end; characters
 * outside escapes are already decoded text and are re-encoded to join the same byte stream.
 */

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  t: 0x09,
  n: 0x0a,
  v: 0x0b,
  f: 0x0c,
  r: 0x0d,
  '"': 0x22,
  '\\': 0x5c,
};

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** True when `s` starts a C-quoted path. */
export function isQuotedPath(s: string): boolean {
  return s.startsWith('"');
}

/**
 * Read one C-quoted string starting at `s[start]` (which must be `"`).
 * Returns the decoded value and the index just after the closing quote, or undefined if unterminated.
 */
export function readQuoted(s: string, start = 0): { value: string; end: number } | undefined {
  if (s[start] !== '"') return undefined;
  const bytes: number[] = [];
  let i = start + 1;
  while (i < s.length) {
    const ch = s[i];
    if (ch === '"') return { value: utf8Decoder.decode(Uint8Array.from(bytes)), end: i + 1 };
    if (ch === '\\') {
      const next = s[i + 1];
      if (next === undefined) return undefined;
      if (next >= '0' && next <= '7') {
        const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4))![0];
        bytes.push(parseInt(oct, 8) & 0xff);
        i += 1 + oct.length;
        continue;
      }
      const simple = SIMPLE_ESCAPES[next];
      bytes.push(simple ?? next.charCodeAt(0));
      i += 2;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    for (const b of utf8.encode(s.slice(i, i + width))) bytes.push(b);
    i += width;
  }
  return undefined;
}

/** Decode a path as git printed it: C-quoted or verbatim. */
export function unquotePath(s: string): string {
  if (!isQuotedPath(s)) return s;
  const q = readQuoted(s);
  return q && q.end === s.length ? q.value : s;
}
