/**
 * Bytes of a file → text to scan, or `undefined` for binary content. Binary means a NUL byte in the
 * first 8 KB, as git decides; UTF-16 text (which is full of NULs) is recognised by its BOM first.
 */

import { isUtf8 } from 'node:buffer';

const SNIFF_BYTES = 8192;
const utf16le = new TextDecoder('utf-16le');

export function decodeText(buf: Buffer): string | undefined {
  const text = decodeBytes(buf);
  return text === undefined ? undefined : loneCrToLf(text);
}

/**
 * A CR not followed by LF ends a line too (classic Mac files, and what editors show), but the
 * engine numbers lines by LF. Replacing it with LF keeps every offset, so columns stay exact.
 */
function loneCrToLf(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

type Bom = 'utf8' | 'utf16le' | 'utf16be';

function bomOf(buf: Buffer): Bom | undefined {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return 'utf8';
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return 'utf16le';
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return 'utf16be';
  return undefined;
}

/** A NUL in the first 8 KB, as git decides (for files without a UTF-16 BOM). */
function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, SNIFF_BYTES).includes(0);
}

function decodeBytes(buf: Buffer, bom = bomOf(buf)): string | undefined {
  if (bom === 'utf8') return buf.toString('utf8', 3);
  if (bom === 'utf16le') return utf16le.decode(buf.subarray(2));
  if (bom === 'utf16be') {
    // Swap to little-endian rather than rely on a big-endian decoder (absent in small-ICU builds).
    const body = Buffer.from(buf.subarray(2, 2 + ((buf.length - 2) & ~1)));
    body.swap16();
    return utf16le.decode(body);
  }
  if (isBinary(buf)) return undefined;
  return buf.toString('utf8');
}

/**
 * Like decodeText, with the bytes the text encodes to when they are the file's own (valid UTF-8,
 * BOM dropped), so the engine need not encode the text again. Invalid UTF-8 decodes with
 * replacement characters, whose encoding differs from the file's bytes, and UTF-16 is not UTF-8
 * (its BOM bytes never are): then no bytes.
 */
export function decodeTextWithBytes(buf: Buffer): { readonly text: string; readonly utf8?: Buffer } | undefined {
  // The common case (valid UTF-8, no BOM, no CR at all) is decided on the bytes, and the text is
  // decoded only if something asks for it: the engine finds keywords and runs RE2 on the bytes, so
  // most files are never turned into a string (decoding was an eighth of a folder scan's time).
  const bom = bomOf(buf);
  if (bom === undefined && buf.indexOf(13) === -1) {
    if (isBinary(buf)) return undefined;
    if (isUtf8(buf)) return new LazyText(buf);
  }
  const raw = decodeBytes(buf, bom);
  if (raw === undefined) return undefined;
  const text = loneCrToLf(raw);
  const body = bom === 'utf8' ? buf.subarray(3) : buf;
  // With lone CRs turned into LFs the bytes no longer spell the text: RE2 must see the same line breaks.
  const sameText = !raw.includes('\r') || !/\r(?!\n)/.test(raw);
  return sameText && isUtf8(body) ? { text, utf8: body } : { text };
}

/** Valid UTF-8 bytes whose string is made on first use, once. */
export class LazyText {
  readonly utf8: Buffer;
  #text: string | undefined;

  constructor(utf8: Buffer) {
    this.utf8 = utf8;
  }

  get text(): string {
    return (this.#text ??= this.utf8.toString('utf8'));
  }
}
