import type { CommentNode, MapNode, Scalar, TreeNode } from '../tree.js';
import type { BlockLayout, Context } from './yaml-render.js';

/**
 * What the YAML store remembers about where each tree node came from, so emit can splice changed
 * values into the original text and copy everything else byte for byte. These objects live in the
 * tree's `origin` fields; nobody outside the YAML store reads them.
 */

export type ScalarStyle = 'plain' | 'single' | 'double' | 'literal' | 'folded';

export interface BlockRanges {
  readonly headerStart: number;
  readonly headerEnd: number;
  readonly contentStart: number;
  readonly contentEnd: number;
  readonly layout: BlockLayout;
}

export class ScalarOrigin {
  constructor(
    /** Source range of the scalar token (quotes included); for block scalars header through content. */
    readonly start: number,
    readonly end: number,
    readonly style: ScalarStyle,
    readonly ctx: Context,
    /** The value as parsed, to tell whether the tree changed it. */
    readonly original: Scalar,
    /** A tag decides the type, so a plain spelling need not resolve to it. */
    readonly tagged: boolean,
    readonly block?: BlockRanges,
    /**
     * Start of a `!!str ` written before a single-quoted ENC value in a flow collection. It marks
     * "single-quoted in the plaintext", since a bare single-quoted ENC there means "was plain".
     */
    readonly markerStart?: number,
  ) {}
}

export class CommentOrigin {
  constructor(
    /** Range of `#text`, trailing whitespace excluded. */
    readonly start: number,
    readonly end: number,
    readonly original: string,
  ) {}
}

/** Snapshot of a collection's items at parse time: any difference is a structural edit. */
export class CollectionOrigin {
  constructor(readonly items: readonly unknown[]) {}
}

export class EntryOrigin {
  constructor(readonly value: TreeNode) {}
}

export interface DocLayout {
  readonly root: MapNode;
  /** Region of the source that belongs to this document. */
  readonly start: number;
  readonly end: number;
  /** Where the `sops` block goes: end of the document, before a `...` marker. */
  readonly insertAt: number;
  /** The parsed `sops` entry, removed on emit. */
  readonly sopsRange?: readonly [number, number];
  /** A flow root map cannot take an appended block key: such files are re-rendered. */
  readonly flowRoot: boolean;
}

/**
 * A value written as an alias (`*name`), or the encrypted stand-in sealguard writes for one.
 *
 * sops expands aliases: each use of an anchored value is a separate copy in its tree, encrypted
 * with its own key path as authenticated data and counted in the MAC. So the tree holds a copy
 * at every alias, and an encrypted file spells each copy out under a marker anchor
 * (`&sgalias-N-name`) that sops ignores; on decrypt a marked copy that still equals its anchor is
 * written back as `*name`.
 */
export class AliasSite {
  constructor(
    /** 'alias': `*name` in the source; 'marker': an expanded copy under a marker anchor. */
    readonly kind: 'alias' | 'marker',
    /** The anchor the alias points at. */
    readonly name: string,
    /** `*name`, or the marker's `&…` token. */
    readonly start: number,
    readonly end: number,
    /** Value signature at parse time: no change means the source text is kept as it is. */
    readonly snapshot: string,
    /** alias: where the copy goes (block or flow) and the owning key's or `-`'s column. */
    readonly ctx: Context,
    readonly col: number,
    /** End of the source line holding `start` (before its line break). */
    readonly lineEnd: number,
    /** marker: end of the expanded value; block collections span the lines after `lineEnd`. */
    readonly valueEnd: number,
    readonly blockCollection: boolean,
    /** marker: the anchored node the copy must equal to be written back as an alias. */
    readonly anchor?: TreeNode,
  ) {}
}

export class YamlFileOrigin {
  constructor(
    readonly source: string,
    readonly eol: string,
    readonly docs: readonly DocLayout[],
    /** Alias copies and marked copies, by tree node. */
    readonly aliases: ReadonlyMap<TreeNode, AliasSite> = new Map(),
    /** First marker number not used in the source. */
    readonly nextMarker: number = 1,
  ) {}
}

export type CommentWithOrigin = CommentNode & { origin: CommentOrigin };
