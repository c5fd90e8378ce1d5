/**
 * One Aho–Corasick automaton over every rule's keywords, matched case-insensitively.
 *
 * The automaton is a complete DFA over lower-cased UTF-16 code units. ASCII transitions live in one
 * dense table with a column per class of characters: one class for each character that occurs in a
 * keyword (an upper-case letter shares its lower-case letter's), and class 0 for every other one, which
 * always returns to the root. So the scan loop is two loads per character, and the table is smaller
 * than one with 128 columns (the shipped rules' keywords use 49 characters: 64 columns, 2 MB -> 1 MB).
 * Non-ASCII characters are rare in keywords; they go through a small per-state map with failure
 * links, and when no keyword has any, every non-ASCII character simply returns to the root.
 */
/**
 * An automaton whose patterns are all ASCII, as plain data (see KeywordMatcher.table): a build stores
 * the shipped rules' automaton this way, and a scan then loads it instead of building it (measured:
 * ~15 ms to build at start-up, most of it before the code is optimised).
 */
export interface KeywordTable {
  readonly patterns: readonly string[];
  readonly shift: number;
  /** 256 entries. */
  readonly classes: Uint8Array;
  readonly dense: Int32Array;
  readonly firstOutputRow: number;
  /** For state s, its pattern ids are outputIds[outputStarts[s] .. outputStarts[s + 1]). */
  readonly outputStarts: Int32Array;
  readonly outputIds: Int32Array;
}

export class KeywordMatcher {
  /**
   * Dense ASCII transitions of the complete DFA, a row per state and a column per class. Entries are
   * row offsets (state << shift), not state numbers, saving a shift per character; states are
   * numbered so that those where a keyword ends come last, making the per-character output check a
   * single comparison.
   */
  readonly #ascii: Int32Array;
  /** The class of each byte (256 entries, so any byte is a valid index): 0 for bytes in no keyword and all over 127. */
  readonly #classes: Uint8Array;
  /** log2 of a row's length: the number of classes rounded up to a power of two. */
  readonly #shift: number;
  /** Row offset of the first state where a keyword ends. */
  readonly #firstOutputRow: number;
  /** Pattern ids ending at each state (failure-link outputs merged in), by new state number. */
  readonly #outputs: (readonly number[] | undefined)[];
  readonly #wideGoto: Map<number, number>[] | undefined;
  readonly #fail: Int32Array;
  readonly #patternCount: number;
  /** Length of the longest pattern, in UTF-16 code units (a UTF-8 byte count for ASCII patterns). */
  readonly #longest: number;

  readonly #patterns: readonly string[];

