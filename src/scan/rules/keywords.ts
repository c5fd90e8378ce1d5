/**
 * One Aho–Corasick automaton over every rule's keywords, matched case-insensitively.
 *
 * The automaton is a complete DFA over lower-cased UTF-16 code units: ASCII transitions live in one dense
 * table (`state * 128 + code`), with upper-case letters folded onto their lower-case column at build time,
 * so the scan loop is one table load per character. Non-ASCII characters are rare in keywords; they go
 * through a small per-state map with failure links, and when no keyword has any, every non-ASCII character
 * simply returns to the root.
 */
export class KeywordMatcher {
  /** Dense ASCII transitions of the complete DFA. */
  readonly #ascii: Int32Array;
  /** Per-state list of pattern ids that end at that state (failure-link outputs merged in). */
  readonly #outputs: (readonly number[] | undefined)[];
  readonly #wideGoto: Map<number, number>[] | undefined;
  readonly #fail: Int32Array;
  readonly #patternCount: number;

  constructor(patterns: readonly string[]) {
    this.#patternCount = patterns.length;
    const gotoAscii: number[][] = [[]];
    const gotoWide: Map<number, number>[] = [new Map()];
    const outputs: number[][] = [[]];
    let hasWide = false;

    patterns.forEach((raw, id) => {
      const pattern = raw.toLowerCase();
      if (pattern.length === 0) return;
      let state = 0;
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern.charCodeAt(i);
        let next: number | undefined;
        if (c < 128) next = gotoAscii[state][c];
        else {
          hasWide = true;
          next = gotoWide[state].get(c);
        }
        if (next === undefined) {
          next = gotoAscii.length;
          gotoAscii.push([]);
          gotoWide.push(new Map());
          outputs.push([]);
          if (c < 128) gotoAscii[state][c] = next;
          else gotoWide[state].set(c, next);
        }
        state = next;
      }
      outputs[state].push(id);
    });

    const states = gotoAscii.length;
    const table = new Int32Array(states * 128);
    const fail = new Int32Array(states);
    const wideGoto: Map<number, number>[] = hasWide ? gotoWide.map(() => new Map()) : [];
    // Breadth-first so a state's failure target is complete before the state itself is filled in.
    const queue: number[] = [0];
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head];
      for (let c = 0; c < 128; c++) {
        const child = gotoAscii[s][c];
        if (child !== undefined) {
          table[s * 128 + c] = child;
          fail[child] = s === 0 ? 0 : table[fail[s] * 128 + c];
          outputs[child] = [...outputs[child], ...outputs[fail[child]]];
          queue.push(child);
        } else {
          table[s * 128 + c] = s === 0 ? 0 : table[fail[s] * 128 + c];
        }
      }
      if (hasWide) {
        for (const [c, child] of gotoWide[s]) {
          wideGoto[s].set(c, child);
          let f = fail[s];
          while (s !== 0 && f !== 0 && !gotoWide[f].has(c)) f = fail[f];
          const target = s === 0 ? 0 : (gotoWide[f].get(c) ?? 0);
          fail[child] = target === child ? 0 : target;
          outputs[child] = [...outputs[child], ...outputs[fail[child]]];
          queue.push(child);
        }
      }
    }
    for (let s = 0; s < states; s++) {
      for (let c = 65; c <= 90; c++) table[s * 128 + c] = table[s * 128 + c + 32];
    }
    this.#ascii = table;
    this.#fail = fail;
    this.#outputs = outputs.map((o) => (o.length > 0 ? Array.from(new Set(o)) : undefined));
    this.#wideGoto = hasWide ? wideGoto : undefined;
  }

  /**
   * Ids of the patterns that occur in `text` (case-insensitive). Stops early once every pattern was seen,
   * so text full of keywords costs no more than the prefix that shows them all.
   */
  find(text: string): Set<number> {
    const found = new Set<number>();
    if (this.#patternCount === 0) return found;
    const table = this.#ascii;
    const outputs = this.#outputs;
    const wide = this.#wideGoto;
    let state = 0;
    for (let i = 0, n = text.length; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 128) state = table[(state << 7) | c];
      else if (wide === undefined) state = 0;
      else state = this.#stepWide(state, c);
      const out = outputs[state];
      if (out !== undefined) {
        for (const id of out) found.add(id);
        if (found.size === this.#patternCount) break;
      }
    }
    return found;
  }

  #stepWide(state: number, code: number): number {
    const wide = this.#wideGoto as Map<number, number>[];
    const lowered = String.fromCharCode(code).toLowerCase();
    const c = lowered.length === 1 ? lowered.charCodeAt(0) : code;
    if (c < 128) return this.#ascii[(state << 7) | c];
    let s = state;
    for (;;) {
      const next = wide[s].get(c);
      if (next !== undefined) return next;
      if (s === 0) return 0;
      s = this.#fail[s];
    }
  }
}
