import type { CommentNode, ListNode, MapEntry, MapNode, Scalar, TreeNode } from '../tree.js';
import { goFormatFloat, resolvePlain } from './yaml-resolve.js';
import { renderBlock, renderDoubleQuoted, renderKey, renderPlainString, renderPlainTyped, renderSingleQuoted, type Context } from './yaml-render.js';

/**
 * Renders a tree that has no source text behind it the way sops (go-yaml v3, indent 4) writes it:
 * 4-space indentation, list items indented under their key, comments on their own lines at the
 * indentation of their container, strings plain when that reads back unchanged, double-quoted when
 * they would otherwise read as another type, literal blocks for multi-line text.
 */

const INDENT = 4;

export function renderFreshDocuments(documents: readonly MapNode[], metadata?: Record<string, unknown>): string {
  const parts = documents.map((root) => {
    const items: (MapEntry | CommentNode)[] = [...root.items];
    if (metadata !== undefined) items.push({ kind: 'entry', key: 'sops', value: plainToTree(metadata) });
    if (!items.some((i) => i.kind === 'entry')) return comments(items, 0) + '{}\n';
    return renderMap(items, 0, 0);
  });
  return parts.join('---\n');
}

/** The `sops:` block alone, lines ending in `eol`. */
export function renderMetadataBlock(metadata: Record<string, unknown>, eol: string): string {
  const text = renderMap([{ kind: 'entry', key: 'sops', value: plainToTree(metadata) }], 0, 0);
  return eol === '\n' ? text : text.replaceAll('\n', eol);
}

/** One subtree on its own, for `decrypt --extract`. */
export function renderFreshValue(node: TreeNode): string {
  switch (node.kind) {
    case 'map':
      return node.items.some((i) => i.kind === 'entry') ? renderMap(node.items, 0, 0) : '{}\n';
    case 'list':
      return node.items.some((i) => i.kind !== 'comment') ? renderList(node.items, 0) : '[]\n';
    case 'scalar':
      return inlineOrBlock(node.scalar, INDENT).replace(/^ /, '');
  }
}

function comments(items: readonly (MapEntry | TreeNode | CommentNode)[], col: number): string {
  return items
    .filter((i): i is CommentNode => i.kind === 'comment')
    .map((c) => ' '.repeat(col) + '#' + c.text.replaceAll('\n', ' ') + '\n')
    .join('');
}

/**
 * Entries at column `col` (the caller hoists comments that would precede a `- ` prefix); `base` is the indentation level their children and block scalars are
 * measured from (the `-` column for a map that is a list item, as go-yaml does it).
 */
function renderMap(items: readonly (MapEntry | CommentNode)[], col: number, base: number, firstPrefix?: string): string {
  let out = '';
  let first = true;
  for (const item of items) {
    const lead = first && firstPrefix !== undefined ? firstPrefix : ' '.repeat(col);
    if (item.kind === 'comment') {
      out += ' '.repeat(col) + '#' + item.text.replaceAll('\n', ' ') + '\n';
      continue;
    }
    out += lead + renderKey(item.key) + ':' + renderChild(item.value, base + INDENT);
    first = false;
  }
  return out;
}

function renderList(items: readonly (TreeNode | CommentNode)[], col: number, firstPrefix?: string): string {
  let out = '';
  let first = true;
  for (const item of items) {
    const lead = first && firstPrefix !== undefined ? firstPrefix : ' '.repeat(col);
    first = false;
    if (item.kind === 'comment') {
      out += lead + '#' + item.text.replaceAll('\n', ' ') + '\n';
      continue;
    }
    if (item.kind === 'map' && item.items.some((i) => i.kind === 'entry')) {
      const leading = item.items.findIndex((i) => i.kind === 'entry');
      out += comments(item.items.slice(0, leading), col);
      out += renderMap(item.items.slice(leading), col + 2, col, lead + '- ');
    } else if (item.kind === 'list' && item.items.some((i) => i.kind !== 'comment')) {
      out += renderList(item.items, col + 2, lead + '- ');
    } else {
      out += lead + '-' + renderChild(item, col + INDENT);
    }
  }
  return out;
}

