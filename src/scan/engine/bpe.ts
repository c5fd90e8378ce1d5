/**
 * Token counts under cl100k_base, from the vocabulary the gpt-tokenizer package ships
 * (`data/cl100k_base.tiktoken`: one `base64-bytes rank` line per token).
 *
 * Why not gpt-tokenizer's own encoder: loading it compiles a 1 MB module of array literals and
 * fills two 100,000-entry maps, about 160 ms in every process and worker thread that meets one
 * generic candidate (measured on the history benchmark). The scanner only needs counts, so the
 * vocabulary is stored as an open-addressing hash table in one binary file, built from the
 * package's data at build time (dist/cl100k.bin) and loaded as typed-array views over the file:
 * no parsing, no per-token objects. The tests compare the counts with gpt-tokenizer's encoder.
 */
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../rules/package-root.js';

/** The vocabulary file inside the gpt-tokenizer package. */
const VOCABULARY = 'gpt-tokenizer/data/cl100k_base.tiktoken';
/** The prebuilt table, relative to sealguard's package root. */
export const PREBUILT_TABLE = 'dist/cl100k.bin';

const MAGIC = 0x33455042; // "BPE3"
const HEADER_WORDS = 4; // magic, token count, slot count, blob bytes

/**
 * cl100k_base's published pre-tokenizer: contractions, words with one leading non-letter, numbers
 * of up to three digits, punctuation runs, and whitespace. (JavaScript has no inline (?i:), so the
 * contractions spell out both cases.)
 */
const SPLIT = /'[sS]|'[dD]|'[mM]|'[tT]|'[lL][lL]|'[vV][eE]|'[rR][eE]|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+$|\s*[\r\n]|\s+(?!\S)|\s/gu;

/** FNV-1a over bytes [start, end). */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
}

/**
 * The table of a `.tiktoken` vocabulary, ready to use as it lies in the file (loading is one read
 * and three typed-array views: building the hash table at load cost 15 ms, the loop running
 * unoptimised for most of its 100,000 tokens). Layout, 32-bit words in the machine's byte order
 * (the file is built by the install that reads it): the header; the
 * hash slots (token + 1 per slot, 0 when empty; linear probing on FNV-1a); where each token's bytes
 * start (count + 1 entries); then the tokens' bytes. A token's rank is its position, as in every
 * published .tiktoken file; a vocabulary that says otherwise is refused.
 */
export function buildBpeTable(vocabulary: string): Buffer {
  const lines = vocabulary.split('\n').filter((line) => line !== '');
  const count = lines.length;
  const tokens = lines.map((line, t) => {
    const [b64, rank] = line.split(' ') as [string, string];
    if (Number(rank) !== t) throw new Error(`vocabulary line ${t + 1}: rank ${rank} where ${t} was expected`);
    return Buffer.from(b64, 'base64');
  });
  // A load factor of about 0.75: lookups stay short, and the file small (its read is the load time).
  let slotCount = 1;
  while (slotCount < count * 1.25) slotCount *= 2;
  const blob = Buffer.concat(tokens);
  const words = HEADER_WORDS + slotCount + count + 1;
  const out = Buffer.alloc(words * 4 + blob.length);
  const w = new Int32Array(out.buffer, out.byteOffset, words);
  w.set([MAGIC, count, slotCount, blob.length]);
  const starts = HEADER_WORDS + slotCount;
  let offset = 0;
  tokens.forEach((token, t) => {
    w[starts + t] = offset;
    let slot = hashBytes(token, 0, token.length) & (slotCount - 1);
    while (w[HEADER_WORDS + slot] !== 0) slot = (slot + 1) & (slotCount - 1);
    w[HEADER_WORDS + slot] = t + 1;
    offset += token.length;
  });
  w[starts + count] = offset;
  blob.copy(out, words * 4);
  return out;
}

/** A loaded table: rank lookups of byte ranges, and token counts of text. */
export class BpeTable {
  readonly #slots: Int32Array;
  /** Where each token's bytes start in #bytes (count + 1 entries). */
  readonly #starts: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #mask: number;
  /** Scratch for one pre-token's UTF-8 bytes and its merge state. */
  #piece = new Uint8Array(256);
  #parts = new Int32Array(257);
  #partRanks = new Int32Array(257);

  private constructor(file: Buffer, count: number, slotCount: number) {
    // Int32 views need 4-byte alignment; a Buffer may sit anywhere in its pool.
    const own = file.byteOffset % 4 === 0 ? file : Buffer.from(file);
    let at = own.byteOffset + HEADER_WORDS * 4;
    this.#slots = new Int32Array(own.buffer, at, slotCount);
    at += slotCount * 4;
    this.#starts = new Int32Array(own.buffer, at, count + 1);
    at += (count + 1) * 4;
    this.#bytes = new Uint8Array(own.buffer, at, own.byteOffset + own.length - at);
    this.#mask = slotCount - 1;
  }