  /** The automaton of `patterns`, built, or taken from `table` (which must have been made from the same patterns). */
  constructor(patterns: readonly string[], table?: KeywordTable) {
    this.#patterns = patterns;
    this.#patternCount = patterns.length;
    this.#longest = patterns.reduce((n, p) => Math.max(n, p.length), 0);
    if (table !== undefined) {
      this.#ascii = table.dense;
      this.#classes = table.classes;
      this.#shift = table.shift;
      this.#firstOutputRow = table.firstOutputRow;
      const states = table.outputStarts.length - 1;
      this.#outputs = new Array<readonly number[] | undefined>(states);
      for (let st = 0; st < states; st++) {
        const from = table.outputStarts[st] as number;
        const to = table.outputStarts[st + 1] as number;
        this.#outputs[st] = to > from ? Array.from(table.outputIds.subarray(from, to)) : undefined;
      }
      // Failure links serve only non-ASCII characters, which a table never has.
      this.#fail = new Int32Array(0);
      this.#wideGoto = undefined;
      return;
    }
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

    // Character classes: one per ASCII character of some keyword, upper-case letters sharing their
    // lower-case letter's. The trie is lower-case, so its edges name exactly these characters.
    const classes = new Uint8Array(256);
    let classCount = 1;
    for (const k of kids) {
      for (let j = 0; j < k.length; j += 2) {
        const c = k[j] as number;
        if (classes[c] === 0) classes[c] = classCount++;
      }
    }
    for (let c = 65; c <= 90; c++) classes[c] = classes[c + 32] as number;
    let shift = 0;
    while (1 << shift < classCount) shift++;
    const width = 1 << shift;

    // The complete DFA in breadth-first order: a state's row starts as a copy of its failure state's row
    // (already final, being shallower) and its own trie edges override it. Copies are native memmoves.
    const dense = new Int32Array(states << shift);
    for (let head = 0; head < states; head++) {
      const s = queue[head];
      const row = renumber[s] << shift;
      if (s !== 0) {
        const failRow = renumber[fail[s]] << shift;
        dense.copyWithin(row, failRow, failRow + width);
      }
      const k = kids[s];
      for (let j = 0; j < k.length; j += 2) dense[row + (classes[k[j]] as number)] = renumber[k[j + 1]] << shift;
    }
    this.#ascii = dense;
    this.#classes = classes;
    this.#shift = shift;
    this.#firstOutputRow = firstOutput << shift;
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

  /** The automaton as plain data, or undefined when a pattern has a non-ASCII character. */
  table(): KeywordTable | undefined {
    if (this.#wideGoto !== undefined) return undefined;
    const states = this.#outputs.length;
    const outputStarts = new Int32Array(states + 1);
    const ids: number[] = [];
    for (let st = 0; st < states; st++) {
      for (const id of this.#outputs[st] ?? []) ids.push(id);
      outputStarts[st + 1] = ids.length;
    }
    return {
      patterns: this.#patterns,
      shift: this.#shift,
      classes: this.#classes,
      dense: this.#ascii,
      firstOutputRow: this.#firstOutputRow,
      outputStarts,
      outputIds: Int32Array.from(ids),
    };
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
    const classes = this.#classes;
    const shift = this.#shift;
    const firstOutputRow = this.#firstOutputRow;
    const wide = this.#wideGoto;
    let row = 0;
    for (let i = 0, n = text.length; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 128) row = table[row + (classes[c] as number)] as number;
      else if (wide === undefined) row = 0;
      else row = this.#stepWide(row >> shift, c) << shift;
      if (row >= firstOutputRow) addAll(found, this.#outputs[row >> shift] as readonly number[], i + 1);
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
    const n = bytes.length;
    if (n < STREAMS_FROM) {
      this.#scanBytes(bytes, 0, n, 0, found);
      return found;
    }
    // Four quarters walked in one loop. Each step waits on the table load of the step before, so one
    // walk is bound by load latency; independent walks overlap their loads (measured on 100 MB of npm
    // sources: one walk ~2.8, two ~1.9, four ~1.7 ns per byte). Each walk after the first starts from
    // the root a longest keyword before its quarter, so it has seen all of any keyword ending in its
    // quarter, and reports only those; it then runs on to the end of its quarter. No keyword is lost
    // or found twice, and the four lists of ends joined in order stay ascending.
    const q = n >> 2;
    const longest = this.#longest;
    const table = this.#ascii;
    const classes = this.#classes;
    const shift = this.#shift;
    const firstOutputRow = this.#firstOutputRow;
    const outputs = this.#outputs;
    const found1 = new Map<number, number[]>();
    const found2 = new Map<number, number[]>();
    const found3 = new Map<number, number[]>();
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    let j = Math.max(0, q - longest);
    let k = Math.max(0, 2 * q - longest);
    let l = Math.max(0, 3 * q - longest);
    for (let i = 0; i < q; i++, j++, k++, l++) {
      a = table[a + (classes[bytes[i] as number] as number)] as number;
      b = table[b + (classes[bytes[j] as number] as number)] as number;
      c = table[c + (classes[bytes[k] as number] as number)] as number;
      d = table[d + (classes[bytes[l] as number] as number)] as number;
      if (a >= firstOutputRow) addAll(found, outputs[a >> shift] as readonly number[], i + 1);
      if (b >= firstOutputRow && j >= q) addAll(found1, outputs[b >> shift] as readonly number[], j + 1);
      if (c >= firstOutputRow && k >= 2 * q) addAll(found2, outputs[c >> shift] as readonly number[], k + 1);
      if (d >= firstOutputRow && l >= 3 * q) addAll(found3, outputs[d >> shift] as readonly number[], l + 1);
    }
    this.#scanBytes(bytes, j, 2 * q, b, found1);
    this.#scanBytes(bytes, k, 3 * q, c, found2);
    this.#scanBytes(bytes, l, n, d, found3);
    for (const later of [found1, found2, found3]) {
      for (const [id, ends] of later) {
        const list = found.get(id);
        if (list === undefined) found.set(id, ends);
        else for (const e of ends) list.push(e);
      }
    }
    return found;
  }

  /** The automaton from `row` over bytes [from, to), adding every occurrence's end to `found`. */
  #scanBytes(bytes: Uint8Array, from: number, to: number, row: number, found: Map<number, number[]>): void {
    const table = this.#ascii;
    const classes = this.#classes;
    const shift = this.#shift;
    const firstOutputRow = this.#firstOutputRow;
    const outputs = this.#outputs;
    for (let i = from; i < to; i++) {
      row = table[row + (classes[bytes[i] as number] as number)] as number;
      if (row >= firstOutputRow) addAll(found, outputs[row >> shift] as readonly number[], i + 1);
    }
  }

  /** Next state (a state number, not a row) for a non-ASCII character. */
  #stepWide(state: number, code: number): number {
    const wide = this.#wideGoto as Map<number, number>[];
    const lowered = String.fromCharCode(code).toLowerCase();
    const c = lowered.length === 1 ? lowered.charCodeAt(0) : code;
    if (c < 128) return (this.#ascii[(state << this.#shift) + (this.#classes[c] as number)] as number) >> this.#shift;
    let s = state;
    for (;;) {
      const next = wide[s].get(c);
      if (next !== undefined) return next;
      if (s === 0) return 0;
      s = this.#fail[s];
    }
  }
}

/** Below this many bytes one walk does: the others' set-up and merge would cost more than they save. */
const STREAMS_FROM = 4096;

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
