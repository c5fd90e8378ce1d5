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
  /**
   * Dense ASCII transitions of the complete DFA. Entries are row offsets (state * 128), not state
   * numbers, saving a multiply per character; states are numbered so that those where a keyword ends
   * come last, making the per-character output check a single comparison.
   */
  readonly #ascii: Int32Array;
  /** Row offset of the first state where a keyword ends. */
  readonly #firstOutputRow: number;
  /** Pattern ids ending at each state (failure-link outputs merged in), by new state number. */
  readonly #outputs: (readonly number[] | undefined)[];
  readonly #wideGoto: Map<number, number>[] | undefined;
  readonly #fail: Int32Array;
  readonly #patternCount: number;

  constructor(patterns: readonly string[]) {
    this.#patternCount = patterns.length;
    // Trie first: ASCII edges as (code, child) pairs per state, the rare wide ones in maps.
    const kids: number[][] = [[]];
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
        if (c < 128) {
          const k = kids[state];
          for (let j = 0; j < k.length; j += 2) if (k[j] === c) next = k[j + 1];
        } else {
          hasWide = true;
          next = gotoWide[state].get(c);
        }
        if (next === undefined) {
          next = kids.length;
          kids.push([]);
          gotoWide.push(new Map());
          outputs.push([]);
          if (c < 128) kids[state].push(c, next);
          else gotoWide[state].set(c, next);
        }
        state = next;
      }
      outputs[state].push(id);
    });

    // Then the complete DFA, breadth-first: a state's row starts as a copy of its failure state's row
    // (already final, being shallower) and its own trie edges override it. Copies are native memmoves,
    // which keeps start-up cheap even though this code runs once, before any JIT warm-up.
    const states = kids.length;
    const table = new Int32Array(states * 128);
    const fail = new Int32Array(states);
    const queue = new Int32Array(states);
    let tail = 1;
    for (let head = 0; head < tail; head++) {
      const s = queue[head];
      const failRow = fail[s] * 128;
      if (s !== 0) table.copyWithin(s * 128, failRow, failRow + 128);
      const k = kids[s];
      for (let j = 0; j < k.length; j += 2) {
        const c = k[j];
        const child = k[j + 1];
        const f = s === 0 ? 0 : table[failRow + c];
        fail[child] = f;
        if (outputs[f].length > 0) outputs[child] = outputs[child].concat(outputs[f]);
        table[s * 128 + c] = child;
        queue[tail++] = child;
      }
      if (hasWide) {
        for (const [c, child] of gotoWide[s]) {
          let f = fail[s];
          while (s !== 0 && f !== 0 && !gotoWide[f].has(c)) f = fail[f];
          const target = s === 0 ? 0 : (gotoWide[f].get(c) ?? 0);
          fail[child] = target === child ? 0 : target;
          if (outputs[fail[child]].length > 0) outputs[child] = outputs[child].concat(outputs[fail[child]]);
          queue[tail++] = child;
        }
      }
    }
    // Case folding: an upper-case ASCII letter moves exactly like its lower-case letter.
    for (let row = 0; row < table.length; row += 128) table.copyWithin(row + 65, row + 97, row + 123);

    // Renumber: the root stays 0, states without output next, states with output last.
    const order: number[] = [];
    for (let st = 0; st < states; st++) if (outputs[st].length === 0) order.push(st);
    const firstOutput = order.length;
    for (let st = 0; st < states; st++) if (outputs[st].length > 0) order.push(st);
    const renumber = new Int32Array(states);
    order.forEach((old, now) => (renumber[old] = now));
    const dense = new Int32Array(states * 128);
    for (let now = 0; now < states; now++) {
      const from = order[now] * 128;
      for (let c = 0; c < 128; c++) dense[now * 128 + c] = renumber[table[from + c]] * 128;
    }
    this.#ascii = dense;
    this.#firstOutputRow = firstOutput * 128;
    this.#outputs = order.map((old) => (outputs[old].length > 0 ? Array.from(new Set(outputs[old])) : undefined));
    this.#fail = new Int32Array(states);
    for (let old = 0; old < states; old++) this.#fail[renumber[old]] = renumber[fail[old]];
    this.#wideGoto = hasWide
      ? order.map((old) => new Map([...gotoWide[old]].map(([c, child]) => [c, renumber[child]])))
      : undefined;
  }

  /** Ids of the patterns that occur in `text` (case-insensitive). */
  find(text: string): Set<number> {
    return new Set(this.positions(text).keys());
  }

  /**
   * Every occurrence of every pattern: for each pattern id that occurs, the offsets just past each
   * of its occurrences, ascending. The engine uses them to run a rule's regex only near its keywords.
   */
  positions(text: string): Map<number, number[]> {
    const found = new Map<number, number[]>();
    if (this.#patternCount === 0) return found;
    const table = this.#ascii;
    const firstOutputRow = this.#firstOutputRow;
    const wide = this.#wideGoto;
    let row = 0;
    for (let i = 0, n = text.length; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 128) row = table[row + c];
      else if (wide === undefined) row = 0;
      else row = this.#stepWide(row >> 7, c) * 128;
      if (row >= firstOutputRow) {
        for (const id of this.#outputs[row >> 7] as readonly number[]) {
          const list = found.get(id);
          if (list === undefined) found.set(id, [i + 1]);
          else list.push(i + 1);
        }
      }
    }
    return found;
  }

  /** Next state (a state number, not a row) for a non-ASCII character. */
  #stepWide(state: number, code: number): number {
    const wide = this.#wideGoto as Map<number, number>[];
    const lowered = String.fromCharCode(code).toLowerCase();
    const c = lowered.length === 1 ? lowered.charCodeAt(0) : code;
    if (c < 128) return this.#ascii[state * 128 + c] >> 7;
    let s = state;
    for (;;) {
      const next = wide[s].get(c);
      if (next !== undefined) return next;
      if (s === 0) return 0;
      s = this.#fail[s];
    }
  }
}
