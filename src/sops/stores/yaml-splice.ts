import type { CommentNode, MapNode, ParsedFile, Scalar, ScalarNode, TreeNode } from '../tree.js';
import { AliasSite, CollectionOrigin, CommentOrigin, EntryOrigin, ScalarOrigin, YamlFileOrigin } from './yaml-origin.js';
import { expandAlias, foldMarker, signature, type Edit } from './yaml-alias.js';
import { renderMetadataBlock } from './yaml-fresh.js';
import {
  readsBackPlainSyntax,
  renderBlock,
  renderDoubleQuoted,
  renderPlainString,
  renderPlainTyped,
  renderSingleQuoted,
} from './yaml-render.js';

/**
 * Renders a parsed file back by copying its source and replacing only what the tree changed:
 * scalar values (in the style they were written in) and comment texts, plus the `sops` block.
 * Returns undefined when the tree's shape no longer matches the source (entries added, removed or
 * replaced by collections); the caller then renders the file afresh.
 */

class ShapeChanged extends Error {}

/** What the collectors share while walking one file. */
interface Walk {
  readonly edits: Edit[];
  readonly eol: string;
  readonly aliases: ReadonlyMap<TreeNode, AliasSite>;
  nextMarker: number;
}

export function emitSpliced(file: ParsedFile, metadata: Record<string, unknown> | undefined): string | undefined {
  const origin = file.origin;
  if (!(origin instanceof YamlFileOrigin)) return undefined;
  if (file.documents.length !== origin.docs.length) return undefined;
  const { source, eol } = origin;
  const edits: Edit[] = [];
  const walk: Walk = { edits, eol, aliases: origin.aliases, nextMarker: origin.nextMarker };
  try {
    origin.docs.forEach((doc, i) => {
      if (file.documents[i] !== doc.root) throw new ShapeChanged();
      if (doc.flowRoot && (metadata !== undefined || doc.sopsRange !== undefined)) throw new ShapeChanged();
      collectMap(doc.root, walk);
    });
  } catch (e) {
    if (e instanceof ShapeChanged) return undefined;
    throw e;
  }

  const block = metadata === undefined ? undefined : renderMetadataBlock(metadata, eol);
  let out = '';
  for (const doc of origin.docs) {
    const docEdits = edits.filter((e) => e.start >= doc.start && e.start < doc.end);
    if (doc.sopsRange) docEdits.push({ start: doc.sopsRange[0], end: doc.sopsRange[1], text: '' });
    let head = apply(source, doc.start, doc.insertAt, docEdits.filter((e) => e.start < doc.insertAt));
    const tail = apply(source, doc.insertAt, doc.end, docEdits.filter((e) => e.start >= doc.insertAt));
    if (block !== undefined) {
      if (head === '' || head.endsWith('\n')) head += block;
      else head += eol + block.slice(0, block.length - eol.length);
    }
    out += head + tail;
  }
  return out;
}

