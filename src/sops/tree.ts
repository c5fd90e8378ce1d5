/**
 * The format-neutral document model shared by stores (yaml, json, …), the cipher and the MAC.
 * Stores parse text into this tree and render it back; the cipher walks it and replaces leaf
 * values with ENC strings (or back). Order is document order and is significant (MAC, AAD).
 *
 * `origin` is opaque to everyone but the store that created the node: the YAML store keeps its
 * source position/style there so it can render the user's formatting back byte for byte.
 */

/** sops value types, as written in the `type:` field of an ENC value. */
export type SopsType = 'str' | 'int' | 'float' | 'bool' | 'time' | 'bytes' | 'comment';

export type Scalar =
  /** Text. An ENC[...] value in an encrypted document is a 'str' until decrypted. */
  | { readonly type: 'str'; readonly value: string }
  /** Integer, kept as its decimal text so big values survive (JSON/YAML ints beyond 2^53). */
  | { readonly type: 'int'; readonly value: string }
  /** Float, kept as text (the source text when it is Go-ParseFloat compatible, else shortest round trip). */
  | { readonly type: 'float'; readonly value: string }
  | { readonly type: 'bool'; readonly value: boolean }
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
