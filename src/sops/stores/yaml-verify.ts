import type { CommentNode, MapEntry, MapNode, Scalar, TreeNode } from '../tree.js';

/**
 * Exact equality of two trees as the YAML store reads them: keys, order, scalar types and values,
 * and comments (text and place). Structural splices are checked with it against a re-read of their
 * own output, so a layout guess that YAML would read differently is never written.
 */
export function sameDocuments(a: readonly MapNode[], b: readonly MapNode[]): boolean {
  return a.length === b.length && a.every((doc, i) => sameNode(doc, b[i]!));
}

type Item = MapEntry | TreeNode | CommentNode;

function sameItem(a: Item, b: Item): boolean {
  if (a.kind === 'comment') return b.kind === 'comment' && a.text === b.text;
  if (a.kind === 'entry') return b.kind === 'entry' && a.key === b.key && sameNode(a.value, b.value);
  return b.kind !== 'comment' && b.kind !== 'entry' && sameNode(a, b);
}

function sameNode(a: TreeNode, b: TreeNode): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'scalar') return sameScalar(a.scalar, (b as typeof a).scalar);
  const bi = (b as typeof a).items as readonly Item[];
  return a.items.length === bi.length && (a.items as readonly Item[]).every((x, i) => sameItem(x, bi[i]!));
}

function sameScalar(a: Scalar, b: Scalar): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'null') return true;
  return a.value === (b as { value: unknown }).value;
}
