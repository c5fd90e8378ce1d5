/**
 * INI store, with sops' tree layout: the top level is a map of sections (go-ini's DEFAULT section,
 * for keys before any header, always first), each a map of string values. A comment is the
 * section's first item when it stands before the section header, else the item right after the key
 * it stands before (sops' order). Consecutive comment lines are one comment. Metadata lives in a
 * `[sops]` section of flattened keys, written last as sops 3.13.2 writes it (sorted, `\n`
 * escapes); the `"""…"""` multi-line form of sops 3.13.1 is read too.
 *
 * sops rewrites the whole file through go-ini's writer. We keep the user's lines instead (blank
 * lines, spacing, quote style, comment markers) and only put the new value or comment in place,
 * so a decrypt of an encrypt gives the file back and sops still reads every line the same way.
 * When the tree no longer matches the lines (a key added, a format conversion), the file is
 * written as go-ini would. Like sops, comments after the last key of the file are dropped.
 */
import { ExitCode, SealguardError } from '../../shared/errors.js';
import type { CommentNode, MapEntry, MapNode, ParsedFile, TreeNode } from '../tree.js';
import { flattenMetadata, unflattenMetadata } from './flatten.js';
import {
  IniSyntaxError,
  inlineComment,
  quoteValue,
  readKeyName,
  readValue,
  splitLines,
  stripCommentMarker,
  type IniQuote,
} from './ini-syntax.js';
import {
  DEFAULT_SECTION,
  addSectionItems,
  cannotWrite,
  sectionsOf,
  writeKeys,
  writeSections,
  writeSopsSection,
  type IniSection,
} from './ini-write.js';
import type { Store, StoreParseResult } from './types.js';
import { scalarText } from './scalar-text.js';

const SOPS_SECTION = 'sops';

/** Comment lines (and possibly an inline comment) that go-ini joins into one comment. */
interface CommentGroup {
  node?: CommentNode;
  /** The text as parsed: rendered verbatim while the node still holds it. */
  parsed: string;
  marker: string;
  /** Whether a space followed the marker (`; text` rather than `;text`). */
  spaced: boolean;
  /** The segment that renders the comment once its text changed. */
  first?: Segment;
  /** Every segment holding a part of the comment (its lines, then an inline part), in order. */
  readonly parts: Segment[];
}

type Segment =
  | { readonly t: 'raw'; readonly text: string }
  | { readonly t: 'comment'; readonly group: CommentGroup; readonly indent: string; readonly text: string; readonly eol: string }
  | {
      readonly t: 'section';
      readonly name: string;
      readonly head: string;
      readonly gap: string;
      readonly inline?: string;
      readonly group?: CommentGroup;
      readonly tail: string;
    }
  | {
      readonly t: 'key';
      readonly entry: MapEntry;
      readonly prefix: string;
      readonly quote: IniQuote;
      readonly raw: string;
      readonly parsed: string;
      readonly gap: string;
      readonly inline?: string;
      readonly group?: CommentGroup;
      readonly tail: string;
    };

/** The user's lines, kept as the ParsedFile's origin. */
class IniLayout {
  constructor(
    readonly segments: readonly Segment[],
    /** The section each segment belongs to (undefined for lines of a comment nobody took). */
    readonly owners: readonly (MapEntry | undefined)[],
    readonly rootItems: readonly (MapEntry | CommentNode)[],
    readonly sectionItems: ReadonlyMap<MapEntry, readonly (MapEntry | CommentNode)[]>,
  ) {}
}

interface KeyRecord {
  readonly entry: MapEntry;
  comment?: CommentNode;
}

interface SectionRecord {
  readonly entry: MapEntry;
  readonly keys: Map<string, KeyRecord>;
  comment?: CommentNode;
}

function invalidInput(line: number, problem: string): SealguardError {
  // Never quote the line: it may hold a secret.
  return new SealguardError('INVALID_INPUT', `invalid INI at line ${line}: ${problem}`, { exitCode: ExitCode.usage });
}

function eolOf(line: string): string {
  return line.endsWith('\r\n') ? '\r\n' : line.endsWith('\n') ? '\n' : '';
}

function isBlank(segment: Segment | undefined): boolean {
  return segment?.t === 'raw' && segment.text.trim() === '';
}

