/**
 * The format-neutral document model shared by stores (yaml, json, …), the cipher and the MAC.
 * Stores parse text into this tree and render it back; the cipher walks it and replaces leaf
 * values with ENC strings (or back). Order is document order and is significant (MAC, AAD).
 *
 * `origin` is opaque to everyone but the store that created the node: the YAML store keeps its
 * source position/style there so it can render the user's formatting back byte for byte.
 */
import { Buffer, isUtf8 } from 'node:buffer';

/** sops value types, as written in the `type:` field of an ENC value. */
export type SopsType = 'str' | 'int' | 'float' | 'bool' | 'time' | 'bytes' | 'comment';

export type Scalar =
  /**
   * Text. An ENC[...] value in an encrypted document is a 'str' until decrypted. A value starting
   * with RAW_BYTES_MARK holds bytes that are not valid UTF-8 (see rawBytesText).
   */
  | { readonly type: 'str'; readonly value: string }
  /**
   * Integer as text. Stores keep the source spelling when Go's strconv.Atoi accepts it (e.g. `0644`),
   * else the canonical decimal, so a decrypt of our own encrypt renders the user's spelling back.
   * The plaintext inside ENC is this text; the MAC always hashes the canonical form (see cipher).
   */
  | { readonly type: 'int'; readonly value: string }
  /** Float as text: the source spelling when Go's strconv.ParseFloat accepts it, else Go's 'f' -1 form. Same MAC rule as int. */
  | { readonly type: 'float'; readonly value: string }
  /** `text` is the source spelling (true/True/TRUE …) when the store knows it; sops writes True/False. */
  | { readonly type: 'bool'; readonly value: boolean; readonly text?: string }
  /** Timestamp, kept as RFC 3339 text. */
  | { readonly type: 'time'; readonly value: string }
  | { readonly type: 'null' };

export interface ScalarNode {
  readonly kind: 'scalar';
  scalar: Scalar;
  origin?: unknown;
}

export interface CommentNode {
  readonly kind: 'comment';
  /** Comment text without the leading '#' (sops keeps the text after '#', leading space included). */
  text: string;
  origin?: unknown;
}

export interface MapEntry {
  readonly kind: 'entry';
  readonly key: string;
  value: TreeNode;
  origin?: unknown;
}

export interface MapNode {
  readonly kind: 'map';
  items: (MapEntry | CommentNode)[];
  origin?: unknown;
}

export interface ListNode {
  readonly kind: 'list';
  items: (TreeNode | CommentNode)[];
  origin?: unknown;
}

export type TreeNode = MapNode | ListNode | ScalarNode;

/** One parsed file: one root map per document (YAML may hold several; every other format one). */
export interface ParsedFile {
  readonly documents: MapNode[];
  /** Store-private state needed to render the file back (e.g. the original source text). */
  readonly origin?: unknown;
}

/**
 * Bytes that are not valid UTF-8 (a keystore, an image) travel through the string-based store and
 * tree API as this mark followed by one latin1 char per byte. The mark is a low surrogate: at the
 * start of a string it is a lone one, which neither a UTF-8 nor a latin1 decode can produce, so the
 * form cannot be confused with text.
 */
export const RAW_BYTES_MARK = '\uDFFF';
const RAW_BYTES_MARK_CODE = RAW_BYTES_MARK.charCodeAt(0);

/** The string for `bytes`: their UTF-8 text when valid (a BOM is kept), else the marked latin1 form. */
export function rawBytesText(bytes: Uint8Array): string {
  return rawBytesTextAt(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.byteLength);
}

/** rawBytesText of buf[start, end), without a view on it when the bytes are valid UTF-8. */
export function rawBytesTextAt(buf: Buffer, start: number, end: number): string {
  const text = buf.toString('utf8', start, end);
  // The decoder writes U+FFFD for every invalid sequence, so text without one came from valid
  // UTF-8; text with one may still (a literal U+FFFD), which only the exact check can tell.
  if (!text.includes('\uFFFD') || isUtf8(buf.subarray(start, end))) return text;
  return RAW_BYTES_MARK + buf.toString('latin1', start, end);
}

/** Whether `text` is the marked latin1 form of raw bytes. */
export function isRawBytesText(text: string): boolean {
  // One character code, not startsWith: this runs for every string value of a file.
  return text.charCodeAt(0) === RAW_BYTES_MARK_CODE;
}

/** The exact bytes `text` stands for: the marked form's bytes, else the UTF-8 encoding. */
export function bytesOfText(text: string): Buffer {
  return isRawBytesText(text) ? Buffer.from(text.slice(RAW_BYTES_MARK.length), 'latin1') : Buffer.from(text, 'utf8');
}