function apply(source: string, start: number, end: number, edits: Edit[]): string {
  edits.sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let pos = start;
  for (const e of edits) {
    if (e.start < pos) throw new Error('overlapping YAML edits');
    out += source.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + source.slice(pos, end);
}

function snapshot(node: { origin?: unknown }): readonly unknown[] {
  if (!(node.origin instanceof CollectionOrigin)) throw new ShapeChanged();
  return node.origin.items;
}

function collectMap(map: MapNode, walk: Walk): void {
  const before = snapshot(map);
  if (before.length !== map.items.length) throw new ShapeChanged();
  map.items.forEach((item, i) => {
    if (item !== before[i]) throw new ShapeChanged();
    if (item.kind === 'comment') return collectComment(item, walk.edits);
    const was = item.origin instanceof EntryOrigin ? item.origin.value : undefined;
    if (item.value === was) return collectValue(item.value, walk);
    if (was?.kind === 'scalar' && item.value.kind === 'scalar') return collectScalar(was, item.value.scalar, walk);
    throw new ShapeChanged();
  });
}

function collectValue(node: TreeNode, walk: Walk): void {
  const site = walk.aliases.get(node);
  if (site === undefined) return collectNode(node, walk);
  const now = signature(node);
  if (now === site.snapshot) return;
  if (site.kind === 'alias') {
    walk.edits.push(...expandAlias(site, node, walk.nextMarker++, walk.eol));
  } else if (site.anchor !== undefined && signature(site.anchor) === now) {
    walk.edits.push(...foldMarker(site));
  } else {
    collectNode(node, walk);
  }
}

function collectNode(node: TreeNode, walk: Walk): void {
  if (node.kind === 'map') return collectMap(node, walk);
  if (node.kind === 'scalar') return collectScalar(node, node.scalar, walk);
  const before = snapshot(node);
  if (before.length !== node.items.length) throw new ShapeChanged();
  node.items.forEach((item, i) => {
    const was = before[i] as TreeNode | CommentNode;
    if (item === was) {
      if (item.kind === 'comment') collectComment(item, walk.edits);
      else collectValue(item, walk);
    } else if (was.kind === 'scalar' && item.kind === 'scalar') collectScalar(was, item.scalar, walk);
    else throw new ShapeChanged();
  });
}

function collectComment(c: CommentNode, edits: Edit[]): void {
  const o = c.origin;
  if (!(o instanceof CommentOrigin)) throw new ShapeChanged();
  if (c.text === o.original) return;
  if (/[\r\n]/.test(c.text)) throw new ShapeChanged();
  edits.push({ start: o.start, end: o.end, text: '#' + c.text });
}

function sameScalar(a: Scalar, b: Scalar): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'null' || b.type === 'null') return true;
  if (a.type === 'bool' && b.type === 'bool') return a.value === b.value && (a.text === undefined || b.text === undefined || a.text === b.text);
  return a.value === (b as { value: unknown }).value;
}

/** `at` is the node that was parsed there (its origin says where and how); `now` is the new value. */
function collectScalar(at: ScalarNode, now: Scalar, walk: Walk): void {
  const { edits, eol } = walk;
  const o = at.origin;
  if (!(o instanceof ScalarOrigin)) {
    if (sameScalar(at.scalar, now) && at.scalar === now) return;
    throw new ShapeChanged();
  }
  if (sameScalar(now, o.original)) return;
  const rendered = renderAt(o, now, eol);
  if (rendered === undefined) throw new ShapeChanged();
  if (typeof rendered === 'string') {
    if (o.block) {
      edits.push({ start: o.block.headerStart, end: o.block.headerEnd, text: rendered });
      edits.push({ start: o.block.contentStart, end: o.block.contentEnd, text: '' });
    } else {
      const start = o.markerStart ?? o.start;
      edits.push({ start, end: o.end, text: o.start === o.end ? ' ' + rendered : rendered });
    }
    return;
  }
  edits.push({ start: o.block!.headerStart, end: o.block!.headerEnd, text: rendered.header });
  edits.push({ start: o.block!.contentStart, end: o.block!.contentEnd, text: rendered.content });
}

/**
 * Chooses the spelling for a changed scalar from the style it was written in. ENC values cannot be
 * plain inside flow collections, so there a plain string is single-quoted while encrypted, a
 * single-quoted string gets a `!!str` marker as well, and on the way back an unmarked
 * single-quoted value is written plain whenever it can be.
 */
function renderAt(o: ScalarOrigin, now: Scalar, eol: string): string | { header: string; content: string } | undefined {
  if (now.type !== 'str') return renderPlainTyped(now);
  const v = now.value;
  const plain = (): string | undefined =>
    o.tagged ? (readsBackPlainSyntax(v, o.ctx) ? v : undefined) : renderPlainString(v, o.ctx);
  if (o.markerStart !== undefined) return renderSingleQuoted(v) ?? renderDoubleQuoted(v);
  if (o.ctx === 'flow' && o.style === 'single' && plain() === undefined && v.startsWith('ENC[')) {
    const single = renderSingleQuoted(v);
    if (single !== undefined) return '!!str ' + single;
  }
  switch (o.style) {
    case 'plain':
    case 'single':
      if (o.ctx === 'flow' || o.style === 'plain') {
        const p = plain();
        if (p !== undefined) return p;
      }
      if (o.ctx === 'flow' || o.style === 'single') return renderSingleQuoted(v) ?? renderDoubleQuoted(v);
      return renderDoubleQuoted(v);
    case 'double':
      return renderDoubleQuoted(v);
    case 'literal':
    case 'folded':
      if (o.block) {
        const b = renderBlock(v, o.block.layout, eol);
        if (b) return b;
      }
      return renderDoubleQuoted(v);
  }
}
