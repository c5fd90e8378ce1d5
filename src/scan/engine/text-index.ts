import { Buffer, isAscii } from 'node:buffer';
import RE2 from 're2';

/**
 * Line starts of a text, built on first use: fragments without findings never pay for it. Over a
 * string, offsets are UTF-16 units; over bytes, byte offsets.
 */
export class LineIndex {
  readonly #text: string | Uint8Array;
  #starts: number[] | undefined;

  constructor(text: string | Uint8Array) {
    this.#text = text;
  }

  #build(): number[] {
    const starts = [0];
    const text = this.#text;
    if (typeof text === 'string') {
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    } else {
      // Buffer.indexOf is a native search; a loop over the bytes in JavaScript is several times slower.
      const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
      for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
    }
    return starts;
  }

  /** 0-based line index of the character (or byte) at `offset`. */
  lineOf(offset: number): number {
    const starts = (this.#starts ??= this.#build());
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Number of lines (a text without '\n' has one). */
  get count(): number {
    return (this.#starts ??= this.#build()).length;
  }

  /** Offset of the first character of a 0-based line. */
  lineStart(line: number): number {
    const starts = (this.#starts ??= this.#build());
    return starts[line];
  }
}

/**
 * The fragment as UTF-8 bytes for RE2 (converted once, instead of once per regex as RE2 does for a
 * string), and the mapping of byte offsets back to string offsets.
 */
export class Utf8Text {
  readonly buffer: Buffer;
  readonly #ascii: boolean;
  readonly #source: { readonly text: string };
  #marks: Int32Array | undefined;
  #lastByte = 0;
  #lastChar = 0;

  /**
   * `source.utf8`, when given, must be the text's UTF-8 encoding (a file's own bytes); `source.text`
   * is then read only when a string offset must be turned into bytes.
   */
  constructor(source: { readonly text: string; readonly utf8?: Buffer }) {
    this.#source = source;
    this.buffer = source.utf8 ?? Buffer.from(source.text, 'utf8');
    this.#ascii = isAscii(this.buffer);
  }

  /** The text itself (decoded on first use when only the bytes were given). */
  get text(): string {
    return this.#source.text;
  }

  /** True when every character is ASCII: string offsets and byte offsets are then the same. */
  get ascii(): boolean {
    return this.#ascii;
  }

  /**
   * Byte offset of a string offset, moved off the middle of a surrogate pair (backwards when `start`,
   * else forwards) so the bytes stay whole characters.
   */
  byteOffset(char: number, start: boolean): number {
    if (this.#ascii) return char;
    const text = this.#source.text;
    if (char > 0 && char < text.length && isLowSurrogate(text.charCodeAt(char)) && isHighSurrogate(text.charCodeAt(char - 1))) {
      char += start ? -1 : 1;
    }
    const marks = (this.#marks ??= byteMarks(text, this.buffer));
    const mark = char >> MARK_SHIFT;
    let from = mark << MARK_SHIFT;
    let byte = marks[mark];
    // A mark may fall between the two halves of a pair; its byte count then already holds all 4 bytes.
    if (from > 0 && isLowSurrogate(text.charCodeAt(from)) && isHighSurrogate(text.charCodeAt(from - 1))) from++;
    for (let i = from; i < char; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) byte += 1;
      else if (c < 0x800) byte += 2;
      else if (isHighSurrogate(c) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
        byte += 4;
        i++;
      } else byte += 3;
    }
    return byte;
  }

  /** String offset of a byte offset on a character boundary. Fast when called with rising offsets. */
  charOffset(byte: number): number {
    if (this.#ascii) return byte;
    if (byte < this.#lastByte) {
      this.#lastByte = 0;
      this.#lastChar = 0;
    }
    this.#lastChar += RE2.getUtf16Length(this.buffer.subarray(this.#lastByte, byte));
    this.#lastByte = byte;
    return this.#lastChar;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Every 2^MARK_SHIFT characters, a checkpoint of the UTF-8 byte offset: string→byte lookups stay short. */
const MARK_SHIFT = 6;

/**
 * Built from the UTF-8 bytes (one typed-array read per byte is cheaper than decoding the string): a
 * lead byte starts a character of one UTF-16 unit, or two for 4-byte sequences. A mark that lands on the
 * low half of a pair holds the offset just past the pair, as `byteOffset` expects.
 */
function byteMarks(text: string, bytes: Uint8Array): Int32Array {
  const mask = (1 << MARK_SHIFT) - 1;
  const marks = new Int32Array((text.length >> MARK_SHIFT) + 1);
  let unit = 0;
  for (let j = 0, n = bytes.length; j < n; j++) {
    const b = bytes[j];
    if ((b & 0xc0) === 0x80) continue;
    if ((unit & mask) === 0) marks[unit >> MARK_SHIFT] = j;
    if (b >= 0xf0) {
      unit += 2;
      if (((unit - 1) & mask) === 0) marks[(unit - 1) >> MARK_SHIFT] = j + 4;
    } else unit += 1;
  }
  if ((unit & mask) === 0) marks[unit >> MARK_SHIFT] = bytes.length;
  return marks;
}
