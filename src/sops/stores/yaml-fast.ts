import type { ListNode, MapEntry, MapNode, ParsedFile, TreeNode } from '../tree.js';
import type { StoreParseResult } from './types.js';
import { CollectionOrigin, EntryOrigin, ScalarOrigin, YamlFileOrigin, type ScalarStyle } from './yaml-origin.js';
import { placeComments, type Coll, type Member, type RawComment } from './yaml-comments.js';
import { SourceLines } from './yaml-lines.js';
import { resolvePlain } from './yaml-resolve.js';

/**
 * A line-by-line reader for the plain block YAML most secrets files are written in: block maps and
 * lists, simple keys, one-line plain or quoted scalars, comments, blank lines, and a trailing
 * `sops:` block. It builds exactly the tree and origins the general reader (yaml-parse.ts) builds,
 * several times faster, and returns undefined at the first thing outside that subset (flow
 * collections, anchors, tags, block scalars, multi-line scalars, several documents …), so the
 * general reader handles it. A property test holds the two readers to the same output.
 */

/** A key the subset accepts: no quoting, spaces or indicators. */
const SIMPLE_KEY = /^[A-Za-z0-9_./$][A-Za-z0-9_./$-]*$/;

class NotSimple extends Error {}

interface Frame {
  readonly coll: Coll;
  readonly kind: 'map' | 'seq';
  /** Column of the keys or dashes. */
  readonly indent: number;
  readonly keys?: Set<string>;
}

/** An entry or list item whose value is on the following lines (or is null). */
interface Pending {
  /** Column of the key or dash that owns the value. */
  readonly indent: number;
  /** Where the value would be a null scalar. */
  readonly nullAt: number;
  readonly parent: Coll;
  readonly set: (value: TreeNode) => void;
}

export function parseYamlFast(
  text: string,
  parseMetadata: (region: string) => Record<string, unknown> | undefined,
): StoreParseResult | undefined {
  try {
    return new FastReader(text, parseMetadata).read();
  } catch (e) {
    if (e instanceof NotSimple) return undefined;
    throw e;
  }
}

class FastReader {
  readonly #text: string;
  readonly #parseMetadata: (region: string) => Record<string, unknown> | undefined;
  readonly #colls: Coll[] = [];
  readonly #members: Member[] = [];
  readonly #comments: RawComment[] = [];
  readonly #stack: Frame[] = [];
  #pending: Pending | undefined;
  /** After an inline scalar: a following content line indented deeper would continue it. */
  #inlineLimit = -1;
  #sopsRange: readonly [number, number] | undefined;
  #metadata: Record<string, unknown> | undefined;

  constructor(text: string, parseMetadata: (region: string) => Record<string, unknown> | undefined) {
    this.#text = text;
    this.#parseMetadata = parseMetadata;
  }