class IniReader {
  readonly #lines: string[];
  readonly #segments: { segment: Segment; owner?: string }[] = [];
  readonly #sections = new Map<string, SectionRecord>();
  #current: SectionRecord;
  #buffer = '';
  #group: CommentGroup | undefined;
  /** Segments of the buffered comment's lines, whose owner is known once the comment is taken. */
  #groupLines: { segment: Segment; owner?: string }[] = [];
  #layoutUsable = true;

  constructor(text: string) {
    let body = text;
    if (body.startsWith('\uFEFF')) {
      this.#segments.push({ segment: { t: 'raw', text: '\uFEFF' } });
      body = body.slice(1);
    }
    this.#lines = splitLines(body);
    this.#current = this.#section(DEFAULT_SECTION);
  }

  #section(name: string): SectionRecord {
    const existing = this.#sections.get(name);
    if (existing) {
      this.#layoutUsable = false;
      return existing;
    }
    const record: SectionRecord = { entry: { kind: 'entry', key: name, value: { kind: 'map', items: [] } }, keys: new Map() };
    this.#sections.set(name, record);
    return record;
  }

  #push(segment: Segment, owner?: string): { segment: Segment; owner?: string } {
    const record = { segment, owner };
    this.#segments.push(record);
    return record;
  }

  /** Hand the buffered comment to a section or key; its line segments then belong to `owner`. */
  #takeComment(owner: string): CommentNode | undefined {
    const text = this.#buffer.trim();
    const group = this.#group;
    const lines = this.#groupLines;
    this.#buffer = '';
    this.#group = undefined;
    this.#groupLines = [];
    if (text === '' || !group) return undefined;
    group.parsed = stripCommentMarker(text);
    group.node = { kind: 'comment', text: group.parsed };
    for (const record of lines) record.owner = owner;
    return group.node;
  }

  #addComment(text: string): CommentGroup {
    if (!this.#group) this.#group = { parsed: '', marker: text[0] ?? ';', spaced: text[1] === ' ', parts: [] };
    this.#buffer += text;
    return this.#group;
  }

  read(): { file: ParsedFile; metadata?: Record<string, unknown> } {
    const lines = this.#lines;
    let i = 0;
    while (i < lines.length) {
      const line = lines[i] as string;
      const indent = /^\s*/.exec(line)?.[0] ?? '';
      const t = line.slice(indent.length);
      if (t === '') {
        this.#push({ t: 'raw', text: line }, this.#current.entry.key);
        i++;
      } else if (t[0] === '#' || t[0] === ';') {
        const eol = eolOf(t);
        const group = this.#addComment(t);
        const segment: Segment = { t: 'comment', group, indent, text: t.slice(0, t.length - eol.length), eol };
        group.first ??= segment;
        group.parts.push(segment);
        this.#groupLines.push(this.#push(segment));
        i++;
      } else if (t[0] === '[') {
        this.#readSection(indent, t, i);
        i++;
      } else {
        i = this.#readKey(indent, t, i);
      }
    }
    return this.#finish();
  }

  #readSection(indent: string, t: string, index: number): void {
    const close = t.lastIndexOf(']');
    if (close === -1) throw invalidInput(index + 1, 'unclosed section header');
    const name = t.slice(1, close);
    if (name === '') throw invalidInput(index + 1, 'empty section name');
    const after = t.slice(close + 1);
    const c = inlineComment(after);
    let group: CommentGroup | undefined;
    if (c) group = this.#addComment(c.comment + c.rest);
    this.#current = this.#section(name);
    const segment: Segment = {
      t: 'section',
      name,
      head: indent + t.slice(0, close + 1),
      gap: c ? c.gap : '',
      inline: c?.comment,
      group,
      tail: c ? c.rest : after,
    };
    if (group) {
      group.first ??= segment;
      group.parts.push(segment);
    }
    this.#push(segment, name);
    this.#current.comment = this.#takeComment(name);
  }

  #readKey(indent: string, t: string, index: number): number {
    let key;
    let value;
    try {
      key = readKeyName(t);
      value = readValue(t.slice(key.offset), this.#lines, index);
    } catch (e) {
      if (e instanceof IniSyntaxError) throw invalidInput(index + 1, e.message);
      throw e;
    }
    if (key.name === '') throw invalidInput(index + 1, 'empty key name');
    const section = this.#current;
    let group: CommentGroup | undefined;
    if (value.comment !== undefined) group = this.#addComment(value.comment);
    let record = section.keys.get(key.name);
    if (record) {
      // go-ini keeps the first position and the last value.
      this.#layoutUsable = false;
      record.entry.value = { kind: 'scalar', scalar: { type: 'str', value: value.value } };
    } else {
      record = { entry: { kind: 'entry', key: key.name, value: { kind: 'scalar', scalar: { type: 'str', value: value.value } } } };
      section.keys.set(key.name, record);
    }
    const segment: Segment = {
      t: 'key',
      entry: record.entry,
      prefix: indent + t.slice(0, key.offset) + value.lead,
      quote: value.quote,
      raw: value.raw,
      parsed: value.value,
      gap: value.gap,
      inline: value.comment,
      group,
      tail: value.tail,
    };
    if (group) {
      group.first ??= segment;
      group.parts.push(segment);
    }
    this.#push(segment, section.entry.key);
    record.comment = this.#takeComment(section.entry.key);
    return value.next;
  }

  #finish(): { file: ParsedFile; metadata?: Record<string, unknown> } {
    const rootItems: MapEntry[] = [];
    const sectionItems = new Map<MapEntry, (MapEntry | CommentNode)[]>();
    let metadata: Record<string, unknown> | undefined;
    for (const [name, s] of this.#sections) {
      const items: (MapEntry | CommentNode)[] = s.comment ? [s.comment] : [];
      for (const k of s.keys.values()) {
        items.push(k.entry);
        if (k.comment) items.push(k.comment);
      }
      if (name === SOPS_SECTION) {
        metadata = unflattenMetadata(
          [...s.keys.values()].map((k) => [k.entry.key, k.entry.value.kind === 'scalar' ? scalarText(k.entry.value.scalar) : ''] as const),
        );
        continue;
      }
      (s.entry.value as MapNode).items = items;
      rootItems.push(s.entry);
      sectionItems.set(s.entry, [...items]);
    }
    const root: MapNode = { kind: 'map', items: rootItems };
    let origin: IniLayout | undefined;
    if (this.#layoutUsable) {
      const { segments, owners } = this.#layoutSegments();
      origin = new IniLayout(segments, owners, [...rootItems], sectionItems);
    }
    const file: ParsedFile = { documents: [root], origin };
    return metadata === undefined ? { file } : { file, metadata };
  }

  /** The segments without the `[sops]` section and the blank line sops puts before it. */
  #layoutSegments(): { segments: Segment[]; owners: (MapEntry | undefined)[] } {
    const segments: Segment[] = [];
    const owners: (MapEntry | undefined)[] = [];
    let inSops = false;
    for (const { segment, owner } of this.#segments) {
      const isSops = owner === SOPS_SECTION;
      if (isSops && !inSops && isBlank(segments[segments.length - 1])) {
        segments.pop();
        owners.pop();
      }
      inSops = isSops;
      if (isSops) continue;
      segments.push(segment);
      owners.push(owner === undefined ? undefined : this.#sections.get(owner)?.entry);
    }
    return { segments, owners };
  }
}

