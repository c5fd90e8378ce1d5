import type { CommentNode, ListNode, MapEntry, MapNode, TreeNode } from '../tree.js';
import { CollectionOrigin, CommentOrigin, EntryOrigin } from './yaml-origin.js';
import { lineEndAt, type Edit } from './yaml-alias.js';
import { commentsEnd, type ItemLoc, type Locations } from './yaml-locate.js';
import { renderAfterKey, renderCommentLine, renderEntryLines, renderItemLines, type Indents } from './yaml-insert.js';

/**
 * Text edits for a block collection whose items were added, removed or replaced, so that only the
 * lines of those items change: a removed entry loses its lines (with the comments inside it), a
 * new one is rendered at its siblings' indentation right after the item before it, a replaced
 * value is re-rendered in place. Anything this cannot place (flow collections, reordering, an
 * item with no known position) throws ShapeChanged; the caller then renders the file afresh.
 */

export class ShapeChanged extends Error {}

export interface Reshape {
  readonly edits: Edit[];
  readonly eol: string;
  readonly loc: Locations;
  /** Continue the ordinary walk into a kept map entry, list item or comment. */
  keep(item: MapEntry | TreeNode | CommentNode): void;
}

type Item = MapEntry | TreeNode | CommentNode;

export function snapshotItems(node: unknown): readonly unknown[] | undefined {
  const origin = (node as { origin?: unknown }).origin;
  return origin instanceof CollectionOrigin ? origin.items : undefined;
}

const isValue = (i: unknown): boolean => (i as { kind: string }).kind !== 'comment';

/** A collection that had entries or items when parsed and has none now. */
export function becameEmpty(node: TreeNode): boolean {
  if (node.kind === 'scalar') return false;
  const before = snapshotItems(node);
  return before !== undefined && before.some(isValue) && !(node.items as unknown[]).some(isValue);
}

function lineStart(src: string, p: number): number {
  return src.lastIndexOf('\n', p - 1) + 1;
}

function lineEndIncl(src: string, p: number): number {
  const nl = src.indexOf('\n', p);
  return nl === -1 ? src.length : nl + 1;
}

function blankBefore(src: string, p: number): boolean {
  return src.slice(lineStart(src, p), p).trim() === '';
}

function wsBack(src: string, p: number, floor: number): number {
  while (p > floor && (src[p - 1] === ' ' || src[p - 1] === '\t')) p--;
  return p;
}

function valueNodeOf(item: Item): unknown {
  if (item.kind === 'entry') return item.origin instanceof EntryOrigin ? item.origin.value : undefined;
  return item;
}

/** End (after the line break) of the last line an item's value or its comments occupy. */
function extentEnd(src: string, item: Item, at: ItemLoc): number {
  const node = valueNodeOf(item);
  return lineEndIncl(src, Math.max(at.value.end, node === undefined ? -1 : commentsEnd(node)));
}

function commentOrigin(c: CommentNode): CommentOrigin {
  if (!(c.origin instanceof CommentOrigin)) throw new ShapeChanged();
  return c.origin;
}

/** Indentation for new children of `coll` (members at `col`), taken from its block siblings, else from the file. */
function indentsFor(r: Reshape, coll: MapNode | ListNode, col: number): Indents {
  let step: number | undefined;
  let seqOffset: number | undefined;
  if (coll.kind === 'map') {
    for (const item of snapshotItems(coll) ?? []) {
      const value = valueNodeOf(item as Item) as TreeNode | undefined;
      const child = value && value.kind !== 'scalar' ? r.loc.colls.get(value) : undefined;
      if (!child || child.flow || child.indent === undefined) continue;
      if (value!.kind === 'map' && child.indent > col) step ??= child.indent - col;
      if (value!.kind === 'list' && child.indent >= col) seqOffset ??= child.indent - col;
    }
  }
  step ??= r.loc.step;
  return { step, seqOffset: seqOffset ?? r.loc.seqOffset };
}

function toEol(text: string, eol: string): string {
  return eol === '\n' ? text : text.replaceAll('\n', eol);
}

function insert(r: Reshape, at: number, text: string): void {
  const src = r.loc.source;
  let t = toEol(text, r.eol);
  // At the end of a file without a final line break: break the last line, add none after.
  if (at === src.length && at > 0 && src[at - 1] !== '\n') t = r.eol + t.slice(0, t.length - r.eol.length);
  r.edits.push({ start: at, end: at, text: t });
}

/** Insert rendered lines (first one at `col`) before whatever starts at `p`. */
function insertBefore(r: Reshape, p: number, text: string, col: number): void {
  const src = r.loc.source;
  if (blankBefore(src, p)) return insert(r, lineStart(src, p), text);
  // `p` follows `- ` on its line: the new lines take that place and `p` moves to the next line.
  r.edits.push({ start: p, end: p, text: toEol(text.slice(col) + ' '.repeat(col), r.eol) });
}

