import { Composer, Lexer, Parser, isAlias, isMap, isScalar, isSeq, Scalar as YamlScalar } from 'yaml';
import type { Alias, CST, Document, Node as YamlNode, ParsedNode, YAMLMap, YAMLSeq } from 'yaml';

type Token = CST.Token;
import { SealguardError, ExitCode } from '../../shared/errors.js';
import type { CommentNode, ListNode, MapEntry, MapNode, ParsedFile, Scalar, TreeNode } from '../tree.js';
import type { StoreParseResult } from './types.js';
import {
  AliasSite,
  CollectionOrigin,
  EntryOrigin,
  ScalarOrigin,
  YamlFileOrigin,
  type DocLayout,
  type ScalarStyle,
} from './yaml-origin.js';
import type { Context } from './yaml-render.js';
import { resolvePlain } from './yaml-resolve.js';
import { placeComments, type Coll, type Member, type RawComment } from './yaml-comments.js';
import { SourceLines } from './yaml-lines.js';
import { lineEndAt, parseMarker, signature, trimEnd } from './yaml-alias.js';
import { parseYamlFast } from './yaml-fast.js';

/**
 * YAML text → tree. Uses the `yaml` library's CST (for comment and token offsets) and composed
 * nodes (for values and ranges); resolves scalar types the way go-yaml/sops do; places comments
 * where sops puts them; records source positions so emit can splice.
 *
 * Aliases (`*name`, merge keys `<<: *base` included) become copies of the anchored value, as in
 * sops, where `<<` is an ordinary key; AliasSite (yaml-origin.ts) says how they are written back.
 */

interface DocBuild {
  readonly doc: Document.Parsed;
  colls: Coll[];
  members: Member[];
  sopsRange?: readonly [number, number];
  metadata?: Record<string, unknown>;
  /** Anchored tree nodes by name, the latest definition winning as in YAML. */
  readonly anchors: Map<string, TreeNode>;
  readonly aliases: Map<TreeNode, AliasSite>;
  /** Nodes created by expanding aliases so far, shared by the whole file. */
  readonly expansion: { count: number; maxMarker: number };
  /** Alias.resolve walks the document; each alias node is resolved once. */
  readonly targets: Map<Alias.Parsed, ParsedNode | undefined>;
}

/** An alias bomb (nested aliases doubling at every level) must fail, not fill the memory. */
const MAX_EXPANDED_NODES = 200_000;

const TAG_PREFIX = 'tag:yaml.org,2002:';

export function parseYaml(text: string): StoreParseResult {
  return parseYamlFast(text, metadataOfBlock) ?? parseYamlGeneral(text);
}

/** The last block metadataOfBlock read: a decrypt reads the same block first on its own (peekMetadata), then in the parse. */
let lastBlock: { readonly region: string; readonly metadata: Record<string, unknown> | undefined } | undefined;

/** The metadata of a root `sops:` block's source lines (the caller must not change the object). */
export function metadataOfBlock(region: string): Record<string, unknown> | undefined {
  if (lastBlock?.region !== region) lastBlock = { region, metadata: parseYamlGeneral(region).metadata };
  return lastBlock.metadata;
}

