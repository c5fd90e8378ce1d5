import type { Scalar, TreeNode } from '../tree.js';
import type { AliasSite } from './yaml-origin.js';
import { renderBlockChild, renderFlowValue, renderInlineScalar } from './yaml-fresh.js';

/**
 * How aliases survive encryption in a form sops can read (see AliasSite): the marker anchors an
 * encrypted copy carries, and the text edits that write a copy out or fold it back into `*name`.
 */

export interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const MARKER = /^sgalias(x?)-(\d+)-(.+)$/;
/** go-yaml reads anchor names of these characters only. */
const SAFE_NAME = /^[A-Za-z0-9_-]+$/;

/** The marker anchor for the `n`-th expanded alias of `name`. Other names are hex-encoded. */
export function markerAnchor(n: number, name: string): string {
  return SAFE_NAME.test(name) ? `sgalias-${n}-${name}` : `sgaliasx-${n}-${Buffer.from(name, 'utf8').toString('hex')}`;
}

/** The marker's number and the anchor it stands for, or undefined for an ordinary anchor. */
export function parseMarker(anchor: string): { n: number; name: string } | undefined {
  const m = MARKER.exec(anchor);
  if (!m) return undefined;
  const name = m[1] === 'x' ? Buffer.from(m[3]!, 'hex').toString('utf8') : m[3]!;
  return { n: Number(m[2]), name };
}

function scalarSignature(s: Scalar): string {
  return s.type === 'null' ? 'null' : `${s.type}:${JSON.stringify(String(s.value))}`;
}

/** The values of a subtree (comments and layout ignored), as one comparable string. */
export function signature(node: TreeNode): string {
  switch (node.kind) {
    case 'scalar':
      return scalarSignature(node.scalar);
    case 'map':
      return `{${node.items.map((i) => (i.kind === 'entry' ? `${JSON.stringify(i.key)}=${signature(i.value)}` : '')).join(',')}}`;
    case 'list':
      return `[${node.items.map((i) => (i.kind === 'comment' ? '' : signature(i))).join(',')}]`;
  }
}

function isEmptyCollection(node: TreeNode): boolean {
  if (node.kind === 'map') return !node.items.some((i) => i.kind === 'entry');
  if (node.kind === 'list') return !node.items.some((i) => i.kind !== 'comment');
  return false;
}

/**
 * Edits that replace `*name` with the copy under a marker anchor. Block collections start on the
 * next line, so whatever followed the alias on its line (a comment) stays on the anchor's line.
 */
export function expandAlias(site: AliasSite, node: TreeNode, n: number, eol: string): Edit[] {
  const anchor = '&' + markerAnchor(n, site.name);
  if (node.kind === 'scalar') return [{ start: site.start, end: site.end, text: `${anchor} ${renderInlineScalar(node.scalar, site.ctx)}` }];
  if (site.ctx === 'flow' || isEmptyCollection(node)) return [{ start: site.start, end: site.end, text: `${anchor} ${renderFlowValue(node)}` }];
  const body = renderBlockChild(node, site.col + 4).replace(/\n$/, '');
  return [
    { start: site.start, end: site.end, text: anchor },
    { start: site.lineEnd, end: site.lineEnd, text: eol === '\n' ? body : body.replaceAll('\n', eol) },
  ];
}

/** Edits that fold a marked copy back into `*name`. */
export function foldMarker(site: AliasSite): Edit[] {
  const alias = '*' + site.name;
  if (!site.blockCollection) return [{ start: site.start, end: site.valueEnd, text: alias }];
  return [
    { start: site.start, end: site.end, text: alias },
    { start: site.lineEnd, end: site.valueEnd, text: '' },
  ];
}

/** End of the line holding `offset`, before its line break. */
export function lineEndAt(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  if (nl === -1) return text.length;
  return text[nl - 1] === '\r' ? nl - 1 : nl;
}

/** `end` moved back over trailing whitespace and line breaks, not before `floor`. */
export function trimEnd(text: string, floor: number, end: number): number {
  let e = end;
  while (e > floor && /\s/.test(text[e - 1]!)) e--;
  return e;
}
