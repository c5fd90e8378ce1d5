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
  /** Length of the longest pattern, in UTF-16 code units (a UTF-8 byte count for ASCII patterns). */
  readonly #longest: number;

  constructor(patterns: readonly string[]) {
    this.#patternCount = patterns.length;
    this.#longest = patterns.reduce((n, p) => Math.max(n, p.length), 0);
    // Trie first: ASCII edges as (code, child) pairs per state, the rare wide ones in maps.
    const kids: number[][] = [[]];
    const gotoWide: (Map<number, number> | undefined)[] = [undefined];
    const outputs: number[][] = [[]];
    let hasWide = false;
    patterns.forEach((raw, id) => {
      const pattern = raw.toLowerCase();
      if (pattern.length === 0) return;
      let state = 0;
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern.charCodeAt(i);
        let next: number | undefined;
        if (c < 128) next = asciiChild(kids[state], c);
        else {
          hasWide = true;
          next = gotoWide[state]?.get(c);
        }
        if (next === undefined) {
          next = kids.length;
          kids.push([]);
          gotoWide.push(undefined);
          outputs.push([]);
          if (c < 128) kids[state].push(c, next);
          else (gotoWide[state] ??= new Map()).set(c, next);
        }
        state = next;
      }
      outputs[state].push(id);
    });

    // Failure links on the trie, breadth-first, merging each state's outputs with its failure state's.
    // Done before the dense table so states can be numbered (output states last) first and the table
    // written once in its final numbering: rewriting a states x 128 table entry by entry was most of
    // the start-up cost.
    const states = kids.length;
    const fail = new Int32Array(states);
    const queue = new Int32Array(states);
    let tail = 1;
    for (let head = 0; head < tail; head++) {
      const s = queue[head];
      const k = kids[s];
      for (let j = 0; j < k.length; j += 2) {
        const c = k[j];
        const child = k[j + 1];
        let f = 0;
        if (s !== 0) {
          for (let t = fail[s]; ; t = fail[t]) {
            const next = asciiChild(kids[t], c);
            if (next !== undefined) {
              f = next;
              break;
            }
            if (t === 0) break;
          }
        }
        fail[child] = f;
        if (outputs[f].length > 0) outputs[child] = outputs[child].concat(outputs[f]);
        queue[tail++] = child;
      }
      const wide = gotoWide[s];
      if (wide) {
        for (const [c, child] of wide) {
          let f = fail[s];
          while (s !== 0 && f !== 0 && !gotoWide[f]?.has(c)) f = fail[f];
          const target = s === 0 ? 0 : (gotoWide[f]?.get(c) ?? 0);
          fail[child] = target === child ? 0 : target;
          if (outputs[fail[child]].length > 0) outputs[child] = outputs[child].concat(outputs[fail[child]]);
          queue[tail++] = child;
        }
      }
    }

    // Renumber: the root stays 0, states without output next, states with output last.
    const order: number[] = [];
    for (let st = 0; st < states; st++) if (outputs[st].length === 0) order.push(st);
    const firstOutput = order.length;
    for (let st = 0; st < states; st++) if (outputs[st].length > 0) order.push(st);
    const renumber = new Int32Array(states);
    order.forEach((old, now) => (renumber[old] = now));

    // The complete DFA in breadth-first order: a state's row starts as a copy of its failure state's row
    // (already final, being shallower) and its own trie edges override it. Copies are native memmoves.
    const dense = new Int32Array(states * 128);
    for (let head = 0; head < states; head++) {
      const s = queue[head];
      const row = renumber[s] * 128;
      if (s !== 0) {
        const failRow = renumber[fail[s]] * 128;
        dense.copyWithin(row, failRow, failRow + 128);
      }
      const k = kids[s];
      for (let j = 0; j < k.length; j += 2) dense[row + k[j]] = renumber[k[j + 1]] * 128;
    }
    // Case folding: an upper-case ASCII letter moves exactly like its lower-case letter.
    for (let row = 0; row < dense.length; row += 128) dense.copyWithin(row + 65, row + 97, row + 123);
    this.#ascii = dense;
    this.#firstOutputRow = firstOutput * 128;
    this.#outputs = order.map((old) => (outputs[old].length > 0 ? Array.from(new Set(outputs[old])) : undefined));
    this.#fail = new Int32Array(states);
    for (let old = 0; old < states; old++) this.#fail[renumber[old]] = renumber[fail[old]];
    this.#wideGoto = hasWide
      ? order.map((old) => new Map([...(gotoWide[old] ?? [])].map(([c, child]) => [c, renumber[child]])))
      : undefined;
  }

  /**
   * Whether some keyword has a non-ASCII character. Without one, `positionsInBytes` over any UTF-8
   * text finds exactly what `positions` finds over its string (every non-ASCII character returns to
   * the root either way), at byte offsets.
   */
  get hasWide(): boolean {
    return this.#wideGoto !== undefined;
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
      if (row >= firstOutputRow) addAll(found, this.#outputs[row >> 7] as readonly number[], i + 1);
    }
    return found;
  }

  /**
   * `positions` over UTF-8 bytes, at byte offsets. Measured on 100 MB of npm sources: a third faster
   * than reading the string with charCodeAt. A byte over 127 restarts at the root, as a non-ASCII
   * character does without wide keywords.
   */
  positionsInBytes(bytes: Uint8Array): Map<number, number[]> {
    const found = new Map<number, number[]>();
    if (this.#patternCount === 0) return found;
    if (bytes.length < TWO_STREAMS_FROM) {
      this.#scanBytes(bytes, 0, bytes.length, 0, found);
      return found;
    }
    // Two halves walked in one loop. Each step waits on the table load of the step before, so one
    // walk is bound by load latency; two independent walks overlap their loads (measured on 100 MB
    // of npm sources: 290 -> 217 ms, ~2.8 -> ~2.1 ns per byte). The second walk starts from the root a longest
    // keyword before the middle, so it has seen all of any keyword ending past the middle, and
    // reports only those; the first reports only ends up to the middle. No keyword is lost or found twice.
    const n = bytes.length;
    const mid = n >> 1;
    const start = Math.max(0, mid - this.#longest);
    const second = new Map<number, number[]>();
    const table = this.#ascii;
    const firstOutputRow = this.#firstOutputRow;
    const outputs = this.#outputs;
    let a = 0;
    let b = 0;
    let j = start;
    for (let i = 0; i < mid; i++, j++) {
      const x = bytes[i] as number;
      const y = bytes[j] as number;
      a = x < 128 ? (table[a + x] as number) : 0;
      b = y < 128 ? (table[b + y] as number) : 0;
      if (a >= firstOutputRow) addAll(found, outputs[a >> 7] as readonly number[], i + 1);
      if (b >= firstOutputRow && j >= mid) addAll(second, outputs[b >> 7] as readonly number[], j + 1);
    }
    this.#scanBytes(bytes, j, n, b, second);
    for (const [id, ends] of second) {
      const list = found.get(id);
      if (list === undefined) found.set(id, ends);
      else for (const e of ends) list.push(e);
    }
    return found;
  }

  /** The automaton from `row` over bytes [from, to), adding every occurrence's end to `found`. */
  #scanBytes(bytes: Uint8Array, from: number, to: number, row: number, found: Map<number, number[]>): void {
    const table = this.#ascii;
    const firstOutputRow = this.#firstOutputRow;
    const outputs = this.#outputs;
    for (let i = from; i < to; i++) {
      const x = bytes[i] as number;
      row = x < 128 ? (table[row + x] as number) : 0;
      if (row >= firstOutputRow) addAll(found, outputs[row >> 7] as readonly number[], i + 1);
    }
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

/** Below this many bytes one walk does: the second's set-up and merge would cost more than it saves. */
const TWO_STREAMS_FROM = 4096;

function addAll(found: Map<number, number[]>, ids: readonly number[], end: number): void {
  for (const id of ids) {
    const list = found.get(id);
    if (list === undefined) found.set(id, [end]);
    else list.push(end);
  }
}

/** The trie child of a state for an ASCII code, from its (code, child) pairs. */
function asciiChild(pairs: readonly number[], code: number): number | undefined {
  for (let j = 0; j < pairs.length; j += 2) if (pairs[j] === code) return pairs[j + 1];
  return undefined;
}