  read(): StoreParseResult {
    const text = this.#text;
    if (text.charCodeAt(0) === 0xfeff) throw new NotSimple();
    const root: MapNode = { kind: 'map', items: [] };
    let pos = 0;
    let sawContent = false;
    while (pos < text.length) {
      let nl = text.indexOf('\n', pos);
      if (nl === -1) nl = text.length;
      const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      let i = pos;
      while (i < end && text.charCodeAt(i) === 32) i++;
      const indent = i - pos;
      if (i < end) {
        const c = text.charCodeAt(i);
        if (c === 9) throw new NotSimple();
        if (c === 35) {
          this.#comments.push({ offset: i, source: text.slice(i, end) });
        } else {
          if (indent === 0 && (c === 45 || c === 46 || c === 37) && /^(?:---|\.\.\.|%)/.test(text.slice(i, i + 3))) throw new NotSimple();
          if (!sawContent) {
            if (indent !== 0) throw new NotSimple();
            this.#openRoot(root, i);
            sawContent = true;
          }
          nl = this.#line(i, indent, end, nl) ?? nl;
        }
      }
      pos = nl + 1;
    }
    if (!sawContent) throw new NotSimple();
    this.#resolvePending();

    const lines = new SourceLines(text);
    placeComments(lines, this.#colls, this.#members, this.#comments, this.#sopsRange);
    for (const c of this.#colls) c.tree.origin = new CollectionOrigin([...c.tree.items]);
    const eol = /\r\n/.test(text) ? '\r\n' : '\n';
    const layout = { root, start: 0, end: text.length, insertAt: text.length, sopsRange: this.#sopsRange, flowRoot: false };
    const file: ParsedFile = { documents: [root], origin: new YamlFileOrigin(text, eol, [layout]) };
    return this.#metadata === undefined ? { file } : { file, metadata: this.#metadata };
  }

  #resolvePending(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.set(this.#nullScalar(pending.nullAt));
  }

  #openRoot(root: MapNode, start: number): void {
    const coll: Coll = { tree: root, flow: false, indent: 0, start, end: this.#text.length, members: [] };
    this.#colls.push(coll);
    this.#stack.push({ coll, kind: 'map', indent: 0, keys: new Set() });
  }

  /**
   * One content line starting at `i` (column `indent`). Returns a new end-of-line offset when it
   * consumed following lines (the `sops` block).
   */
  #line(i: number, indent: number, end: number, nl: number): number | undefined {
    const text = this.#text;
    if (this.#inlineLimit >= 0 && indent > this.#inlineLimit) throw new NotSimple();
    this.#inlineLimit = -1;
    const dash = text.charCodeAt(i) === 45 && (i + 1 === end || text.charCodeAt(i + 1) === 32);

    const pending = this.#pending;
    if (pending) {
      this.#pending = undefined;
      if (indent > pending.indent || (dash && indent === pending.indent && this.#top().kind === 'map')) {
        const frame = this.#open(dash ? 'seq' : 'map', indent, pending.parent, i);
        pending.set(frame.coll.tree);
      } else {
        pending.set(this.#nullScalar(pending.nullAt));
      }
    }
    while (this.#top().indent > indent) this.#stack.pop();
    const top = this.#top();
    if (top.indent !== indent) throw new NotSimple();
    if (dash) {
      if (top.kind !== 'seq') {
        // A list at the same column as its key (`key:\n- a`) follows the key's map frame.
        throw new NotSimple();
      }
      this.#item(top, i, end);
      return undefined;
    }
    if (top.kind !== 'map') {
      // A key at the column of a list's dashes ends the list: back to the map holding it.
      this.#stack.pop();
      const outer = this.#top();
      if (outer.kind !== 'map' || outer.indent !== indent) throw new NotSimple();
      return this.#entry(outer, i, end, nl);
    }
    return this.#entry(top, i, end, nl);
  }

  #top(): Frame {
    const top = this.#stack[this.#stack.length - 1];
    if (!top) throw new NotSimple();
    return top;
  }

  #open(kind: 'map' | 'seq', indent: number, parent: Coll, start: number): Frame {
    const tree: MapNode | ListNode = kind === 'map' ? { kind: 'map', items: [] } : { kind: 'list', items: [] };
    const coll: Coll = { tree, parent, flow: false, indent, start, end: start, members: [] };
    this.#colls.push(coll);
    const frame: Frame = kind === 'map' ? { coll, kind, indent, keys: new Set() } : { coll, kind, indent };
    this.#stack.push(frame);
    return frame;
  }

  #member(frame: Frame, start: number): Member {
    const member: Member = { start, col: frame.indent, coll: frame.coll };
    frame.coll.members.push(member);
    this.#members.push(member);
    return member;
  }

  /** `- …` at `i`. */
  #item(frame: Frame, i: number, end: number): void {
    const text = this.#text;
    const member = this.#member(frame, i);
    let j = i + 1;
    while (j < end && text.charCodeAt(j) === 32) j++;
    if (j === end || text.charCodeAt(j) === 35) {
      if (j < end) this.#comments.push({ offset: j, source: text.slice(j, end) });
      this.#pending = { indent: frame.indent, nullAt: j, parent: frame.coll, set: (v) => (member.item = v) };
      return;
    }
    if (text.charCodeAt(j) === 45 && (j + 1 === end || text.charCodeAt(j + 1) === 32)) throw new NotSimple();
    const colon = this.#keyColon(j, end);
    if (colon !== undefined) {
      // `- key: value`: a map whose first key sits after the dash.
      const inner = this.#open('map', j - this.#lineStart(j), frame.coll, j);
      member.item = inner.coll.tree;
      this.#entryAt(inner, j, colon, end);
      return;
    }
    member.item = this.#scalar(j, end);
    this.#inlineLimit = frame.indent;
  }

  #lineStart(offset: number): number {
    return this.#text.lastIndexOf('\n', offset - 1) + 1;
  }