/** What changed since parsing, when the user's lines can still be kept. */
interface LayoutPlan {
  /** Sections, entries and comments of the tree that have lines in the layout. */
  readonly present: ReadonlySet<object>;
  /** Entries added to a section since parsing, written after its last line. */
  readonly added: ReadonlyMap<MapEntry, MapEntry[]>;
  /** Sections added since parsing, written at the end. */
  readonly newSections: readonly MapEntry[];
}

/**
 * Items of `current` that were `recorded` must keep their order, and new ones may only follow
 * them (what `set` and `unset` do). Returns the new ones, or undefined when that does not hold.
 */
function appended<T>(current: readonly T[], recorded: readonly T[]): T[] | undefined {
  const known = new Set(recorded);
  let at = -1;
  const fresh: T[] = [];
  for (const item of current) {
    if (!known.has(item)) {
      fresh.push(item);
      continue;
    }
    const i = recorded.indexOf(item);
    if (i < at || fresh.length > 0) return undefined;
    at = i;
  }
  return fresh;
}

function layoutPlan(root: MapNode, layout: IniLayout): LayoutPlan | undefined {
  const newRoot = appended(root.items, layout.rootItems);
  if (!newRoot || newRoot.some((i) => i.kind !== 'entry' || i.value.kind !== 'map')) return undefined;
  const present = new Set<object>();
  const added = new Map<MapEntry, MapEntry[]>();
  for (const item of root.items) {
    if (item.kind !== 'entry' || newRoot.includes(item)) continue;
    if (item.value.kind !== 'map') return undefined;
    const fresh = appended(item.value.items, layout.sectionItems.get(item) ?? []);
    if (!fresh || fresh.some((i) => i.kind !== 'entry')) return undefined;
    present.add(item);
    for (const x of item.value.items) if (!fresh.includes(x)) present.add(x);
    if (fresh.length > 0) added.set(item, fresh as MapEntry[]);
  }
  for (const s of layout.segments) {
    // An inline comment that must move can hold one line only.
    if ((s.t === 'key' || s.t === 'section') && s.group?.first === s && s.group.node?.text.includes('\n')) return undefined;
  }
  return { present, added, newSections: newRoot as MapEntry[] };
}

