/** Small builders and inspectors for parsed-file trees in cipher tests. */
import type { CommentNode, ListNode, MapEntry, MapNode, ParsedFile, Scalar, ScalarNode, TreeNode } from '../../../src/sops/tree.js';

export const map = (...items: (MapEntry | CommentNode)[]): MapNode => ({ kind: 'map', items });
export const entry = (key: string, value: TreeNode): MapEntry => ({ kind: 'entry', key, value });
export const list = (...items: (TreeNode | CommentNode)[]): ListNode => ({ kind: 'list', items });
export const comment = (text: string): CommentNode => ({ kind: 'comment', text });
export const scalar = (s: Scalar): ScalarNode => ({ kind: 'scalar', scalar: s });
export const str = (value: string): ScalarNode => scalar({ type: 'str', value });
export const file = (...documents: MapNode[]): ParsedFile => ({ documents });

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Every scalar node and comment in document order, with its key path. */
export function leaves(f: ParsedFile): { path: string; node: ScalarNode | CommentNode }[] {
  const out: { path: string; node: ScalarNode | CommentNode }[] = [];
  const walk = (node: TreeNode | CommentNode, path: string[]): void => {
    if (node.kind === 'comment' || node.kind === 'scalar') out.push({ path: path.join(':') + ':', node });
    else if (node.kind === 'list') node.items.forEach((i) => walk(i, path));
    else node.items.forEach((i) => (i.kind === 'entry' ? walk(i.value, [...path, i.key]) : walk(i, path)));
  };
  f.documents.forEach((d) => walk(d, []));
  return out;
}

/** The node at a path of keys and list indices (list indices count non-comment items). */
export function at(f: ParsedFile, ...path: (string | number)[]): TreeNode {
  let node: TreeNode = f.documents[0] as MapNode;
  for (const step of path) {
    if (node.kind === 'list' && typeof step === 'number') {
      node = node.items.filter((i): i is TreeNode => i.kind !== 'comment')[step] as TreeNode;
    } else if (node.kind === 'map') {
      const found: MapEntry | undefined = node.items.find((i): i is MapEntry => i.kind === 'entry' && i.key === step);
      if (!found) throw new Error(`no key ${String(step)}`);
      node = found.value;
    } else {
      throw new Error('path does not fit the tree');
    }
  }
  return node;
}

export function scalarAt(f: ParsedFile, ...path: (string | number)[]): Scalar {
  const node = at(f, ...path);
  if (node.kind !== 'scalar') throw new Error('not a scalar');
  return node.scalar;
}

export function textAt(f: ParsedFile, ...path: (string | number)[]): string {
  const s = scalarAt(f, ...path);
  if (s.type === 'null' || s.type === 'bool') throw new Error('no text');
  return s.value;
}
