import type { CommentNode, MapEntry, TreeNode } from '../tree.js';
import { renderScalarChild } from './yaml-fresh.js';
import { renderKey } from './yaml-render.js';

/**
 * Renders new entries and items for insertion into a user's block YAML, at the indentation the
 * surrounding file uses (yaml-fresh.ts always uses sops' 4 spaces). Scalars are spelled as sops
 * writes them. Every line ends in `\n`; the caller converts to the file's line ending.
 */

export interface Indents {
  /** Offset of a nested map's keys from its parent key. */
  readonly step: number;
  /** Offset of a nested list's `-` from its parent key (0 allowed: `key:\n- a`). */
  readonly seqOffset: number;
}

const pad = (n: number): string => ' '.repeat(n);

export function renderCommentLine(text: string, col: number): string {
  return pad(col) + '#' + text.replaceAll('\n', ' ') + '\n';
}

export function renderEntryLines(entry: MapEntry, col: number, ind: Indents): string {
  return pad(col) + renderKey(entry.key) + ':' + renderAfterKey(entry.value, col, ind);
}

/** Text after `key:` at column `keyCol`: ` value\n`, or a line break and the nested lines. */
export function renderAfterKey(node: TreeNode, keyCol: number, ind: Indents): string {
  switch (node.kind) {
    case 'scalar':
      return renderScalarChild(node.scalar, keyCol + ind.step);
    case 'map':
      if (!node.items.some((i) => i.kind === 'entry')) return ' {}\n' + comments(node.items, keyCol + ind.step);
      return '\n' + mapLines(node.items, keyCol + ind.step, ind);
    case 'list':
      if (!node.items.some((i) => i.kind !== 'comment')) return ' []\n' + comments(node.items, keyCol + ind.step);
      return '\n' + listLines(node.items, keyCol + ind.seqOffset, ind);
  }
}

export function renderItemLines(node: TreeNode | CommentNode, col: number, ind: Indents): string {
  if (node.kind === 'comment') return renderCommentLine(node.text, col);
  if (node.kind === 'scalar') return pad(col) + '-' + renderScalarChild(node.scalar, col + Math.max(2, ind.step));
  const nested = node.kind === 'map' ? node.items.some((i) => i.kind === 'entry') : node.items.some((i) => i.kind !== 'comment');
  if (!nested) return pad(col) + '-' + (node.kind === 'map' ? ' {}\n' : ' []\n') + comments(node.items, col + 2);
  // Comments before the first entry or item go above the `-`, as go-yaml writes them.
  const lead = node.items.findIndex((i) => i.kind !== 'comment');
  const body = node.kind === 'map' ? mapLines(node.items.slice(lead) as (MapEntry | CommentNode)[], col + 2, ind) : listLines(node.items.slice(lead) as (TreeNode | CommentNode)[], col + 2, ind);
  return comments(node.items.slice(0, lead), col) + pad(col) + '- ' + body.slice(col + 2);
}

function mapLines(items: readonly (MapEntry | CommentNode)[], col: number, ind: Indents): string {
  return items.map((i) => (i.kind === 'comment' ? renderCommentLine(i.text, col) : renderEntryLines(i, col, ind))).join('');
}

function listLines(items: readonly (TreeNode | CommentNode)[], col: number, ind: Indents): string {
  return items.map((i) => renderItemLines(i, col, ind)).join('');
}

function comments(items: readonly (MapEntry | TreeNode | CommentNode)[], col: number): string {
  return items
    .filter((i): i is CommentNode => i.kind === 'comment')
    .map((c) => renderCommentLine(c.text, col))
    .join('');
}