function keyLines(entries: readonly MapEntry[]): string {
  const section: IniSection = { keys: new Map() };
  addSectionItems(section, { kind: 'map', items: [...entries] }, '');
  return writeKeys(section.keys);
}

/** The user's lines with changed values and comments in place, removed items left out, added ones appended. */
function renderLayout(layout: IniLayout, plan: LayoutPlan): string {
  const { segments, owners } = layout;
  const lastLine = new Map<MapEntry, number>();
  segments.forEach((s, i) => {
    const owner = owners[i];
    if (owner && s.t !== 'raw') lastLine.set(owner, i);
  });
  let out = '';
  for (const [section, entries] of plan.added) if (!lastLine.has(section)) out += keyLines(entries);
  segments.forEach((s, i) => {
    const owner = owners[i];
    const gone =
      (owner !== undefined && !plan.present.has(owner)) ||
      (s.t === 'key' && !plan.present.has(s.entry)) ||
      (s.t === 'comment' && s.group.node !== undefined && !plan.present.has(s.group.node));
    if (!gone) out += renderSegment(s);
    const entries = owner ? plan.added.get(owner) : undefined;
    if (entries && lastLine.get(owner as MapEntry) === i) {
      if (out !== '' && !out.endsWith('\n')) out += '\n';
      out += keyLines(entries);
    }
  });
  if (plan.newSections.length > 0) {
    if (out !== '' && !out.endsWith('\n')) out += '\n';
    if (out !== '') out += '\n';
    const sections = sectionsOf({ kind: 'map', items: [...plan.newSections] });
    out += writeSections(sections);
  }
  return out;
}

function markerOf(group: CommentGroup): string {
  return group.spaced ? `${group.marker} ` : group.marker;
}

/**
 * A changed comment in the place of its first line. Later lines of a joined comment kept their own
 * marker (and a "\r" of a CRLF file) in the text, so they are written as they are.
 */
function renderComment(group: CommentGroup, indent: string, eol: string): string {
  const node = group.node as CommentNode;
  const lines = node.text.split('\n').map((line, i) => {
    if (i === 0) return indent + markerOf(group) + line;
    return line[0] === '#' || line[0] === ';' ? indent + line : `${indent}${group.marker} ${line}`;
  });
  return lines.join('\n') + eol;
}

/**
 * The text of a changed comment for one of its segments, when it still has one line per segment
 * (so blank lines between the comment's lines stay where they were).
 */
function partFor(group: CommentGroup, s: Segment): string | undefined {
  const lines = (group.node as CommentNode).text.split('\n');
  const k = group.parts.indexOf(s);
  if (lines.length !== group.parts.length || k === -1) return undefined;
  const line = (lines[k] as string).replace(/\r$/, '');
  if (k === 0) return markerOf(group) + line;
  return line[0] === '#' || line[0] === ';' ? line : `${group.marker} ${line}`;
}

