import type { CommentNode, ListNode, MapEntry, MapNode, TreeNode } from '../tree.js';
import { CommentOrigin } from './yaml-origin.js';
import type { SourceLines } from './yaml-lines.js';

/**
 * Where comments go in the tree. sops (go-yaml v3) attaches each comment to a node as a head, line
 * or foot comment, then lists it in the map or list holding that node, before the node for head
 * and line comments and after it for foot comments. The enclosing map's path is the comment's
 * authenticated data, so the container must match sops exactly; within a container, source order.
 *
 * Rules, mirroring go-yaml's indentation-based attachment:
 * - inside a flow collection: that collection;
 * - after content on the same line: the innermost entry or item starting before it on that line
 *   (go-yaml's line comment), placed just before that entry;
 * - on its own line: if the next entry is not less indented than the comment, the next entry's
 *   container (head comment); otherwise the deepest still-open block collection whose indentation
 *   is at most the comment's column (foot comment of its last entry).
 */

export interface Member {
  readonly start: number;
  /** 0-based column of the key or `-`. */
  readonly col: number;
  readonly coll: Coll;
  /** Undefined for members left out of the tree (aliases, the `sops` entry). */
  item?: MapEntry | TreeNode;
}

export interface Coll {
  readonly tree: MapNode | ListNode;
  readonly parent?: Coll;
  readonly flow: boolean;
  indent: number;
  readonly start: number;
  readonly end: number;
  readonly members: Member[];
}

export interface RawComment {
  readonly offset: number;
  readonly source: string;
}

type SortKey = readonly [number, number, number];

export function commentFromSource(raw: RawComment): CommentNode {
  const text = raw.source.slice(1).replace(/[ \t\r]+$/, '');
  return { kind: 'comment', text, origin: new CommentOrigin(raw.offset, raw.offset + 1 + text.length, text) };
}

/** Fill every collection's `items` with its members and the comments that belong to it. */
export function placeComments(
  lines: SourceLines,
  colls: readonly Coll[],
  members: readonly Member[],
  comments: readonly RawComment[],
  skip: readonly [number, number] | undefined,
): void {
  const root = colls[0]!;
  // Only collections that receive a comment need a sort; the others keep their members' order.
  const placed = new Map<Coll, { key: SortKey; node: MapEntry | TreeNode | CommentNode }[]>();
  const add = (coll: Coll, key: SortKey, node: MapEntry | TreeNode | CommentNode): void => {
    let list = placed.get(coll);
    if (!list) {
      list = [];
      for (const m of coll.members) if (m.item !== undefined) list.push({ key: [m.start, 1, 0], node: m.item });
      placed.set(coll, list);
    }
    list.push({ key, node });
  };

  // Sorting every member only pays when there is a comment to place (most big files have few).
  const block = comments.length === 0 ? [] : members.filter((m) => !m.coll.flow).sort((a, b) => a.start - b.start);
  const flows = comments.length === 0 ? [] : colls.filter((c) => c.flow);

  for (const raw of comments) {
    const off = raw.offset;
    if (skip && off >= skip[0] && off < skip[1]) continue;
    const node = commentFromSource(raw);
    const inFlow = flows.filter((c) => c.start < off && off < c.end).sort((a, b) => b.start - a.start)[0];
    if (inFlow) {
      add(inFlow, [off, 0, off], node);
      continue;
    }
    const prevIndex = lastIndexBefore(block, off);
    const prev = prevIndex >= 0 ? block[prevIndex] : undefined;
    if (!lines.startsLine(off)) {
      if (prev) add(prev.coll, [prev.start, 0, off], node);
      else add(root, [off, 0, off], node);
      continue;
    }
    const next = block[prevIndex + 1];
    add(fullLineContainer(root, prev, next, lines.col(off)), [off, 0, off], node);
  }

  for (const coll of colls) {
    const list = placed.get(coll);
    if (list === undefined) {
      const items: (MapEntry | TreeNode)[] = [];
      // Indexed loops here and in the other per-value walks: a for-of allocates an iterator result
      // per step until the loop is optimised, which a 20,000-value file's one pass rarely reaches.
      const members = coll.members;
      for (let i = 0; i < members.length; i++) {
        const m = members[i] as Member;
        if (m.item !== undefined) items.push(m.item);
      }
      coll.tree.items = items as never;
      continue;
    }
    list.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2]);
    coll.tree.items = list.map((x) => x.node) as never;
  }
}

function fullLineContainer(root: Coll, prev: Member | undefined, next: Member | undefined, col: number): Coll {
  if (!prev) return next?.coll ?? root;
  const chain: Coll[] = [];
  for (let c: Coll | undefined = prev.coll; c; c = c.parent) chain.push(c);
  if (next && !chain.includes(next.coll)) return next.coll;
  if (next && col <= next.col) return next.coll;
  for (const c of chain) {
    if (c.indent <= col) return c;
    if (next && c === next.coll) return c;
  }
  return next?.coll ?? root;
}

function lastIndexBefore(sorted: readonly Member[], offset: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.start < offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