  /** The `:` ending a simple key that starts at `j`, or undefined when the line is not `key: …`. */
  #keyColon(j: number, end: number): number | undefined {
    const text = this.#text;
    let k = j;
    while (k < end) {
      const c = text.charCodeAt(k);
      if (c === 58 && (k + 1 === end || text.charCodeAt(k + 1) === 32)) return k;
      if (c === 32 || c === 35 || c === 34 || c === 39) return undefined;
      k++;
    }
    return undefined;
  }

  #entry(frame: Frame, i: number, end: number, nl: number): number | undefined {
    const colon = this.#keyColon(i, end);
    if (colon === undefined) throw new NotSimple();
    if (frame.coll.parent === undefined && this.#text.slice(i, colon) === 'sops') return this.#sopsBlock(frame, i, colon, end, nl);
    this.#entryAt(frame, i, colon, end);
    return undefined;
  }

  #entryAt(frame: Frame, i: number, colon: number, end: number): void {
    const text = this.#text;
    const key = text.slice(i, colon);
    if (!SIMPLE_KEY.test(key) || (key === 'sops' && frame.coll.parent === undefined)) throw new NotSimple();
    if (frame.keys!.has(key)) throw new NotSimple();
    frame.keys!.add(key);
    const member = this.#member(frame, i);
    let j = colon + 1;
    while (j < end && text.charCodeAt(j) === 32) j++;
    if (j === end || text.charCodeAt(j) === 35) {
      if (j < end) this.#comments.push({ offset: j, source: text.slice(j, end) });
      const entry: MapEntry = { kind: 'entry', key, value: { kind: 'scalar', scalar: { type: 'null' } } };
      member.item = entry;
      this.#pending = {
        indent: frame.indent,
        nullAt: j,
        parent: frame.coll,
        set: (v) => {
          entry.value = v;
          entry.origin = new EntryOrigin(v);
        },
      };
      return;
    }
    const node = this.#scalar(j, end);
    member.item = { kind: 'entry', key, value: node, origin: new EntryOrigin(node) };
    this.#inlineLimit = frame.indent;
  }

  #nullScalar(at: number): TreeNode {
    const scalar = { type: 'null' } as const;
    return { kind: 'scalar', scalar, origin: new ScalarOrigin(at, at, 'plain', 'block', scalar, false) };
  }

  /** A one-line scalar starting at `j`; a trailing comment is recorded. */
  #scalar(j: number, end: number): TreeNode {
    const text = this.#text;
    const c = text.charCodeAt(j);
    let stop: number;
    let value: string;
    let style: ScalarStyle;
    if (c === 39 || c === 34) {
      const quote = c;
      let k = j + 1;
      for (;;) {
        if (k >= end) throw new NotSimple();
        const d = text.charCodeAt(k);
        if (d === 92 && quote === 34) throw new NotSimple();
        if (d === quote) {
          if (quote === 39 && text.charCodeAt(k + 1) === 39) {
            k += 2;
            continue;
          }
          break;
        }
        k++;
      }
      stop = k + 1;
      const inner = text.slice(j + 1, k);
      value = quote === 39 ? inner.replaceAll("''", "'") : inner;
      style = quote === 39 ? 'single' : 'double';
      let r = stop;
      while (r < end && text.charCodeAt(r) === 32) r++;
      if (r < end && (text.charCodeAt(r) !== 35 || r === stop)) throw new NotSimple();
      const scalar = { type: 'str', value } as const;
      const node: TreeNode = { kind: 'scalar', scalar, origin: new ScalarOrigin(j, stop, style, 'block', scalar, false) };
      if (r < end) this.#comments.push({ offset: r, source: text.slice(r, end) });
      return node;
    }
    if (!isPlainStart(c, text.charCodeAt(j + 1))) throw new NotSimple();
    // Native searches over the line: far cheaper than a character loop on long ENC values.
    const line = text.slice(j, end);
    const hash = line.indexOf(' #');
    const comment = hash === -1 ? undefined : j + hash + 1;
    const k = comment ?? end;
    const tab = line.indexOf('\t');
    if (tab !== -1 && j + tab < k) throw new NotSimple();
    const colon = line.indexOf(': ');
    if ((colon !== -1 && j + colon < k) || text.charCodeAt(k - 1) === 58) throw new NotSimple();
    stop = k;
    while (stop > j && text.charCodeAt(stop - 1) === 32) stop--;
    value = text.slice(j, stop);
    const scalar = resolvePlain(value);
    const node: TreeNode = { kind: 'scalar', scalar, origin: new ScalarOrigin(j, stop, 'plain', 'block', scalar, false) };
    if (comment !== undefined) this.#comments.push({ offset: comment, source: text.slice(comment, end) });
    return node;
  }

  /**
   * The root `sops:` entry: its indented block runs to the last indented line before the next
   * root-level line. Only the metadata is read (by the general reader); the entry is left out of
   * the tree, as the general reader leaves it out.
   */
  #sopsBlock(frame: Frame, i: number, colon: number, end: number, nl: number): number {
    const text = this.#text;
    let j = colon + 1;
    while (j < end && text.charCodeAt(j) === 32) j++;
    if (j !== end) throw new NotSimple();
    if (frame.keys!.has('sops')) throw new NotSimple();
    frame.keys!.add('sops');
    this.#member(frame, i);
    let pos = nl + 1;
    let last = nl;
    while (pos < text.length) {
      let lineEnd = text.indexOf('\n', pos);
      if (lineEnd === -1) lineEnd = text.length;
      const first = text.charCodeAt(pos);
      if (first !== 32 && first !== 13 && pos !== lineEnd) break;
      const content = text.slice(pos, lineEnd).trim();
      if (content.startsWith('#')) throw new NotSimple();
      if (content !== '') last = lineEnd;
      pos = lineEnd + 1;
    }
    if (last === nl) throw new NotSimple();
    const blockEnd = last < text.length ? last + 1 : last;
    const start = this.#lineStart(i);
    this.#sopsRange = blockEnd === text.length && text[blockEnd - 1] !== '\n' && start > 0
      ? [start - (text[start - 2] === '\r' ? 2 : 1), blockEnd]
      : [start, blockEnd];
    this.#metadata = this.#parseMetadata(text.slice(start, blockEnd));
    if (this.#metadata === undefined) throw new NotSimple();
    return last;
  }
}

/** Whether a plain scalar may start with `c` (then `next`) in block context, kept to the common cases. */
function isPlainStart(c: number, next: number): boolean {
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
  switch (c) {
    case 95: // _
    case 46: // .
    case 47: // /
    case 36: // $
    case 126: // ~
    case 43: // +
    case 40: // (
    case 60: // <
    case 61: // =
    case 94: // ^
    case 59: // ;
    case 41: // )
      return true;
    case 45: // - not followed by a space (a negative number, a flag)
      return next !== 32 && !Number.isNaN(next);
    default:
      return c >= 0x80;
  }
}