/** Text after `key:` or `-`, starting with a space or a line break; `childCol` is where nested content goes. */
function renderChild(node: TreeNode, childCol: number): string {
  switch (node.kind) {
    case 'scalar':
      return inlineOrBlock(node.scalar, childCol);
    case 'map':
      if (!node.items.some((i) => i.kind === 'entry')) return ' {}\n' + comments(node.items, childCol);
      return '\n' + renderMap(node.items, childCol, childCol);
    case 'list':
      if (!node.items.some((i) => i.kind !== 'comment')) return ' []\n' + comments(node.items, childCol);
      return '\n' + renderList(node.items, childCol);
  }
}

function inlineOrBlock(s: Scalar, childCol: number): string {
  if (s.type !== 'str') {
    const plain = renderPlainTyped(s);
    return ' ' + (plain ?? renderDoubleQuoted(s.type === 'null' ? '' : String(s.value))) + '\n';
  }
  const v = s.value;
  if (v === '' || resolvePlain(v).type !== 'str') return ' ' + renderDoubleQuoted(v) + '\n';
  if (v.includes('\n')) {
    const block = renderBlock(v, { kind: 'literal', contentIndent: childCol }, '\n') ??
      renderBlock(v, { kind: 'literal', indicator: INDENT, contentIndent: childCol }, '\n');
    if (block) return ' ' + block.header + '\n' + block.content;
    return ' ' + renderDoubleQuoted(v) + '\n';
  }
  return ' ' + (renderPlainString(v, 'block') ?? renderSingleQuoted(v) ?? renderDoubleQuoted(v)) + '\n';
}

/** A scalar after `key:` or `-` (leading space, trailing line break); block scalars put content at `childCol`. */
export function renderScalarChild(s: Scalar, childCol: number): string {
  return inlineOrBlock(s, childCol);
}

/** The text after `key:` for a value whose children go at `childCol` (block layout). */
export function renderBlockChild(node: TreeNode, childCol: number): string {
  return renderChild(node, childCol);
}

/** A scalar on one line (no block scalars), in block or flow context. */
export function renderInlineScalar(s: Scalar, ctx: Context): string {
  if (s.type !== 'str') return renderPlainTyped(s) ?? renderDoubleQuoted(s.type === 'null' ? '' : String(s.value));
  const v = s.value;
  if (v === '' || v.includes('\n') || resolvePlain(v).type !== 'str') return renderDoubleQuoted(v);
  return renderPlainString(v, ctx) ?? renderSingleQuoted(v) ?? renderDoubleQuoted(v);
}

/** A subtree on one line in flow style. */
export function renderFlowValue(node: TreeNode): string {
  switch (node.kind) {
    case 'scalar':
      return renderInlineScalar(node.scalar, 'flow');
    case 'map':
      return `{${node.items
        .filter((i): i is MapEntry => i.kind === 'entry')
        .map((e) => `${renderPlainString(e.key, 'flow') ?? renderDoubleQuoted(e.key)}: ${renderFlowValue(e.value)}`)
        .join(', ')}}`;
    case 'list':
      return `[${node.items.filter((i): i is TreeNode => i.kind !== 'comment').map(renderFlowValue).join(', ')}]`;
  }
}

/** Metadata arrives as plain JSON-like data; render it through the same tree renderer. */
function plainToTree(v: unknown): TreeNode {
  if (Array.isArray(v)) return { kind: 'list', items: v.map(plainToTree) };
  if (v !== null && typeof v === 'object') {
    return {
      kind: 'map',
      items: Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .map(([key, x]) => ({ kind: 'entry' as const, key, value: plainToTree(x) })),
    };
  }
  if (typeof v === 'boolean') return { kind: 'scalar', scalar: { type: 'bool', value: v } };
  if (typeof v === 'number') {
    return Number.isInteger(v)
      ? { kind: 'scalar', scalar: { type: 'int', value: String(v) } }
      : { kind: 'scalar', scalar: { type: 'float', value: goFormatFloat(v) } };
  }
  if (typeof v === 'bigint') return { kind: 'scalar', scalar: { type: 'int', value: v.toString() } };
  if (v === null || v === undefined) return { kind: 'scalar', scalar: { type: 'null' } };
  return { kind: 'scalar', scalar: { type: 'str', value: String(v) } };
}
