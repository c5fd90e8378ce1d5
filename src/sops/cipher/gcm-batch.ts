/**
 * AES-256-GCM (NIST SP 800-38D) for many small values under one data key.
 *
 * Why not Node's aes-256-gcm cipher per value: each one costs a cipher object and five crossings
 * into native code, which for a 20,000-value file is most of the decrypt time. Here the block
 * cipher still runs natively (one AES-256-ECB object, one call for the counter blocks of a whole
 * batch), and only GHASH — a table-driven multiplication in GF(2^128) — runs in JavaScript, as one
 * loop over all the batch's blocks (one hot loop gets optimised within a few thousand iterations;
 * a function called per block or per value runs unoptimised for much longer).
 * The results are identical to Node's cipher; the tests compare the two on random inputs and on
 * files written by sops. Tags are compared without early exit, and no plaintext leaves `open`
 * unless its tag matched.
 *
 * Like most table-driven GHASH code, the lookups depend on secret data, so the timing is not
 * constant against an attacker who shares the CPU cache; the single-value functions in aes.ts use
 * OpenSSL's constant-time code and remain the reference.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, randomFillSync, type Cipher } from 'node:crypto';
import { base64LengthAt, decodeBase64At } from './aes.js';

const BLOCK = 16;

/** One value to decrypt, with its parsed parts. */
export interface OpenJob {
  readonly data: Uint8Array;
  readonly aad: string;
  readonly iv: Uint8Array;
  readonly tag: Uint8Array;
}

/** A batch laid out: keystream of value i from offsets[i] (block 0 masks its tag); its GHASH run of runs[i] blocks in input, text at textAt[i]. */
interface Layout {
  readonly stream: Buffer;
  readonly offsets: Int32Array;
  readonly input: Buffer;
  readonly textAt: Int32Array;
  readonly runs: Int32Array;
}

/**
 * An opened batch: value i's plaintext is plain[at[i], at[i] + lengths[i]) when ok[i] is 1; where
 * its tag did not match, ok[i] is 0 and its place holds zeros.
 */
export interface OpenedColumns {
  readonly plain: Buffer;
  readonly at: Int32Array;
  readonly lengths: Int32Array;
  readonly ok: Uint8Array;
}

/** Value i of an opened batch as a view, or null where its tag did not match. */
function openedValue(opened: OpenedColumns, i: number): Buffer | null {
  if (opened.ok[i] !== 1) return null;
  const at = opened.at[i] as number;
  return opened.plain.subarray(at, at + (opened.lengths[i] as number));
}

/** A sealed batch: value i's ciphertext is bytes[dataAt[i], dataAt[i] + lengths[i]), its tag tags[16i, 16i + 16), its nonce in `ivs`. */
export interface SealedColumns {
  readonly bytes: Buffer;
  readonly dataAt: Int32Array;
  readonly lengths: Int32Array;
  readonly tags: Buffer;
  readonly ivs: IvColumn;
}

const blocksOf = (bytes: number): number => (bytes + 15) >>> 4;

/** Every value's nonce in one buffer: nonce i is bytes[at[i], at[i+1]). */
export interface IvColumn {
  readonly bytes: Buffer;
  readonly at: Int32Array;
}

/** The nonces in one buffer; an undefined one is drawn fresh from the CSPRNG, `freshBytes` long. */
function ivColumn(ivs: readonly (Uint8Array | undefined)[], freshBytes: number): IvColumn {
  const n = ivs.length;
  const at = new Int32Array(n + 1);
  let fresh = false;
  for (let i = 0; i < n; i++) {
    const iv = ivs[i];
    if (iv === undefined) fresh = true;
    at[i + 1] = (at[i] as number) + (iv === undefined ? freshBytes : iv.length);
  }
  const bytes = Buffer.alloc(at[n] as number);
  // One draw for the whole batch, then the given nonces over their places.
  if (fresh) randomFillSync(bytes);
  for (let i = 0; i < n; i++) {
    const iv = ivs[i];
    if (iv !== undefined) copyRange(bytes, at[i] as number, iv, 0, iv.length);
  }
  return { bytes, at };
}