export function reshapeCollection(coll: MapNode | ListNode, before: readonly unknown[], r: Reshape): void {
  const src = r.loc.source;
  const info = r.loc.colls.get(coll);
  if (!info || info.flow || info.indent === undefined) throw new ShapeChanged();
  const col = info.indent;
  const items = coll.items as readonly Item[];
  const index = new Map(before.map((x, i) => [x, i] as const));
  const now = new Set<unknown>(items);
  let last = -1;
  for (const item of items) {
    const i = index.get(item);
    if (i === undefined) continue;
    if (i < last) throw new ShapeChanged();
    last = i;
  }
  const at = (item: unknown): ItemLoc => {
    const l = r.loc.items.get(item);
    if (!l) throw new ShapeChanged();
    return l;
  };

  const cuts: [number, number][] = [];
  before.forEach((item, i) => {
    if (now.has(item)) return;
    const it = item as Item;
    if (it.kind === 'comment') {
      const o = commentOrigin(it);
      cuts.push(blankBefore(src, o.start) ? [lineStart(src, o.start), lineEndIncl(src, o.end)] : [wsBack(src, o.start, 0), o.end]);
      return;
    }
    const l = at(it);
    if (blankBefore(src, l.start)) {
      cuts.push([lineStart(src, l.start), extentEnd(src, it, l)]);
      return;
    }
    // First entry of a map that shares its line with `- `: the next entry moves up into its place.
    const next = before.slice(i + 1).find(isValue);
    if (next === undefined || !now.has(next)) throw new ShapeChanged();
    const nextStart = at(next).start;
    cuts.push([l.start, nextStart]);
  });

  const ind = indentsFor(r, coll, col);
  const render = (item: Item): string =>
    item.kind === 'comment'
      ? renderCommentLine(item.text, col)
      : item.kind === 'entry'
        ? renderEntryLines(item, col, ind)
        : renderItemLines(item, col, ind);

  let anchor: number | undefined;
  let pending = '';
  const add = (text: string): void => {
    if (anchor === undefined) pending += text;
    else insert(r, anchor, text);
  };
  items.forEach((item, k) => {
    if (!index.has(item)) return add(render(item));
    if (item.kind === 'comment') {
      const o = commentOrigin(item);
      const cut = cuts.find(([s, e]) => o.start >= s && o.start < e);
      if (cut) {
        // A kept comment that sat on a removed entry's line stays, on a line of its own.
        if (pending) throw new ShapeChanged();
        insert(r, cut[0], renderCommentLine(item.text, col));
        anchor = cut[0];
        return;
      }
      const ownLine = blankBefore(src, o.start);
      const owner = ownLine ? undefined : before.slice(index.get(item)! + 1).find(isValue);
      // A comment at the end of an entry's line belongs to that entry; when something now comes
      // between them, it moves to a line of its own.
      if (!ownLine && items[k + 1] !== owner) {
        cuts.push([wsBack(src, o.start, 0), o.end]);
        return add(renderCommentLine(item.text, col));
      }
      if (pending) {
        if (ownLine) insert(r, lineStart(src, o.start), pending);
        else insertBefore(r, at(owner).start, pending, col);
        pending = '';
      }
      r.keep(item);
      anchor = blankBefore(src, o.start) ? lineEndIncl(src, o.end) : lineStart(src, o.start);
      return;
    }
    const l = at(item);
    if (pending) {
      insertBefore(r, l.start, pending, col);
      pending = '';
    }
    if (item.kind !== 'entry' && becameEmpty(item)) {
      // An item emptied of its contents is written anew where it was.
      if (!blankBefore(src, l.start)) throw new ShapeChanged();
      const span: [number, number] = [lineStart(src, l.start), extentEnd(src, item, l)];
      cuts.push(span);
      insert(r, span[0], render(item));
      anchor = span[1];
      return;
    }
    r.keep(item);
    anchor = extentEnd(src, item, l);
  });
  if (pending) {
    // Nothing kept to place the new items by: they take the place of the first removed one.
    const first = cuts.filter(([s]) => blankBefore(src, s)).sort((a, b) => a[0] - b[0])[0];
    if (first === undefined) throw new ShapeChanged();
    insert(r, first[0], pending);
  }

  cuts.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let end = -1;
  for (const [s, e] of cuts) {
    if (e <= end) continue;
    const start = Math.max(s, end);
    r.edits.push({ start, end: e, text: '' });
    end = e;
  }
}

/** Re-render the value of a kept entry of `coll` whose value was replaced by another node. */
export function replaceValue(coll: MapNode, entry: MapEntry, r: Reshape): void {
  const src = r.loc.source;
  const l = r.loc.items.get(entry);
  const info = r.loc.colls.get(coll);
  if (!l || l.colonEnd === undefined || !info || info.flow) throw new ShapeChanged();
  const colonEnd = l.colonEnd;
  const keyCol = l.start - lineStart(src, l.start);
  const rendered = renderAfterKey(entry.value, keyCol, indentsFor(r, coll, keyCol));
  const nl = rendered.indexOf('\n');
  const first = rendered.slice(0, nl);
  const rest = rendered.slice(nl + 1);
  const restText = rest === '' ? '' : r.eol + toEol(rest.slice(0, -1), r.eol);
  const keyLineEnd = lineEndAt(src, colonEnd);
  const v = l.value;
  let inline: [number, number];
  let block: [number, number] | undefined;
  switch (v.kind) {
    case 'empty':
      inline = [colonEnd, colonEnd];
      break;
    case 'inline':
      inline = [v.start <= keyLineEnd ? wsBack(src, v.start, colonEnd) : colonEnd, v.end];
      break;
    case 'blockScalar':
      inline = [wsBack(src, v.start, colonEnd), v.headerEnd];
      block = [lineEndAt(src, v.headerEnd), v.end];
      break;
    case 'block': {
      const old = entry.origin instanceof EntryOrigin ? commentsEnd(entry.origin.value) : -1;
      inline = [colonEnd, colonEnd];
      block = [keyLineEnd, Math.max(v.end, old)];
      break;
    }
  }
  r.edits.push({ start: inline[0], end: inline[1], text: first });
  if (block) r.edits.push({ start: block[0], end: block[1], text: restText });
  else if (restText) r.edits.push({ start: lineEndAt(src, inline[1]), end: lineEndAt(src, inline[1]), text: restText });
}
