import type { ParsedFile, TreeNode } from '../tree.js';
import type { Store } from './types.js';
import { parseYaml } from './yaml-parse.js';
import { emitSpliced } from './yaml-splice.js';
import { renderFreshDocuments, renderFreshValue } from './yaml-fresh.js';

/**
 * The SOPS YAML store. A file parsed here renders back byte for byte: emit copies the source and
 * re-renders only the scalars and comments the tree changed (encrypting `key: "v"` gives
 * `key: "ENC[…]"`, decrypting gives `key: "v"` back), removes the parsed `sops` block and appends
 * the new one at the end of every document, as sops does. Entries added or removed in block
 * collections are spliced in or cut out as whole lines (yaml-reshape.ts). A tree built in code, or
 * a change the splice cannot express (reordering, flow collections), is rendered in sops' own
 * layout instead. Anchors and aliases: see yaml-parse.ts.
 */
export const yamlStore: Store = {
  format: 'yaml',
  parse: parseYaml,
  emit(file: ParsedFile, metadata?: Record<string, unknown>): string {
    return emitSpliced(file, metadata) ?? renderFreshDocuments(file.documents, metadata);
  },
  emitValue(node: TreeNode): string {
    return renderFreshValue(node);
  },
};