/** The reader for any YAML; parseYaml tries the faster subset reader first. */
export function parseYamlGeneral(text: string): StoreParseResult {
  const lines = new SourceLines(text);
  const { cst, comments } = parseCst(text);
  const composer = new Composer({ keepSourceTokens: true, schema: 'failsafe', uniqueKeys: true });
  const docs = [...composer.compose(cst, true, text.length)] as Document.Parsed[];

  const docStarts = cst.filter((t) => t.type === 'document').map((t) => t.offset);
  const docEnds = cst.filter((t) => t.type === 'doc-end').map((t) => t.offset);

  const documents: MapNode[] = [];
  const layouts: DocLayout[] = [];
  let metadata: Record<string, unknown> | undefined;
  const aliases = new Map<TreeNode, AliasSite>();
  const expansion = { count: 0, maxMarker: 0 };

  docs.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) throw invalid(lines, err.pos[0], describeYamlError(err.code));
    const start = i === 0 ? 0 : (docStarts[i] ?? text.length);
    const end = docStarts[i + 1] ?? text.length;
    const insertAt = docEnds.find((o) => o >= start && o < end) ?? end;

    const build: DocBuild = { doc, colls: [], members: [], anchors: new Map(), aliases, expansion, targets: new Map() };
    const contents = doc.contents as ParsedNode | null;
    let root: MapNode;
    let flowRoot = false;
    if (contents === null || (isScalar(contents) && contents.value === '' && contents.tag === undefined)) {
      root = { kind: 'map', items: [] };
      build.colls.push({ tree: root, flow: false, indent: 0, start, end, members: [] });
    } else if (isMap(contents)) {
      root = buildMap(contents, undefined, build, lines, true);
      flowRoot = contents.flow === true;
    } else {
      const at = contents.range?.[0] ?? start;
      throw invalid(lines, at, `the top level of YAML document ${i + 1} must be a map`);
    }

    const docComments = comments.filter((c) => c.offset >= start && c.offset < end);
    placeComments(lines, build.colls, build.members, docComments, build.sopsRange);
    freezeCollections(build.colls);

    documents.push(root);
    layouts.push({ root, start, end, insertAt, sopsRange: build.sopsRange, flowRoot });
    if (metadata === undefined && build.metadata !== undefined) metadata = build.metadata;
  });

  if (docs.length === 0) {
    const root: MapNode = { kind: 'map', items: [], origin: new CollectionOrigin([]) };
    const build: Coll = { tree: root, flow: false, indent: 0, start: 0, end: text.length, members: [] };
    placeComments(lines, [build], [], comments, undefined);
    freezeCollections([build]);
    documents.push(root);
    layouts.push({ root, start: 0, end: text.length, insertAt: text.length, flowRoot: false });
  }

  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const file: ParsedFile = { documents, origin: new YamlFileOrigin(text, eol, layouts, aliases, expansion.maxMarker + 1) };
  return metadata === undefined ? { file } : { file, metadata };
}

function freezeCollections(colls: readonly Coll[]): void {
  for (const c of colls) c.tree.origin = new CollectionOrigin([...c.tree.items]);
}

function buildMap(node: YAMLMap.Parsed, parent: Coll | undefined, build: DocBuild, lines: SourceLines, isRoot: boolean): MapNode {
  const tree: MapNode = { kind: 'map', items: [] };
  const flow = node.flow === true;
  const coll: Coll = { tree, parent, flow, indent: 0, start: node.range[0], end: node.range[1], members: [] };
  build.colls.push(coll);
  const ctx: Context = flow ? 'flow' : 'block';
  for (const pair of node.items) {
    const key = pair.key as ParsedNode | null;
    const value = pair.value as ParsedNode | null;
    const start = key?.range?.[0] ?? value?.range?.[0] ?? node.range[0];
    if (key !== null && !isScalar(key)) throw invalid(lines, start, 'only scalar map keys are supported');
    const keyText = key === null || key.value === null ? '' : String(key.value);
    const member: Member = { start, col: lines.col(start), coll };
    coll.members.push(member);
    build.members.push(member);

    if (isRoot && keyText === 'sops' && value !== null && !isAlias(value)) {
      build.sopsRange = sopsRange(lines, start, value);
      const js = toPlain(value);
      if (js !== null && typeof js === 'object' && !Array.isArray(js)) build.metadata = js as Record<string, unknown>;
      continue;
    }
    const treeValue = isAlias(value) ? aliasCopy(value, ctx, member.col, build, lines) : convert(value, coll, ctx, build, lines);
    const entry: MapEntry = { kind: 'entry', key: keyText, value: treeValue, origin: new EntryOrigin(treeValue) };
    member.item = entry;
  }
  coll.indent = coll.members[0]?.col ?? lines.col(node.range[0]);
  return tree;
}

