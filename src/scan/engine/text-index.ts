import RE2 from 're2';

/** Line starts of a text, built on first use: fragments without findings never pay for it. */
export class LineIndex {
  readonly #text: string;
  #starts: number[] | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  #build(): number[] {
    const starts = [0];
    const text = this.#text;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }

  /** 0-based line index of the character at `offset`. */
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
  #lastByte = 0;
  #lastChar = 0;

  constructor(text: string) {
    this.buffer = Buffer.from(text, 'utf8');
    // Any non-ASCII character takes more UTF-8 bytes than UTF-16 units, so equal lengths mean ASCII.
    this.#ascii = this.buffer.length === text.length;
  }

  /** True when every character is ASCII: string offsets and byte offsets are then the same. */
  get ascii(): boolean {
    return this.#ascii;
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
