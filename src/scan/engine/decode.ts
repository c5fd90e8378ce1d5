import type { Encoding } from '../rules/encoded-keywords.js';

/**
 * Encoded spans of a text and their decoded contents. The engine finds where to look from the
 * keyword pass (encoded forms of the keywords, see rules/encoded-keywords.ts); this module grows each
 * hit to the whole encoded run, decodes it, and keeps it only when the result reads as text — random
 * key material also looks like base64, and decoding it gives binary noise that no rule could match.
 */

export interface EncodedSpan {
  readonly encoding: Encoding;
  /** [start, end) in the bytes that were searched (a span is ASCII, so it is whole characters there too). */
  readonly start: number;
  readonly end: number;
  readonly decoded: string;
}

/** A keyword-pass hit on an encoded keyword: `end` is the byte offset just past it. */
export interface TriggerHit {
  readonly encoding: Encoding;
  readonly end: number;
  readonly length: number;
}

/** Shortest run worth decoding: 16 base64 characters are 12 bytes, 16 hex digits 8 bytes. */
export const MIN_ENCODED_LENGTH = 16;
/** Longest run decoded: past this it is an embedded file (an image, a source map), not a credential. */
export const MAX_ENCODED_LENGTH = 64 * 1024;
/** Decoded bytes allowed per fragment, all spans together, so a file full of blobs stays cheap. */
export const DECODE_BUDGET = 256 * 1024;

const BASE64_CHAR = charTable('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_');
const HEX_CHAR = charTable('0123456789abcdefABCDEF');
/** Characters of a URL or form value, escapes included; quotes, spaces and brackets end a span. */
const PERCENT_CHAR = charTable(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789%._~+-/=&:?@!$*,;',
);

/**
 * The encoded spans around the hits, each decoded once, within the budget. Found in the UTF-8 bytes:
 * every encoding's characters are ASCII, so a file's text need not be decoded to find them.
 */
export function encodedSpans(bytes: Buffer, hits: readonly TriggerHit[], budget = DECODE_BUDGET): EncodedSpan[] {
  const spans: EncodedSpan[] = [];
  const sorted = [...hits].sort((a, b) => a.end - b.end);
  const n = bytes.length;
  let left = budget;
  let coveredTo = 0;
  for (const hit of sorted) {
    if (hit.end <= coveredTo) continue;
    const table = hit.encoding === 'base64' ? BASE64_CHAR : hit.encoding === 'hex' ? HEX_CHAR : PERCENT_CHAR;
    // Each byte is looked at once: runs are maximal, so growing left never passes the last run's
    // end, and hits inside a run already grown are skipped.
    let start = hit.end - hit.length;
    let end = hit.end;
    while (start > coveredTo && table[bytes[start - 1] as number] === 1) start--;
    while (end < n && table[bytes[end] as number] === 1) end++;
    if (hit.encoding === 'base64') while (end < n && end - start < MAX_ENCODED_LENGTH && bytes[end] === 61) end++;
    coveredTo = end;
    const length = end - start;
    if (length < MIN_ENCODED_LENGTH || length >= MAX_ENCODED_LENGTH || length > left) continue;
    const decoded = decodeSpan(hit.encoding, bytes.toString('latin1', start, end));
    if (decoded === undefined) continue;
    left -= decoded.length;
    spans.push({ encoding: hit.encoding, start, end, decoded });
  }
  return spans;
}

/** The decoded text, or undefined when the span does not decode to readable text. */
export function decodeSpan(encoding: Encoding, span: string): string | undefined {
  if (encoding === 'percent') return decodePercent(span);
  if (encoding === 'hex') return readable(Buffer.from(span.length % 2 === 0 ? span : span.slice(0, -1), 'hex'));
  // The run may start a character or three before the real value (`k=dG9r…`): try each quantum offset.
  const body = span.replace(/=+$/, '');
  for (let skip = 0; skip < 4 && body.length - skip >= MIN_ENCODED_LENGTH; skip++) {
    const text = readable(Buffer.from(body.slice(skip), body.includes('-') || body.includes('_') ? 'base64url' : 'base64'));
    if (text !== undefined) return text;
  }
  return undefined;
}

function decodePercent(span: string): string | undefined {
  if (!/%[0-9A-Fa-f]{2}/.test(span)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(span);
  } catch {
    return undefined;
  }
  return decoded === span ? undefined : decoded;
}

/**
 * UTF-8 text where nearly every character is printable or whitespace. Binary from random bytes fails
 * both: about half of random bytes are not valid UTF-8, and a third of the rest are control bytes.
 */
export function readable(bytes: Buffer): string | undefined {
  if (bytes.length < 8) return undefined;
  const text = bytes.toString('utf8');
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f) bad++;
  }
  return bad * 20 <= text.length ? text : undefined;
}

/** Indexed by UTF-16 code: codes past the end read as undefined, i.e. not in the set. */
/** 1 for each of `chars`; 256 entries, so any byte can be looked up. */
function charTable(chars: string): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}
