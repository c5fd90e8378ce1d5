import type { CommentNode, ListNode, MapEntry, MapNode, ParsedFile, Scalar, ScalarNode, TreeNode } from '../tree.js';
import { AliasSite, CommentOrigin, EntryOrigin, ScalarOrigin, YamlFileOrigin } from './yaml-origin.js';
import { expandAlias, foldMarker, signature, type Edit } from './yaml-alias.js';
import { renderMetadataBlock } from './yaml-fresh.js';
import { locate, type Locations } from './yaml-locate.js';
import { becameEmpty, replaceValue, reshapeCollection, ShapeChanged, snapshotItems, type Reshape } from './yaml-reshape.js';
import { parseYaml } from './yaml-parse.js';
import { sameDocuments } from './yaml-verify.js';
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
 * Entries and items added, removed or replaced in block collections are spliced in or cut out as
 * whole lines (yaml-reshape.ts); such output is read back and must give the same tree.
 * Returns undefined when the source cannot take the change (flow collections, reordered entries,
 * a splice that would read back differently); the caller then renders the file afresh.
 */

/** What the collectors share while walking one file. */
interface Walk {
  edits: Edit[];
  readonly eol: string;
  readonly aliases: ReadonlyMap<TreeNode, AliasSite>;
  nextMarker: number;
  /** Entry and item positions, read from the source the first time a shape change needs them. */
  readonly locations: () => Locations;
  /** Whether a structural edit was made (the output is then checked by reading it back). */
  structural: boolean;
}

export function emitSpliced(file: ParsedFile, metadata: Record<string, unknown> | undefined): string | undefined {
  const origin = file.origin;
  if (!(origin instanceof YamlFileOrigin)) return undefined;
  if (file.documents.length !== origin.docs.length) return undefined;
  const { source, eol } = origin;
  const perDoc: Edit[][] = origin.docs.map(() => []);
  let located: Locations | undefined;
  const locations = (): Locations => {
    located ??= locate(source, origin.docs.map((d) => d.root));
    if (located === undefined) throw new ShapeChanged();
    return located;
  };
  const walk: Walk = { edits: [], eol, aliases: origin.aliases, nextMarker: origin.nextMarker, locations, structural: false };
  let out = '';
  try {
    origin.docs.forEach((doc, i) => {
      if (file.documents[i] !== doc.root) throw new ShapeChanged();
      if (doc.flowRoot && (metadata !== undefined || doc.sopsRange !== undefined)) throw new ShapeChanged();
      walk.edits = perDoc[i]!;
      collectMap(doc.root, walk);
    });

    const block = metadata === undefined ? undefined : renderMetadataBlock(metadata, eol);
    origin.docs.forEach((doc, i) => {
      const docEdits = perDoc[i]!;
      if (doc.sopsRange) docEdits.push({ start: doc.sopsRange[0], end: doc.sopsRange[1], text: '' });
      // Text inserted at the very end of the document goes before the new `sops` block.
      const inHead = (e: Edit): boolean => e.start < doc.insertAt || (e.start === doc.insertAt && e.end === e.start);
      let head = apply(source, doc.start, doc.insertAt, docEdits.filter(inHead));
      const tail = apply(source, doc.insertAt, doc.end, docEdits.filter((e) => !inHead(e)));
      if (block !== undefined) {
        if (head === '' || head.endsWith('\n')) head += block;
        else head += eol + block.slice(0, block.length - eol.length);
      }
      out += head + tail;
    });
  } catch (e) {
    if (e instanceof ShapeChanged) return undefined;
    throw e;
  }
  if (walk.structural && !readsBack(out, file)) return undefined;
  return out;
}

function readsBack(out: string, file: ParsedFile): boolean {
  try {
    return sameDocuments(parseYaml(out).file.documents, file.documents);
  } catch {
    return false;
  }
}

function apply(source: string, start: number, end: number, edits: Edit[]): string {
  edits.sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let pos = start;
  for (let i = 0; i < edits.length; i++) {
    const e = edits[i] as Edit;
    if (e.start < pos) throw new ShapeChanged();
    out += source.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + source.slice(pos, end);
}

function snapshot(node: { origin?: unknown }): readonly unknown[] {
  const items = snapshotItems(node);
  if (items === undefined) throw new ShapeChanged();
  return items;
}

function reshaper(walk: Walk): Reshape {
  walk.structural = true;
  return {
    edits: walk.edits,
    eol: walk.eol,
    loc: walk.locations(),
    keep: (item) => {
      if (item.kind === 'comment') collectComment(item, walk.edits);
      else if (item.kind === 'entry') throw new Error('unreachable: entries are kept through collectEntry');
      else collectValue(item, walk);
    },
  };
}

function collectMap(map: MapNode, walk: Walk): void {
  const before = snapshot(map);
  if (before.length !== map.items.length || map.items.some((item, i) => item !== before[i])) {
    const r = reshaper(walk);
    return reshapeCollection(map, before, {
      ...r,
      keep: (item) => (item.kind === 'entry' ? collectEntry(map, item, walk) : r.keep(item)),
    });
  }
  const items = map.items;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as MapEntry | CommentNode;
    if (item.kind === 'comment') collectComment(item, walk.edits);
    else collectEntry(map, item, walk);
  }
}

function collectEntry(map: MapNode, item: MapEntry, walk: Walk): void {
  const was = item.origin instanceof EntryOrigin ? item.origin.value : undefined;
  if (item.value === was) {
    if (!walk.aliases.has(item.value) && mustReplace(item.value, walk)) return replaceValue(map, item, reshaper(walk));
    return collectValue(item.value, walk);
  }
  if (was?.kind === 'scalar' && item.value.kind === 'scalar') return collectScalar(was, item.value.scalar, walk);
  replaceValue(map, item, reshaper(walk));
}

/**
 * A collection kept in place whose text cannot simply be edited line by line: emptied of every
 * entry (written `{}` / `[]`), or written empty in flow style (`[]`) and now holding items.
 */
function mustReplace(node: TreeNode, walk: Walk): boolean {
  if (node.kind === 'scalar') return false;
  if (becameEmpty(node)) return true;
  const before = snapshotItems(node);
  if (before === undefined || before.some((i) => (i as { kind: string }).kind !== 'comment')) return false;
  const items = node.items as readonly unknown[];
  if (before.length === items.length && items.every((x, i) => x === before[i])) return false;
  return walk.locations().colls.get(node)?.flow === true;
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
  const inPlace =
    before.length === node.items.length &&
    node.items.every((item, i) => {
      const was = before[i] as TreeNode | CommentNode;
      return item === was ? item.kind === 'comment' || !becameEmpty(item) : was.kind === 'scalar' && item.kind === 'scalar';
    });
  if (!inPlace) return reshapeCollection(node as ListNode, before, reshaper(walk));
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
