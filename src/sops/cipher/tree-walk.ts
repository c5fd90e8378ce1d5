/**
 * Document-order walk over a parsed file, as sops' walkBranch/walkSlice does it: every non-null
 * scalar and every comment, with the mapping-key path (list indices are not part of it) and the
 * comment stack used by the comment selectors.
 */
import type { CommentNode, ListNode, MapNode, ParsedFile, ScalarNode, TreeNode } from '../tree.js';
import type { CommentStack } from './selector.js';

/** `aad` is `aadOf(path)`, built incrementally. `path` is valid only during the call: the walk reuses one array. */
export interface LeafVisitor {
  scalar(node: ScalarNode, path: readonly string[], comments: CommentStack, aad: string): void;
  /** Returns the comment's plaintext, which later selections on this level look at. */
  comment(node: CommentNode, path: readonly string[], comments: CommentStack, aad: string): string;
}

/** Authenticated data of a leaf: the path's keys joined by ':' plus a trailing ':' (top level: ':'). */
export function aadOf(path: readonly string[]): string {
  return path.join(':') + ':';
}

export function walkFile(file: ParsedFile, visitor: LeafVisitor): void {
  for (const doc of file.documents) walkContainer(doc, [], '', [], visitor);
}

/**
 * `path` is one array for the whole walk, pushed and popped. `prefix` is the path's keys each
 * followed by ':' (aadOf(path), except '' for the empty path).
 */
function walkContainer(node: MapNode | ListNode, path: string[], prefix: string, stack: string[][], visitor: LeafVisitor): void {
  const aad = path.length === 0 ? ':' : prefix;
  const level: string[] = [];
  stack.push(level);
  const items: readonly (MapNode['items'][number] | ListNode['items'][number])[] = node.items;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as MapNode['items'][number] | ListNode['items'][number];
    if (item.kind === 'comment') {
      level.push(visitor.comment(item, path, stack, aad));
      continue;
    }
    if (item.kind === 'entry') {
      path.push(item.key);
      walkNode(item.value, path, prefix + item.key + ':', stack, visitor);
      path.pop();
    } else walkNode(item, path, prefix, stack, visitor);
    // Comments govern only the key or item that follows them.
    level.length = 0;
  }
  stack.pop();
}

function walkNode(node: TreeNode, path: string[], prefix: string, stack: string[][], visitor: LeafVisitor): void {
  if (node.kind === 'scalar') {
    // sops leaves nulls alone: not encrypted and not part of the MAC.
    if (node.scalar.type !== 'null') visitor.scalar(node, path, stack, path.length === 0 ? ':' : prefix);
    return;
  }
  walkContainer(node, path, prefix, stack, visitor);
}
