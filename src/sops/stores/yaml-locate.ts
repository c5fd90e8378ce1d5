import { Composer, Parser, isAlias, isMap, isScalar, isSeq, Scalar as YamlScalar } from 'yaml';
import type { CST, Document, ParsedNode } from 'yaml';
import type { CommentNode, MapNode, TreeNode } from '../tree.js';
import { CollectionOrigin, CommentOrigin, EntryOrigin } from './yaml-origin.js';
import { trimEnd } from './yaml-alias.js';

/**
 * Where each parse-time entry and list item sits in the source, for structural edits (yaml-reshape.ts).
 * Parse records only what scalar and comment edits need, so this re-reads the source with the
 * `yaml` library and walks it beside the parse-time snapshots (CollectionOrigin), which have the
 * same shape. Only files whose shape changed pay for it.
 */

/** How a value is written after its key or `-`. */
export type ValueSpan =
  /** Nothing written (`key:`), at the end of the indicator. */
  | { readonly kind: 'empty'; readonly start: number; readonly end: number }
  /** A scalar, alias or flow collection: one token (possibly over several lines). */
  | { readonly kind: 'inline'; readonly start: number; readonly end: number }
  /** A block scalar: header on the key line, content below. */
  | { readonly kind: 'blockScalar'; readonly start: number; readonly headerEnd: number; readonly end: number }
  /** A block collection on the lines below; `end` is the end of its last content. */
  | { readonly kind: 'block'; readonly start: number; readonly end: number };

export interface ItemLoc {
  /** Offset of the key, or of the `-`. */
  readonly start: number;
  /** Just after the `:` of a map entry. */
  readonly colonEnd?: number;
  readonly value: ValueSpan;
}

export interface CollLoc {
  readonly flow: boolean;
  /** Column of the members (keys or `-`); undefined for an empty collection. */
  readonly indent?: number;
}

export interface Locations {
  readonly source: string;
  readonly items: ReadonlyMap<unknown, ItemLoc>;
  readonly colls: ReadonlyMap<unknown, CollLoc>;
  /** Indentation habits of the file: a nested map's offset from its key, a list's offset from its key. */
  readonly step: number;
  readonly seqOffset: number;
}

export function locate(source: string, roots: readonly MapNode[]): Locations | undefined {
  const composer = new Composer({ keepSourceTokens: true, schema: 'failsafe', uniqueKeys: false });
  const docs = [...composer.compose(new Parser().parse(source), true, source.length)] as Document.Parsed[];
  if (docs.length !== roots.length) return undefined;
  const w = new Walker(source);
  docs.forEach((doc, i) => {
    const contents = doc.contents as ParsedNode | null;
    if (isMap(contents)) w.map(contents, roots[i]!, true);
  });
  return { source, items: w.items, colls: w.colls, step: w.steps[0] ?? 2, seqOffset: w.seqOffsets[0] ?? w.steps[0] ?? 2 };
}

function snapshotOf(node: unknown): readonly unknown[] | undefined {
  const origin = (node as { origin?: unknown }).origin;
  return origin instanceof CollectionOrigin ? origin.items : undefined;
}

class Walker {
  readonly items = new Map<unknown, ItemLoc>();
  readonly colls = new Map<unknown, CollLoc>();
  readonly steps: number[] = [];
  readonly seqOffsets: number[] = [];

  constructor(readonly source: string) {}

  col(offset: number): number {
    return offset - (this.source.lastIndexOf('\n', offset - 1) + 1);
  }

  map(node: ParsedNode, tree: TreeNode, isRoot: boolean): void {
    if (!isMap(node) || tree.kind !== 'map') return;
    const snap = snapshotOf(tree);
    if (snap === undefined) return;
    const entries = snap.filter((i): i is { kind: 'entry'; origin?: unknown } => (i as { kind: string }).kind === 'entry');
    const pairs = node.items.filter((p) => {
      const key = p.key as ParsedNode | null;
      const value = p.value as ParsedNode | null;
      return !(isRoot && isScalar(key) && String(key.value) === 'sops' && value !== null && !isAlias(value));
    });
    if (pairs.length !== entries.length) return;
    const flow = node.flow === true;
    const first = pairs[0]?.key as ParsedNode | null | undefined;
    const indent = first?.range ? this.col(first.range[0]) : undefined;
    this.colls.set(tree, { flow, indent });
    pairs.forEach((pair, i) => {
      const key = pair.key as ParsedNode | null;
      const value = pair.value as ParsedNode | null;
      if (!key?.range) return;
      const sep = (pair.srcToken as CST.CollectionItem | undefined)?.sep;
      const ind = sep?.find((t) => t.type === 'map-value-ind');
      const colonEnd = ind ? ind.offset + 1 : key.range[1];
      const entry = entries[i]!;
      const parsed = entry.origin instanceof EntryOrigin ? entry.origin.value : undefined;
      this.items.set(entry, { start: key.range[0], colonEnd, value: this.value(value, colonEnd) });
      if (parsed && !flow && value && !isAlias(value) && (isMap(value) || isSeq(value)) && value.flow !== true) {
        const childCol = this.childIndent(value);
        if (childCol !== undefined && indent !== undefined) {
          if (isMap(value) && childCol > indent) this.steps.push(childCol - indent);
          if (isSeq(value) && childCol >= indent) this.seqOffsets.push(childCol - indent);
        }
      }
      if (parsed && value && !isAlias(value)) this.child(value, parsed);
    });
  }