/** UTF-8 length of `s`; ASCII (the usual key path) is counted without leaving JavaScript. */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/** Write `s` (of UTF-8 length `bytes`) into `out` at `at`. */
function writeText(out: Buffer, at: number, s: string, bytes: number): void {
  if (bytes !== s.length) out.write(s, at, bytes, 'utf8');
  else for (let i = 0; i < bytes; i++) out[at + i] = s.charCodeAt(i);
}

/** `n` bytes of `src` from `from` into `out` at `at`: short runs (nonces, most values) by a loop, long ones by `set`. */
function copyRange(out: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  if (n > 64) out.set(src.subarray(from, from + n), at);
  else for (let i = 0; i < n; i++) out[at + i] = src[from + i] as number;
}

/** The lengths block: bit lengths as two 64-bit big-endian numbers (into a zeroed block). */
function writeLengths(out: Uint8Array, at: number, aBytes: number, cBytes: number): void {
  writeBits(out, at, aBytes);
  writeBits(out, at + 8, cBytes);
}

function writeBits(out: Uint8Array, at: number, bytes: number): void {
  const hi = Math.floor(bytes / 0x20000000);
  const lo = (bytes * 8) >>> 0;
  out[at + 2] = hi >>> 8;
  out[at + 3] = hi;
  out[at + 4] = lo >>> 24;
  out[at + 5] = lo >>> 16;
  out[at + 6] = lo >>> 8;
  out[at + 7] = lo;
}

/**
 * For each of the 16 byte positions and each byte value, that byte's product with H (as four
 * big-endian 32-bit words), so one multiplication is 16 lookups and XORs.
 */
function ghashTable(h: Buffer): Int32Array {
  const t = new Int32Array(16 * 256 * 4);
  let v0 = h.readInt32BE(0);
  let v1 = h.readInt32BE(4);
  let v2 = h.readInt32BE(8);
  let v3 = h.readInt32BE(12);
  // Bit k of a block (MSB of byte 0 is bit 0) stands for x^k; its product with H is H·x^k.
  for (let k = 0; k < 128; k++) {
    const at = (((k >> 3) << 8) | (0x80 >> (k & 7))) << 2;
    t[at] = v0;
    t[at + 1] = v1;
    t[at + 2] = v2;
    t[at + 3] = v3;
    const carry = v3 & 1;
    v3 = (v3 >>> 1) | (v2 << 31);
    v2 = (v2 >>> 1) | (v1 << 31);
    v1 = (v1 >>> 1) | (v0 << 31);
    v0 = (v0 >>> 1) ^ (-carry & 0xe1000000);
  }
  // Every other byte value is the XOR of its lowest set bit's entry and the rest's.
  for (let pos = 0; pos < 16; pos++) {
    for (let b = 3; b < 256; b++) {
      const low = b & -b;
      if (low === b) continue;
      const at = ((pos << 8) | b) << 2;
      const x = ((pos << 8) | low) << 2;
      const y = ((pos << 8) | (b ^ low)) << 2;
      for (let i = 0; i < 4; i++) t[at + i] = (t[x + i] as number) ^ (t[y + i] as number);
    }
  }
  return t;
}

/**
 * GHASH of consecutive runs of blocks: run r is the next `runs[r]` blocks of `input`, and its
 * result goes to `out` at `outAt[r]`.
 */
