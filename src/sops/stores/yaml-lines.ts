/** Offset ↔ line/column arithmetic over one source text. Lines and columns are 1-based in messages, columns 0-based in `col`. */
export class SourceLines {
  readonly #starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.#starts.push(i + 1);
  }

  #lineIndex(offset: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  lineStart(offset: number): number {
    return this.#starts[this.#lineIndex(offset)]!;
  }

  /** 0-based column. */
  col(offset: number): number {
    return offset - this.lineStart(offset);
  }

  /** 1-based line and column, for messages. */
  position(offset: number): { line: number; col: number } {
    const i = this.#lineIndex(offset);
    return { line: i + 1, col: offset - this.#starts[i]! + 1 };
  }

  /** Whether only whitespace precedes `offset` on its line. */
  startsLine(offset: number): boolean {
    return this.text.slice(this.lineStart(offset), offset).trim() === '';
  }
}