  /** The table in `file` (as buildBpeTable writes it), or undefined when it is not one. */
  static fromFile(file: Buffer): BpeTable | undefined {
    if (file.length < HEADER_WORDS * 4) return undefined;
    const [magic, count, slotCount, blobBytes] = new Int32Array(Uint8Array.from(file.subarray(0, HEADER_WORDS * 4)).buffer) as unknown as [number, number, number, number];
    if (magic !== MAGIC) return undefined;
    const fits = count > 0 && slotCount > count && (slotCount & (slotCount - 1)) === 0;
    if (!fits || (HEADER_WORDS + slotCount + count + 1) * 4 + blobBytes !== file.length) return undefined;
    return new BpeTable(file, count, slotCount);
  }

  /** Rank of the token spelt by bytes [start, end) of `bytes`, or -1 when no token is. */
  rank(bytes: Uint8Array, start: number, end: number): number {
    const slots = this.#slots;
    const starts = this.#starts;
    const vocab = this.#bytes;
    const length = end - start;
    for (let s = hashBytes(bytes, start, end) & this.#mask; ; s = (s + 1) & this.#mask) {
      const entry = slots[s] as number;
      if (entry === 0) return -1;
      const t = entry - 1;
      const at = starts[t] as number;
      if ((starts[t + 1] as number) - at !== length) continue;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (vocab[at + i] !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return t;
    }
  }

  /** Number of cl100k_base tokens in `text` (special tokens such as <|endoftext|> count as plain text). */
  count(text: string): number {
    let tokens = 0;
    SPLIT.lastIndex = 0;
    for (let m = SPLIT.exec(text); m !== null; m = SPLIT.exec(text)) tokens += this.#countPiece(m[0]);
    return tokens;
  }

  /** Tokens of one pre-token: the byte-pair merges, lowest rank first (leftmost on ties). */
  #countPiece(piece: string): number {
    const n = this.#load(piece);
    if (n <= 1) return n;
    const bytes = this.#piece;
    if (this.rank(bytes, 0, n) >= 0) return 1;
    if (this.#parts.length < n + 1) {
      this.#parts = new Int32Array(n + 1);
      this.#partRanks = new Int32Array(n + 1);
    }
    // parts[i] is where part i starts; partRanks[i] the rank of parts i and i+1 merged (-1: none).
    const parts = this.#parts;
    const ranks = this.#partRanks;
    let live = n;
    for (let i = 0; i < n; i++) parts[i] = i;
    parts[n] = n;
    for (let i = 0; i < n - 1; i++) ranks[i] = this.rank(bytes, i, i + 2);
    ranks[n - 1] = -1;
    for (;;) {
      let best = -1;
      let bestRank = 0x7fffffff;
      for (let i = 0; i < live - 1; i++) {
        const r = ranks[i] as number;
        if (r >= 0 && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) return live;
      // Merge part best with part best+1.
      parts.copyWithin(best + 1, best + 2, live + 1);
      ranks.copyWithin(best + 1, best + 2, live);
      live--;
      ranks[best] = best + 1 < live ? this.rank(bytes, parts[best] as number, parts[best + 2] as number) : -1;
      if (best > 0) ranks[best - 1] = this.rank(bytes, parts[best - 1] as number, parts[best + 1] as number);
    }
  }

  /** The piece's UTF-8 bytes into the scratch buffer; returns their count. */
  #load(piece: string): number {
    let n = piece.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (piece.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (!ascii) n = Buffer.byteLength(piece, 'utf8');
    if (this.#piece.length < n) this.#piece = new Uint8Array(Math.max(n, this.#piece.length * 2));
    const bytes = this.#piece;
    if (ascii) for (let i = 0; i < n; i++) bytes[i] = piece.charCodeAt(i);
    else Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).write(piece, 0, n, 'utf8');
    return n;
  }
}

function vocabularyPath(): string {
  return createRequire(import.meta.url).resolve(VOCABULARY);
}

/**
 * The cl100k_base table: the prebuilt file, else built from the package's vocabulary (slower, for
 * runs from source). The prebuilt file is not compared with the vocabulary: cl100k_base is frozen,
 * and the build writes the file from the locked package.
 */
export function loadCl100k(): BpeTable {
  try {
    const table = BpeTable.fromFile(readFileSync(join(packageRoot(), PREBUILT_TABLE)));
    if (table) return table;
  } catch {
    // No prebuilt table (a run from source): build one below.
  }
  return BpeTable.fromFile(buildBpeTable(readFileSync(vocabularyPath(), 'utf8'))) as BpeTable;
}

/** Build-time: write the prebuilt table into `outPath`. */
export function writeCl100kTable(outPath: string): void {
  writeFileSync(outPath, buildBpeTable(readFileSync(vocabularyPath(), 'utf8')));
}