function ghashRuns(t: Int32Array, input: Uint8Array, runs: Int32Array, out: Uint8Array, outAt: Int32Array): void {
  let p = 0;
  for (let r = 0; r < runs.length; r++) {
    let y0 = 0;
    let y1 = 0;
    let y2 = 0;
    let y3 = 0;
    const end = p + (runs[r] as number) * BLOCK;
    for (; p < end; p += BLOCK) {
      const w0 = y0 ^ (((input[p] as number) << 24) | ((input[p + 1] as number) << 16) | ((input[p + 2] as number) << 8) | (input[p + 3] as number));
      const w1 = y1 ^ (((input[p + 4] as number) << 24) | ((input[p + 5] as number) << 16) | ((input[p + 6] as number) << 8) | (input[p + 7] as number));
      const w2 = y2 ^ (((input[p + 8] as number) << 24) | ((input[p + 9] as number) << 16) | ((input[p + 10] as number) << 8) | (input[p + 11] as number));
      const w3 = y3 ^ (((input[p + 12] as number) << 24) | ((input[p + 13] as number) << 16) | ((input[p + 14] as number) << 8) | (input[p + 15] as number));
      // Unrolled: one lookup per byte of Y ⊕ X.
      let a: number;
      a = (w0 >>> 24) << 2;
      y0 = t[a] as number;
      y1 = t[a + 1] as number;
      y2 = t[a + 2] as number;
      y3 = t[a + 3] as number;
      a = (256 | ((w0 >>> 16) & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (512 | ((w0 >>> 8) & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (768 | (w0 & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (1024 | (w1 >>> 24)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (1280 | ((w1 >>> 16) & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (1536 | ((w1 >>> 8) & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (1792 | (w1 & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (2048 | (w2 >>> 24)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (2304 | ((w2 >>> 16) & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (2560 | ((w2 >>> 8) & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (2816 | (w2 & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (3072 | (w3 >>> 24)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (3328 | ((w3 >>> 16) & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (3584 | ((w3 >>> 8) & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
      a = (3840 | (w3 & 0xff)) << 2;
      y0 ^= t[a] as number;
      y1 ^= t[a + 1] as number;
      y2 ^= t[a + 2] as number;
      y3 ^= t[a + 3] as number;
    }
    const o = outAt[r] as number;
    out[o] = y0 >>> 24;
    out[o + 1] = y0 >>> 16;
    out[o + 2] = y0 >>> 8;
    out[o + 3] = y0;
    out[o + 4] = y1 >>> 24;
    out[o + 5] = y1 >>> 16;
    out[o + 6] = y1 >>> 8;
    out[o + 7] = y1;
    out[o + 8] = y2 >>> 24;
    out[o + 9] = y2 >>> 16;
    out[o + 10] = y2 >>> 8;
    out[o + 11] = y2;
    out[o + 12] = y3 >>> 24;
    out[o + 13] = y3 >>> 16;
    out[o + 14] = y3 >>> 8;
    out[o + 15] = y3;
  }
}

/**
 * AES-256-GCM with 16-byte tags under one key, for batches of values. The buffers `seal` and
 * `open` return are views into one block of memory per call, valid until `wipe`, which zeroes them.
 */
export class GcmBatch {
  readonly #ecb: Cipher;
  readonly #table: Int32Array;
  readonly #arenas: Buffer[] = [];

  constructor(key: Uint8Array) {
    this.#ecb = createCipheriv('aes-256-ecb', key, null);
    this.#ecb.setAutoPadding(false);
    const h = this.#ecb.update(new Uint8Array(BLOCK));
    this.#table = ghashTable(h);
    h.fill(0);
  }

  /**
   * The keystream of each value: its block 0 is E(K, J0) (masks the tag), blocks 1.. are
   * E(K, inc32(J0)), E(K, inc32²(J0)) … for `lengths[i]` bytes, from `offsets[i]` in the result.
   * One native call for the batch.
   */
  #keystreams(ivs: IvColumn, lengths: Int32Array, offsets: Int32Array): Buffer {
    const n = lengths.length;
    const { bytes: ivBytes, at: ivAt } = ivs;
    // J0 of a 12-byte nonce is the nonce ‖ 1; of any other, GHASH(nonce ‖ pad ‖ lengths).
    let hashed = 0;
    let hashBlocks = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      offsets[i] = total;
      total += BLOCK * (1 + blocksOf(lengths[i] as number));
      const ivLength = (ivAt[i + 1] as number) - (ivAt[i] as number);
      if (ivLength !== 12) {
        hashed++;
        hashBlocks += blocksOf(ivLength) + 1;
      }
    }
    offsets[n] = total;
    const counters = Buffer.alloc(total);
    if (hashed > 0) {
      const input = Buffer.alloc(hashBlocks * BLOCK);
      const runs = new Int32Array(hashed);
      const outAt = new Int32Array(hashed);
      let p = 0;
      let r = 0;
      for (let i = 0; i < n; i++) {
        const from = ivAt[i] as number;
        const ivLength = (ivAt[i + 1] as number) - from;
        if (ivLength === 12) continue;
        copyRange(input, p, ivBytes, from, ivLength);
        p += blocksOf(ivLength) * BLOCK;
        writeBits(input, p + 8, ivLength);
        p += BLOCK;
        runs[r] = blocksOf(ivLength) + 1;
        outAt[r++] = offsets[i] as number;
      }
      ghashRuns(this.#table, input, runs, counters, outAt);
    }
    for (let i = 0; i < n; i++) {
      const at = offsets[i] as number;
      const from = ivAt[i] as number;
      if ((ivAt[i + 1] as number) - from === 12) {
        copyRange(counters, at, ivBytes, from, 12);
        counters[at + 15] = 1;
      }
      const end = offsets[i + 1] as number;
      const c = ((counters[at + 12] as number) << 24) | ((counters[at + 13] as number) << 16) | ((counters[at + 14] as number) << 8) | (counters[at + 15] as number);
      for (let b = at + BLOCK, k = 1; b < end; b += BLOCK, k++) {
        for (let j = 0; j < 12; j++) counters[b + j] = counters[at + j] as number;
        const v = (c + k) | 0;
        counters[b + 12] = v >>> 24;
        counters[b + 13] = v >>> 16;
        counters[b + 14] = v >>> 8;
        counters[b + 15] = v;
      }
    }
    const stream = this.#ecb.update(counters);
    counters.fill(0);
    return stream;
  }

  /**
   * The GHASH input of each value laid out in one buffer: aad ‖ pad ‖ text ‖ pad ‖ lengths. The
   * text's place is left zeroed; its offset is `textAt[i]` and the value's run is `runs[i]` blocks.
   */
  static #tagInput(aads: readonly string[], lengths: Int32Array, textAt: Int32Array, runs: Int32Array): Buffer {
    const n = aads.length;
    const aadBytes = new Int32Array(n);
    let blocks = 0;
    for (let i = 0; i < n; i++) {
      const a = utf8Length(aads[i] as string);
      aadBytes[i] = a;
      const run = blocksOf(a) + blocksOf(lengths[i] as number) + 1;
      runs[i] = run;
      blocks += run;
    }
    const input = Buffer.alloc(blocks * BLOCK);
    let p = 0;
    for (let i = 0; i < n; i++) {
      const a = aadBytes[i] as number;
      const c = lengths[i] as number;
      writeText(input, p, aads[i] as string, a);
      p += blocksOf(a) * BLOCK;
      textAt[i] = p;
      p += blocksOf(c) * BLOCK;
      writeLengths(input, p, a, c);
      p += BLOCK;
    }
    return input;
  }

  /** GHASH of each value's run, 16 bytes each at i * 16. */
  #ghash(input: Buffer, runs: Int32Array): Buffer {
    const n = runs.length;
    const outAt = new Int32Array(n);
    for (let i = 0; i < n; i++) outAt[i] = i * BLOCK;
    const hashes = Buffer.alloc(n * BLOCK);
    ghashRuns(this.#table, input, runs, hashes, outAt);
    return hashes;
  }

  /** What seal and open share: each value's keystream, and its GHASH input with the text's place left empty. */
  #layout(ivs: IvColumn, aads: readonly string[], lengths: Int32Array): Layout {
    const n = lengths.length;
    const offsets = new Int32Array(n + 1);
    const stream = this.#keystreams(ivs, lengths, offsets);
    const textAt = new Int32Array(n);
    const runs = new Int32Array(n);
    const input = GcmBatch.#tagInput(aads, lengths, textAt, runs);
    return { stream, offsets, input, textAt, runs };
  }

  /**
   * Encrypt value i: `plaintexts[i]` (a string stands for its UTF-8 bytes; none empty) with
   * `aads[i]` under nonce `ivs[i]`, or under a fresh random nonce of `freshIvBytes` where that is
   * undefined. The results come back as columns of a few buffers, so a 20,000-value file needs
   * no Buffer per value (measured: those views and the plaintext buffers were a large part of the
   * encrypt's garbage).
   */
  sealColumns(
    plaintexts: readonly (string | Uint8Array)[],
    aads: readonly string[],
    ivs: readonly (Uint8Array | undefined)[],
    freshIvBytes: number,
  ): SealedColumns {
    const n = plaintexts.length;
    const lengths = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const p = plaintexts[i] as string | Uint8Array;
      lengths[i] = typeof p === 'string' ? utf8Length(p) : p.length;
    }
    const nonces = ivColumn(ivs, freshIvBytes);
    // The ciphertext is written straight into the GHASH input, which then also holds the results.
    const { stream, offsets, input, textAt, runs } = this.#layout(nonces, aads, lengths);
    this.#arenas.push(input);
    for (let i = 0; i < n; i++) {
      const p = plaintexts[i] as string | Uint8Array;
      const at = textAt[i] as number;
      const len = lengths[i] as number;
      if (typeof p === 'string') writeText(input, at, p, len);
      else copyRange(input, at, p, 0, len);
      const ks = (offsets[i] as number) + BLOCK;
      for (let b = 0; b < len; b++) input[at + b] = (input[at + b] as number) ^ (stream[ks + b] as number);
    }
    const tags = this.#ghash(input, runs);
    for (let i = 0; i < n; i++) {
      const o = i * BLOCK;
      const ks = offsets[i] as number;
      for (let b = 0; b < BLOCK; b++) tags[o + b] = (tags[o + b] as number) ^ (stream[ks + b] as number);
    }
    stream.fill(0);
    return { bytes: input, dataAt: textAt, lengths, tags, ivs: nonces };
  }

  /** Decrypt each job; `null` where the tag does not match (wrong key, AAD, or tampered data/iv/tag). */
  open(jobs: readonly OpenJob[]): (Buffer | null)[] {
    const n = jobs.length;
    const dataAt = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) dataAt[i + 1] = (dataAt[i] as number) + (jobs[i] as OpenJob).data.length;
    const data = Buffer.alloc(dataAt[n] as number);
    const tags = Buffer.alloc(n * BLOCK);
    for (let i = 0; i < n; i++) {
      const job = jobs[i] as OpenJob;
      data.set(job.data, dataAt[i] as number);
      // A tag of the wrong length never matches (a 16-byte tag is all GCM here accepts).
      if (job.tag.length !== BLOCK) dataAt[i] = -1 - (dataAt[i] as number);
      else tags.set(job.tag, i * BLOCK);
    }
    return this.#open(ivColumn(jobs.map((j) => j.iv), 0), jobs.map((j) => j.aad), data, dataAt, tags);
  }

  /**
   * `open` for values still in their ENC text, with no object, substring or Buffer per value:
   * value i's data, iv and tag are the padded standard base64 ranges texts[i][at[6i], at[6i+1]),
   * [at[6i+2], at[6i+3]) and [at[6i+4], at[6i+5]) (as locateEncParts finds them), decoded here
   * straight into the batch's buffers. Measured on a 20,000-value file: a Buffer per field was a
   * fifth of the decrypt time, mostly in the garbage collector.
   */
  openTextColumns(texts: readonly string[], at: readonly number[], aads: readonly string[]): OpenedColumns {
    const n = texts.length;
    const dataAt = new Int32Array(n + 1);
    const ivAt = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const s = texts[i] as string;
      const k = 6 * i;
      dataAt[i + 1] = (dataAt[i] as number) + base64LengthAt(s, at[k] as number, at[k + 1] as number);
      ivAt[i + 1] = (ivAt[i] as number) + base64LengthAt(s, at[k + 2] as number, at[k + 3] as number);
    }
    const data = Buffer.alloc(dataAt[n] as number);
    const ivBytes = Buffer.alloc(ivAt[n] as number);
    const tagBytes = Buffer.alloc(n * BLOCK);
    for (let i = 0; i < n; i++) {
      const s = texts[i] as string;
      const k = 6 * i;
      decodeBase64At(s, at[k] as number, at[k + 1] as number, data, dataAt[i] as number);
      decodeBase64At(s, at[k + 2] as number, at[k + 3] as number, ivBytes, ivAt[i] as number);
      // A tag of the wrong length never matches (a 16-byte tag is all GCM here accepts).
      if (base64LengthAt(s, at[k + 4] as number, at[k + 5] as number) !== BLOCK) dataAt[i] = -1 - (dataAt[i] as number);
      else decodeBase64At(s, at[k + 4] as number, at[k + 5] as number, tagBytes, i * BLOCK);
    }
    return this.#openColumns({ bytes: ivBytes, at: ivAt }, aads, data, dataAt, tagBytes);
  }

  #open(ivs: IvColumn, aads: readonly string[], data: Buffer, dataAt: Int32Array, tags: Buffer): (Buffer | null)[] {
    const opened = this.#openColumns(ivs, aads, data, dataAt, tags);
    return aads.map((_, i) => openedValue(opened, i));
  }

  /**
   * What every open shares. Value i's ciphertext is data[dataAt[i], dataAt[i+1]) and its tag
   * tags[16i, 16i+16); a negative dataAt[i] (-1 - start) marks a tag that cannot match.
   */
  #openColumns(ivs: IvColumn, aads: readonly string[], data: Buffer, dataAt: Int32Array, tags: Buffer): OpenedColumns {
    const n = aads.length;
    const startOf = (i: number): number => {
      const at = dataAt[i] as number;
      return at < 0 ? -1 - at : at;
    };
    const at = new Int32Array(n);
    const lengths = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      at[i] = startOf(i);
      lengths[i] = startOf(i + 1) - (at[i] as number);
    }
    const { stream, offsets, input, textAt, runs } = this.#layout(ivs, aads, lengths);
    for (let i = 0; i < n; i++) copyRange(input, textAt[i] as number, data, at[i] as number, lengths[i] as number);
    const expected = this.#ghash(input, runs);
    const plain = Buffer.alloc(data.length);
    this.#arenas.push(plain);
    const ok = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const ks = offsets[i] as number;
      const o = i * BLOCK;
      let diff = (dataAt[i] as number) < 0 ? 1 : 0;
      for (let b = 0; b < BLOCK; b++) diff |= (expected[o + b] as number) ^ (stream[ks + b] as number) ^ (tags[o + b] as number);
      if (diff !== 0) continue;
      ok[i] = 1;
      const p = at[i] as number;
      const len = lengths[i] as number;
      for (let b = 0; b < len; b++) plain[p + b] = (data[p + b] as number) ^ (stream[ks + BLOCK + b] as number);
    }
    stream.fill(0);
    expected.fill(0);
    return { plain, at, lengths, ok };
  }

  /** Zero the key-dependent table and every buffer this batch returned. */
  wipe(): void {
    this.#table.fill(0);
    for (const arena of this.#arenas.splice(0)) arena.fill(0);
  }
}