function buildSeq(node: YAMLSeq.Parsed, parent: Coll, build: DocBuild, lines: SourceLines): ListNode {
  const tree: ListNode = { kind: 'list', items: [] };
  const flow = node.flow === true;
  const coll: Coll = { tree, parent, flow, indent: 0, start: node.range[0], end: node.range[1], members: [] };
  build.colls.push(coll);
  const ctx: Context = flow ? 'flow' : 'block';
  const tokenItems = (node.srcToken as { items?: { start?: { type: string; offset: number }[] }[] } | undefined)?.items;
  node.items.forEach((item, i) => {
    const child = item as ParsedNode | null;
    const indicator = flow ? undefined : tokenItems?.[i]?.start?.find((t) => t.type === 'seq-item-ind');
    const start = indicator?.offset ?? child?.range?.[0] ?? node.range[0];
    const member: Member = { start, col: lines.col(start), coll };
    coll.members.push(member);
    build.members.push(member);
    member.item = isAlias(child) ? aliasCopy(child, ctx, member.col, build, lines) : convert(child, coll, ctx, build, lines);
  });
  coll.indent = coll.members[0]?.col ?? lines.col(node.range[0]);
  return tree;
}

function convert(node: ParsedNode | null, parent: Coll, ctx: Context, build: DocBuild, lines: SourceLines): TreeNode {
  if (node === null) return { kind: 'scalar', scalar: { type: 'null' } };
  let tree: TreeNode;
  if (isMap(node)) tree = buildMap(node, parent, build, lines, false);
  else if (isSeq(node)) tree = buildSeq(node, parent, build, lines);
  else if (isScalar(node)) tree = convertScalar(node as YamlScalar.Parsed, ctx, lines.text);
  else throw invalid(lines, (node as YamlNode).range?.[0] ?? 0, 'unsupported YAML node');
  if (node.anchor !== undefined) noteAnchor(node, node.anchor, tree, build, lines);
  return tree;
}

/** Remember an anchored node, or the marked copy of an alias that an encrypted file carries. */
function noteAnchor(node: ParsedNode, anchor: string, tree: TreeNode, build: DocBuild, lines: SourceLines): void {
  const marker = parseMarker(anchor);
  if (!marker) {
    build.anchors.set(anchor, tree);
    return;
  }
  const text = lines.text;
  const start = text.lastIndexOf('&' + anchor, node.range[0]);
  if (start === -1) return;
  const end = start + 1 + anchor.length;
  const blockCollection = (isMap(node) || isSeq(node)) && node.flow !== true;
  const site = new AliasSite('marker', marker.name, start, end, signature(tree), 'block', 0, lineEndAt(text, end),
    trimEnd(text, end, node.range[1]), blockCollection, build.anchors.get(marker.name));
  build.aliases.set(tree, site);
  build.expansion.maxMarker = Math.max(build.expansion.maxMarker, marker.n);
}

/** The value an alias stands for, as a tree of its own. */
function aliasCopy(alias: Alias.Parsed, ctx: Context, col: number, build: DocBuild, lines: SourceLines): TreeNode {
  const copy = copyOf(alias, build, lines);
  const [start, end] = alias.range;
  build.aliases.set(copy, new AliasSite('alias', alias.source, start, end, signature(copy), ctx, col, lineEndAt(lines.text, end), end, false));
  return copy;
}

