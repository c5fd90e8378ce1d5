import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EncodedKeyword, KeywordSource } from './encoded-keywords.js';
import type { KeywordTable } from './keywords.js';
import { packageRoot } from './package-root.js';

/**
 * The shipped rules' keyword automaton and encoded keywords, worked out by the build and stored as
 * dist/keywords.bin: working them out at start-up cost ~20 ms of a ~300 ms pre-commit scan. The
 * file names what it was made from (a hash of the rules' keywords and the text they are derived
 * from), so for any other set of rules, a stale file, or one of another format or byte order, they
 * are simply worked out afresh.
 */

export const PREBUILT_KEYWORDS = join('dist', 'keywords.bin');

/** 'SGKW' as a little-endian word: read back on a machine of the other byte order, it does not match. */
const MAGIC = 0x574b4753;
const VERSION = 1;
const HEADER_WORDS = 8;
const KEY_BYTES = 32;

export interface PrebuiltKeywords {
  readonly derived: readonly EncodedKeyword[];
  readonly table: KeywordTable;
}

/** What the automaton is made from: the rules' own keywords in id order, and what encoded forms are derived from. */
export function keywordsKey(keywords: readonly string[], sources: readonly KeywordSource[]): Buffer {
  return createHash('sha256').update(JSON.stringify([keywords, sources])).digest();
}

export function encodePrebuiltKeywords(key: Buffer, prebuilt: PrebuiltKeywords): Buffer {
  const { table } = prebuilt;
  const meta = Buffer.from(JSON.stringify({ patterns: table.patterns, derived: prebuilt.derived }), 'utf8');
  const metaRoom = (meta.length + 3) & ~3;
  const header = Int32Array.from([MAGIC, VERSION, table.shift, table.firstOutputRow, table.dense.length, table.outputStarts.length, table.outputIds.length, meta.length]);
  return Buffer.concat([
    Buffer.from(header.buffer),
    key,
    meta,
    Buffer.alloc(metaRoom - meta.length),
    Buffer.from(table.classes.buffer, table.classes.byteOffset, 256),
    Buffer.from(table.dense.buffer, table.dense.byteOffset, table.dense.byteLength),
    Buffer.from(table.outputStarts.buffer, table.outputStarts.byteOffset, table.outputStarts.byteLength),
    Buffer.from(table.outputIds.buffer, table.outputIds.byteOffset, table.outputIds.byteLength),
  ]);
}

/** What `file` holds when it was made for `key` and reads back whole; undefined otherwise. */
export function decodePrebuiltKeywords(file: Buffer, key: Buffer): PrebuiltKeywords | undefined {
  const headerBytes = HEADER_WORDS * 4;
  if (file.length < headerBytes + KEY_BYTES + 256) return undefined;
  // The tables are viewed in place, which needs 4-byte alignment.
  const bytes = file.byteOffset % 4 === 0 ? file : Buffer.from(file);
  const header = new Int32Array(bytes.buffer, bytes.byteOffset, HEADER_WORDS);
  const [magic, version, shift, firstOutputRow, denseLength, startsLength, idsLength, metaLength] = Array.from(header);
  if (magic !== MAGIC || version !== VERSION) return undefined;
  if (!bytes.subarray(headerBytes, headerBytes + KEY_BYTES).equals(key)) return undefined;
  if (!(shift >= 0 && shift <= 7 && denseLength >= 0 && startsLength >= 1 && idsLength >= 0 && metaLength >= 0)) return undefined;
  const metaAt = headerBytes + KEY_BYTES;
  const classesAt = metaAt + ((metaLength + 3) & ~3);
  const denseAt = classesAt + 256;
  const startsAt = denseAt + denseLength * 4;
  const idsAt = startsAt + startsLength * 4;
  if (idsAt + idsLength * 4 !== bytes.length) return undefined;
  try {
    const meta = JSON.parse(bytes.toString('utf8', metaAt, metaAt + metaLength)) as { patterns: string[]; derived: EncodedKeyword[] };
    // The entries themselves are trusted as the rest of dist/ is: checking each one cost more than
    // the file saves (a cold loop over 250,000 of them), and the key already rules out a stale file.
    const table: KeywordTable = {
      patterns: meta.patterns,
      shift,
      classes: new Uint8Array(bytes.buffer, bytes.byteOffset + classesAt, 256),
      dense: new Int32Array(bytes.buffer, bytes.byteOffset + denseAt, denseLength),
      firstOutputRow,
      outputStarts: new Int32Array(bytes.buffer, bytes.byteOffset + startsAt, startsLength),
      outputIds: new Int32Array(bytes.buffer, bytes.byteOffset + idsAt, idsLength),
    };
    return { derived: meta.derived, table };
  } catch {
    return undefined;
  }
}

/** The build's prebuilt keywords, when they were made for `key`. */
export function readPrebuiltKeywords(key: Buffer): PrebuiltKeywords | undefined {
  let file: Buffer;
  try {
    file = readFileSync(join(packageRoot(), PREBUILT_KEYWORDS));
  } catch {
    // A run from source, or a build without the file: worked out at start-up instead.
    return undefined;
  }
  return decodePrebuiltKeywords(file, key);
}