  seq(node: ParsedNode, tree: TreeNode): void {
    if (!isSeq(node) || tree.kind !== 'list') return;
    const snap = snapshotOf(tree);
    if (snap === undefined) return;
    const values = snap.filter((i) => (i as { kind: string }).kind !== 'comment') as TreeNode[];
    if (values.length !== node.items.length) return;
    const flow = node.flow === true;
    const tokens = (node.srcToken as CST.BlockSequence | undefined)?.items;
    const starts = node.items.map((item, i) => {
      const dash = flow ? undefined : tokens?.[i]?.start.find((t) => t.type === 'seq-item-ind');
      return dash?.offset ?? (item as ParsedNode | null)?.range?.[0];
    });
    const indent = starts[0] === undefined ? undefined : this.col(starts[0]);
    this.colls.set(tree, { flow, indent });
    node.items.forEach((item, i) => {
      const start = starts[i];
      if (start === undefined) return;
      const value = item as ParsedNode | null;
      const after = flow ? start : start + 1;
      this.items.set(values[i]!, { start, value: this.value(value, after) });
      if (value && !isAlias(value)) this.child(value, values[i]!);
    });
  }

  child(value: ParsedNode, tree: TreeNode): void {
    if (isMap(value)) this.map(value, tree, false);
    else if (isSeq(value)) this.seq(value, tree);
  }

  childIndent(node: ParsedNode): number | undefined {
    if (isMap(node)) {
      const key = node.items[0]?.key as ParsedNode | null | undefined;
      return key?.range ? this.col(key.range[0]) : undefined;
    }
    if (isSeq(node)) {
      const dash = (node.srcToken as CST.BlockSequence | undefined)?.items[0]?.start.find((t) => t.type === 'seq-item-ind');
      return dash ? this.col(dash.offset) : undefined;
    }
    return undefined;
  }

  value(node: ParsedNode | null, after: number): ValueSpan {
    if (node === null) return { kind: 'empty', start: after, end: after };
    const [start] = node.range;
    if (isScalar(node) && (node.type === YamlScalar.BLOCK_LITERAL || node.type === YamlScalar.BLOCK_FOLDED)) {
      const token = node.srcToken as { props?: { type: string; offset: number; source: string }[] } | undefined;
      const header = token?.props?.find((p) => p.type === 'block-scalar-header');
      if (header) {
        return { kind: 'blockScalar', start: header.offset, headerEnd: header.offset + header.source.length, end: this.end(node) };
      }
    }
    if (isScalar(node) && node.range[0] === node.range[1]) return { kind: 'empty', start: after, end: after };
    if ((isMap(node) || isSeq(node)) && node.flow !== true) return { kind: 'block', start, end: this.end(node) };
    return { kind: 'inline', start, end: this.end(node) };
  }

  /** End of the last content character of a node (trailing comments and blank lines excluded). */
  end(node: ParsedNode | null): number {
    if (node === null) return 0;
    if ((isMap(node) || isSeq(node)) && node.flow !== true) {
      const last = node.items[node.items.length - 1];
      if (last === undefined) return trimEnd(this.source, node.range[0], node.range[1]);
      if (isMap(node)) {
        const pair = last as { key: ParsedNode | null; value: ParsedNode | null; srcToken?: CST.CollectionItem };
        const ind = pair.srcToken?.sep?.find((t) => t.type === 'map-value-ind');
        const keyEnd = ind ? ind.offset + 1 : (pair.key?.range[1] ?? node.range[0]);
        const v = pair.value;
        return v && v.range[1] > v.range[0] ? Math.max(keyEnd, this.end(v)) : keyEnd;
      }
      const v = last as ParsedNode | null;
      const tokens = (node.srcToken as CST.BlockSequence | undefined)?.items;
      const dash = tokens?.[tokens.length - 1]?.start.find((t) => t.type === 'seq-item-ind');
      const dashEnd = dash ? dash.offset + 1 : node.range[0];
      return v && v.range[1] > v.range[0] ? Math.max(dashEnd, this.end(v)) : dashEnd;
    }
    return trimEnd(this.source, node.range[0], node.range[1]);
  }
}

/** The furthest end of a comment that parse placed inside `node` (its snapshot, recursively). */
export function commentsEnd(node: unknown, seen: Set<unknown> = new Set()): number {
  if (seen.has(node)) return -1;
  seen.add(node);
  let max = -1;
  const snap = snapshotOf(node);
  for (const item of snap ?? []) {
    const i = item as CommentNode | { kind: 'entry'; origin?: unknown } | TreeNode;
    if (i.kind === 'comment') {
      if (i.origin instanceof CommentOrigin) max = Math.max(max, i.origin.end);
    } else if (i.kind === 'entry') {
      if (i.origin instanceof EntryOrigin) max = Math.max(max, commentsEnd(i.origin.value, seen));
    } else max = Math.max(max, commentsEnd(i, seen));
  }
  return max;
}