/** The inline comment of a line (from its marker, without the space before it): as written, changed, or gone. */
function inlineText(s: Extract<Segment, { t: 'key' | 'section' }>): string {
  const group = s.group;
  if (!group?.node || s.inline === undefined) return '';
  if (group.node.text === group.parsed) return s.inline;
  const part = partFor(group, s);
  if (part !== undefined) return part;
  if (group.first !== s) return '';
  return markerOf(group) + group.node.text;
}

function renderKey(s: Extract<Segment, { t: 'key' }>): string {
  const value = s.entry.value;
  if (value.kind !== 'scalar') throw cannotWrite(`INI cannot hold nested values: "${s.entry.key}" is a ${value.kind}`);
  const text = scalarText(value.scalar);
  let written: string | undefined = s.raw;
  if (value.scalar.type !== 'str' || text !== s.parsed) {
    written = quoteValue(text, s.quote);
    if (written === undefined) throw cannotWrite(`the value of "${s.entry.key}" cannot be written in INI`);
  }
  const comment = inlineText(s);
  const tail = comment === '' && s.inline !== undefined ? eolOf(s.tail) : s.tail;
  if (comment !== '' && (written.startsWith('`') || written.startsWith('"""')) && !written.includes('\n')) {
    // go-ini ignores the rest of the line after a one-line quoted value: the comment goes on the line before.
    const indent = /^\s*/.exec(s.prefix)?.[0] ?? '';
    return indent + comment + (eolOf(s.tail) || '\n') + s.prefix + written + tail;
  }
  // go-ini needs no space before an inline comment: the first `#` or `;` starts it.
  return s.prefix + written + (comment === '' ? '' : s.gap + comment) + tail;
}

function renderSegment(s: Segment): string {
  switch (s.t) {
    case 'raw':
      return s.text;
    case 'comment': {
      const node = s.group.node;
      if (!node) return '';
      if (node.text === s.group.parsed) return s.indent + s.text + s.eol;
      const part = partFor(s.group, s);
      if (part !== undefined) return s.indent + part + s.eol;
      return s.group.first === s ? renderComment(s.group, s.indent, s.eol) : '';
    }
    case 'section': {
      const comment = inlineText(s);
      if (comment === '') return s.head + (s.inline !== undefined ? eolOf(s.tail) : s.tail);
      return s.head + s.gap + comment + s.tail;
    }
    case 'key':
      return renderKey(s);
  }
}

function emit(file: ParsedFile, metadata?: Record<string, unknown>): string {
  if (file.documents.length > 1) throw cannotWrite('INI holds one document; this file has several');
  const root: MapNode = file.documents[0] ?? { kind: 'map', items: [] };
  for (const item of root.items) {
    if (item.kind === 'entry' && item.key === SOPS_SECTION) {
      throw cannotWrite('a section named "sops" cannot be written to INI: it is read back as sops metadata');
    }
  }
  const pairs = metadata === undefined ? undefined : flattenMetadata(metadata);
  const layout = file.origin;
  const plan = layout instanceof IniLayout ? layoutPlan(root, layout) : undefined;
  if (layout instanceof IniLayout && plan) {
    let out = renderLayout(layout, plan);
    if (pairs) {
      if (out !== '' && !out.endsWith('\n')) out += '\n';
      if (out !== '') out += '\n';
      out += writeSopsSection(pairs);
    }
    return out;
  }
  const sections = sectionsOf(root);
  if (pairs) sections.set(SOPS_SECTION, { keys: new Map(pairs.map(([k, v]) => [k, { value: v }])) });
  return writeSections(sections);
}

function emitValue(node: TreeNode): string {
  if (node.kind === 'scalar') return scalarText(node.scalar);
  if (node.kind === 'list') throw cannotWrite('INI cannot print a list');
  if (node.items.every((i) => i.kind === 'comment' || i.value.kind === 'scalar')) {
    const section: IniSection = { keys: new Map() };
    addSectionItems(section, node, '');
    return writeKeys(section.keys);
  }
  return writeSections(sectionsOf(node));
}

export const iniStore: Store = {
  format: 'ini',
  parse(text: string): StoreParseResult {
    return new IniReader(text).read();
  },
  emit,
  emitValue,
};