function copyOf(node: ParsedNode | null, build: DocBuild, lines: SourceLines): TreeNode {
  if (++build.expansion.count > MAX_EXPANDED_NODES) {
    throw invalid(lines, node?.range?.[0] ?? 0, `aliases expand to more than ${MAX_EXPANDED_NODES} values`);
  }
  if (node === null) return { kind: 'scalar', scalar: { type: 'null' } };
  if (isAlias(node)) {
    let target = build.targets.get(node);
    if (!build.targets.has(node)) {
      target = node.resolve(build.doc) as ParsedNode | undefined;
      build.targets.set(node, target);
    }
    if (target === undefined) throw invalid(lines, node.range[0], `alias *${node.source} has no anchor before it`);
    return copyOf(target, build, lines);
  }
  if (isMap(node)) {
    const items: MapEntry[] = node.items.map((pair) => {
      const key = pair.key as ParsedNode | null;
      if (key !== null && !isScalar(key)) throw invalid(lines, key.range[0], 'only scalar map keys are supported');
      const keyText = key === null || key.value === null ? '' : String(key.value);
      return { kind: 'entry', key: keyText, value: copyOf(pair.value as ParsedNode | null, build, lines) };
    });
    return { kind: 'map', items };
  }
  if (isSeq(node)) return { kind: 'list', items: node.items.map((v) => copyOf(v as ParsedNode | null, build, lines)) };
  if (isScalar(node)) {
    const style = STYLES[node.type ?? YamlScalar.PLAIN] ?? 'plain';
    return { kind: 'scalar', scalar: scalarOf(node.value === null || node.value === undefined ? '' : String(node.value), style, node.tag) };
  }
  throw invalid(lines, (node as YamlNode).range?.[0] ?? 0, 'unsupported YAML node');
}

const STYLES: Record<string, ScalarStyle> = {
  [YamlScalar.PLAIN]: 'plain',
  [YamlScalar.QUOTE_SINGLE]: 'single',
  [YamlScalar.QUOTE_DOUBLE]: 'double',
  [YamlScalar.BLOCK_LITERAL]: 'literal',
  [YamlScalar.BLOCK_FOLDED]: 'folded',
};

const STR_MARKER = '!!str ';

function convertScalar(node: YamlScalar.Parsed, ctx: Context, source: string): TreeNode {
  const style = STYLES[node.type ?? YamlScalar.PLAIN] ?? 'plain';
  const text = node.value === null || node.value === undefined ? '' : String(node.value);
  const tag = node.tag;
  const scalar = scalarOf(text, style, tag);
  const [start, end] = node.range;
  let block;
  if (style === 'literal' || style === 'folded') {
    const token = node.srcToken as { indent: number; source: string; props: { type: string; offset: number; source: string }[] } | undefined;
    const header = token?.props.find((p) => p.type === 'block-scalar-header');
    if (token && header) {
      const indicator = /[1-9]/.exec(header.source)?.[0];
      const contentStart = end - token.source.length;
      const firstLine = /^(?:[ \t]*\r?\n)*( *)/.exec(token.source)?.[1] ?? '';
      block = {
        headerStart: header.offset,
        headerEnd: header.offset + header.source.length,
        contentStart,
        contentEnd: end,
        layout: {
          kind: style,
          indicator: indicator === undefined ? undefined : Number(indicator),
          contentIndent: indicator === undefined ? firstLine.length : token.indent + Number(indicator),
        },
      } as const;
    }
  }
  const marked =
    ctx === 'flow' && style === 'single' && tag === TAG_PREFIX + 'str' && source.slice(start - STR_MARKER.length, start) === STR_MARKER;
  const origin = marked
    ? new ScalarOrigin(start, end, style, ctx, scalar, false, undefined, start - STR_MARKER.length)
    : new ScalarOrigin(start, end, style, ctx, scalar, tag !== undefined, block);
  return { kind: 'scalar', scalar, origin };
}

function scalarOf(text: string, style: ScalarStyle, tag: string | undefined): Scalar {
  if (tag === undefined) return style === 'plain' ? resolvePlain(text) : { type: 'str', value: text };
  if (!tag.startsWith(TAG_PREFIX)) return { type: 'str', value: text };
  const want = tag.slice(TAG_PREFIX.length);
  const resolved = resolvePlain(text);
  const typeOfTag: Record<string, Scalar['type']> = { int: 'int', float: 'float', bool: 'bool', null: 'null', timestamp: 'time' };
  return typeOfTag[want] !== undefined && resolved.type === typeOfTag[want] ? resolved : { type: 'str', value: text };
}

