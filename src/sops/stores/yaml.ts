import type { ParsedFile, TreeNode } from '../tree.js';
import type { Store } from './types.js';
import { metadataOfBlock, parseYaml } from './yaml-parse.js';
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
  peekMetadata(text: string): Record<string, unknown> | undefined {
    const region = lastSopsBlock(text);
    if (region === undefined) return undefined;
    try {
      return metadataOfBlock(region);
    } catch {
      return undefined;
    }
  },
};

/**
 * The last root-level `sops:` block of `text`, where sops and sealguard write it: from its line
 * through the last indented line with content before the next line that starts at column 0 (the
 * same lines the parse hands to metadataOfBlock). Undefined when there is none.
 */
function lastSopsBlock(text: string): string | undefined {
  const start = text.lastIndexOf('\nsops:') + 1;
  if (start === 0 && !text.startsWith('sops:')) return undefined;
  const after = text.charCodeAt(start + 5);
  if (after !== 10 && after !== 13 && after !== 32 && !Number.isNaN(after)) return undefined;
  let lineEnd = text.indexOf('\n', start);
  let last = lineEnd;
  while (lineEnd !== -1 && lineEnd + 1 < text.length) {
    const from = lineEnd + 1;
    const c = text.charCodeAt(from);
    if (c !== 32 && c !== 10 && c !== 13) break;
    lineEnd = text.indexOf('\n', from);
    const to = lineEnd === -1 ? text.length : lineEnd;
    if (text.slice(from, to).trim() !== '') last = to;
  }
  if (last === -1) return undefined;
  return text.slice(start, last < text.length ? last + 1 : last);
}
