import type { ParsedFile, TreeNode } from '../tree.js';

export type StoreFormat = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';

export interface StoreParseResult {
  /** The data, without the `sops` metadata. */
  readonly file: ParsedFile;
  /**
   * The raw `sops` metadata as the nested plain object sops writes in YAML/JSON (flattened stores
   * un-flatten it), or undefined when the file has none (a plaintext file).
   */
  readonly metadata?: Record<string, unknown>;
}

/**
 * One file format. Stores know nothing of keys or ciphers: they turn text into a tree and back.
 * `parse` throws SealguardError('INVALID_INPUT', …, exit 2) on malformed input with a position,
 * never echoing values.
 */
export interface Store {
  readonly format: StoreFormat;
  parse(text: string): StoreParseResult;
  /** Render the tree, with the metadata block appended last when given (sops layout for the format). */
  emit(file: ParsedFile, metadata?: Record<string, unknown>): string;
  /** Render one subtree on its own, for `decrypt --extract` on a non-scalar. */
  emitValue(node: TreeNode): string;
  /**
   * The metadata `parse` will most likely return, found without reading the data (undefined when
   * it cannot tell cheaply), so the data key can be recovered while the file is parsed. Only a
   * hint: the caller compares it with what `parse` returns.
   */
  peekMetadata?(text: string): Record<string, unknown> | undefined;
}