/** Plain JS value of the metadata block, with scalar types as sops reads them. */
function toPlain(node: ParsedNode | null): unknown {
  if (node === null || isAlias(node)) return null;
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = pair.key as ParsedNode | null;
      out[isScalar(key) ? String(key.value ?? '') : ''] = toPlain(pair.value as ParsedNode | null);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((v) => toPlain(v as ParsedNode | null));
  const scalar = scalarOf(String(node.value ?? ''), STYLES[node.type ?? YamlScalar.PLAIN] ?? 'plain', node.tag);
  switch (scalar.type) {
    case 'null':
      return null;
    case 'bool':
      return scalar.value;
    case 'int':
    case 'float':
      return Number(scalar.value);
    default:
      return scalar.value;
  }
}

/** The `sops:` entry's source, whole lines, so removing it leaves the rest of the file untouched. */
function sopsRange(lines: SourceLines, keyStart: number, value: ParsedNode): readonly [number, number] {
  const text = lines.text;
  let end = value.range[1];
  if (end > 0 && text[end - 1] !== '\n') {
    const nl = text.indexOf('\n', end);
    end = nl === -1 ? text.length : nl + 1;
  }
  let start = lines.lineStart(keyStart);
  // No line break after the block means the file had none: take the one before it instead.
  if (end === text.length && text[end - 1] !== '\n' && start > 0) start -= text[start - 2] === '\r' ? 2 : 1;
  return [start, end];
}

/**
 * CST tokens plus every comment, in source order. Comments are picked off the lexeme stream as it
 * is fed to the parser (a lexeme starting with `#` is a comment unless it is the body of a scalar,
 * which always follows the scalar marker), which is far cheaper than walking the finished CST.
 */
function parseCst(text: string): { cst: Token[]; comments: RawComment[] } {
  const parser = new Parser();
  const cst: Token[] = [];
  const comments: RawComment[] = [];
  let scalarBody = false;
  // yaml's parser reads process.env.LOG_TOKENS once per token, and process.env is a slow host
  // object (~20% of the parse on big files). A plain copy answers the same; the parse is
  // synchronous, so no other code can see the swap.
  const env = process.env;
  process.env = { ...env };
  try {
    for (const lexeme of new Lexer().lex(text, false)) {
      if (!scalarBody && lexeme.charCodeAt(0) === 0x23) comments.push({ offset: parser.offset, source: lexeme });
      scalarBody = lexeme === SCALAR_MARKER;
      for (const token of parser.next(lexeme)) cst.push(token);
    }
    for (const token of parser.end()) cst.push(token);
  } finally {
    process.env = env;
  }
  return { cst, comments };
}

/** The lexer's marker for "the next lexeme is a scalar's source" (yaml's CST.SCALAR). */
const SCALAR_MARKER = '\x1f';

function invalid(lines: SourceLines, offset: number, what: string): SealguardError {
  const { line, col } = lines.position(offset);
  return new SealguardError('INVALID_INPUT', `${line}:${col}: ${what}`, { exitCode: ExitCode.usage });
}

const ERROR_TEXT: Record<string, string> = {
  DUPLICATE_KEY: 'duplicate map key',
  BAD_INDENT: 'bad indentation',
  BAD_ALIAS: 'invalid alias',
  BAD_DIRECTIVE: 'invalid directive',
  BAD_DQ_ESCAPE: 'invalid escape in a double-quoted string',
  BAD_SCALAR_START: 'a plain value cannot start with this character',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection cannot be a key',
  BLOCK_IN_FLOW: 'a block collection cannot be inside a flow collection',
  MISSING_CHAR: 'missing character (unclosed quote or bracket, or a key without a colon)',
  MULTILINE_IMPLICIT_KEY: 'a key must be on one line',
  MULTIPLE_ANCHORS: 'a node has more than one anchor',
  MULTIPLE_DOCS: 'unexpected document',
  MULTIPLE_TAGS: 'a node has more than one tag',
  TAB_AS_INDENT: 'tabs cannot be used for indentation',
  UNEXPECTED_TOKEN: 'unexpected token',
  ALIAS_PROPS: 'an alias cannot have a tag or anchor',
  KEY_OVER_1024_CHARS: 'a key is longer than 1024 characters',
};

function describeYamlError(code: string): string {
  return `invalid YAML: ${ERROR_TEXT[code] ?? code.toLowerCase().replaceAll('_', ' ')}`;
}
