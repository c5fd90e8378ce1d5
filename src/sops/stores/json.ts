/**
 * JSON store. Parses with its own small tokenizer because `JSON.parse` loses what sops files need:
 * key order is kept by JS objects only for non-integer keys, and a JS number cannot tell `1` from
 * `1.0` nor hold integers beyond 2^53. Renders like sops: tab indentation, `"key": value`, Go's
 * string escaping, the `sops` object last, a trailing newline.
 */
import { ExitCode, SealguardError } from '../../shared/errors.js';
import type { ListNode, MapEntry, MapNode, ParsedFile, Scalar, TreeNode } from '../tree.js';
import type { Store, StoreParseResult } from './types.js';

const MAX_DEPTH = 1000;
const MAX_SAFE = 2n ** 53n;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * Integers become `int` only where sops (which reads every JSON number as a float64) would hash
 * the same digits: exact in a double and not `-0`. Anything else stays a `float` with its spelling.
 */
function numberScalar(text: string, isInteger: boolean): Scalar {
  if (isInteger && text !== '-0') {
    const n = BigInt(text);
    if (n <= MAX_SAFE && n >= -MAX_SAFE) return { type: 'int', value: text };
  }
  return { type: 'float', value: text };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class JsonParser {
  #pos = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  parseDocument(): MapNode {
    this.#ws();
    if (this.#text[this.#pos] !== '{') {
      throw this.#error(this.#pos >= this.#text.length ? 'the file is empty; expected a JSON object' : 'the top level must be a JSON object');
    }
    const root = this.#object(0);
    this.#ws();
    if (this.#pos < this.#text.length) throw this.#error('unexpected text after the top-level object');
    return root;
  }

  #error(message: string, at = this.#pos): SealguardError {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < this.#text.length; i++) {
      if (this.#text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return new SealguardError('INVALID_INPUT', `invalid JSON at line ${line}, column ${at - lineStart + 1}: ${message}`, {
      exitCode: ExitCode.usage,
    });
  }

  #ws(): void {
    const t = this.#text;
    while (this.#pos < t.length) {
      const c = t.charCodeAt(this.#pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.#pos++;
    }
  }

  #expect(ch: string, what: string): void {
    this.#ws();
    if (this.#text[this.#pos] !== ch) throw this.#error(`expected ${what}`);
    this.#pos++;
  }

  #value(depth: number): TreeNode {
    this.#ws();
    const c = this.#text[this.#pos];
    if (c === '{') return this.#object(depth + 1);
    if (c === '[') return this.#array(depth + 1);
    return { kind: 'scalar', scalar: this.#scalar() };
  }

  #scalar(): Scalar {
    const t = this.#text;
    const c = t[this.#pos];
    if (c === '"') return { type: 'str', value: this.#string() };
    for (const [word, scalar] of [
      ['true', { type: 'bool', value: true }],
      ['false', { type: 'bool', value: false }],
      ['null', { type: 'null' }],
    ] as const) {
      if (t.startsWith(word, this.#pos)) {
        this.#pos += word.length;
        return scalar;
      }
    }
    NUMBER.lastIndex = this.#pos;
    const m = NUMBER.exec(t);
    if (!m) throw this.#error(this.#pos >= t.length ? 'unexpected end of input' : 'expected a value');
    this.#pos += m[0].length;
    return numberScalar(m[0], m[1] === undefined && m[2] === undefined);
  }

  #object(depth: number): MapNode {
    if (depth > MAX_DEPTH) throw this.#error('nested too deeply');
    this.#pos++; // '{'
    const items: MapEntry[] = [];
    this.#ws();
    if (this.#text[this.#pos] === '}') {
      this.#pos++;
      return { kind: 'map', items };
    }
    for (;;) {
      this.#ws();
      if (this.#text[this.#pos] !== '"') throw this.#error('expected a string key');
      const key = this.#string();
      this.#expect(':', "':' after the key");
      items.push({ kind: 'entry', key, value: this.#value(depth) });
      this.#ws();
      const c = this.#text[this.#pos];
      this.#pos++;
      if (c === '}') return { kind: 'map', items };
      if (c !== ',') throw this.#error("expected ',' or '}'", this.#pos - 1);
    }
  }

  #array(depth: number): ListNode {
    if (depth > MAX_DEPTH) throw this.#error('nested too deeply');
    this.#pos++; // '['
    const items: TreeNode[] = [];
    this.#ws();
    if (this.#text[this.#pos] === ']') {
      this.#pos++;
      return { kind: 'list', items };
    }
    for (;;) {
      items.push(this.#value(depth));
      this.#ws();
      const c = this.#text[this.#pos];
      this.#pos++;
      if (c === ']') return { kind: 'list', items };
      if (c !== ',') throw this.#error("expected ',' or ']'", this.#pos - 1);
    }
  }

  #string(): string {
    const t = this.#text;
    const start = ++this.#pos; // opening quote
    let out = '';
    let chunk = start;
    for (;;) {
      if (this.#pos >= t.length) throw this.#error('unterminated string', start - 1);
      const c = t.charCodeAt(this.#pos);
      if (c === 0x22) {
        out += t.slice(chunk, this.#pos);
        this.#pos++;
        return out;
      }
      if (c < 0x20) throw this.#error('control character in string');
      if (c !== 0x5c) {
        this.#pos++;
        continue;
      }
      out += t.slice(chunk, this.#pos);
      const e = t[this.#pos + 1];
      const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        this.#pos += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(this.#pos + 2, this.#pos + 6))) {
        out += String.fromCharCode(parseInt(t.slice(this.#pos + 2, this.#pos + 6), 16));
        this.#pos += 6;
      } else {
        throw this.#error('invalid escape in string');
      }
      chunk = this.#pos;
    }
  }
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;
const SHORT_ESCAPES: Readonly<Record<number, string>> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

/** A JSON string as Go's json.Marshal writes it (HTML-safe escapes; invalid UTF-16 becomes U+FFFD). */
export function quoteJsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) out += short;
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += s[i] + s[i + 1];
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += s[i];
  }
  return out + '"';
}

function invalidOutput(message: string): SealguardError {
  return new SealguardError('INVALID_INPUT', message, { exitCode: ExitCode.usage });
}

function renderScalar(scalar: Scalar): string {
  switch (scalar.type) {
    case 'str':
    case 'time':
      return quoteJsonString(scalar.value);
    case 'int':
      if (JSON_NUMBER.test(scalar.value)) return scalar.value;
      if (/^[+-]?[0-9]+$/.test(scalar.value)) return BigInt(scalar.value).toString();
      throw invalidOutput('an integer value cannot be written as JSON');
    case 'float': {
      if (JSON_NUMBER.test(scalar.value)) return scalar.value;
      const n = Number(scalar.value.replaceAll('_', ''));
      if (!Number.isFinite(n)) throw invalidOutput('JSON cannot represent NaN or Infinity');
      // Go's encoding/json formats floats like ECMAScript's Number#toString.
      return String(n);
    }
    case 'bool':
      return scalar.value ? 'true' : 'false';
    case 'null':
      return 'null';
  }
}

function block(open: string, close: string, members: string[], indent: string): string {
  if (members.length === 0) return open + close;
  const inner = indent + '\t';
  return `${open}\n${inner}${members.join(`,\n${inner}`)}\n${indent}${close}`;
}

function renderNode(node: TreeNode, indent: string, extra: string[] = []): string {
  switch (node.kind) {
    case 'scalar':
      return renderScalar(node.scalar);
    case 'list': {
      const members: string[] = [];
      for (const item of node.items) if (item.kind !== 'comment') members.push(renderNode(item, indent + '\t'));
      return block('[', ']', members, indent);
    }
    case 'map': {
      const members: string[] = [];
      for (const item of node.items) {
        if (item.kind === 'entry') members.push(`${quoteJsonString(item.key)}: ${renderNode(item.value, indent + '\t')}`);
      }
      return block('{', '}', [...members, ...extra], indent);
    }
  }
}

/** Render a plain value (the metadata object): strings, numbers, booleans, null, arrays, objects. */
function renderPlain(value: unknown, indent: string): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quoteJsonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidOutput('JSON cannot represent NaN or Infinity');
    return String(value);
  }
  if (Array.isArray(value)) return block('[', ']', value.map((v) => renderPlain(v, indent + '\t')), indent);
  if (typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${quoteJsonString(k)}: ${renderPlain(v, indent + '\t')}`);
    return block('{', '}', members, indent);
  }
  throw invalidOutput(`cannot write a ${typeof value} as JSON`);
}

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, not assignment: a "__proto__" key must stay data, not change the prototype.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The plain object a parsed subtree stands for (used for the `sops` metadata block). */
export function nodeToPlain(node: TreeNode): unknown {
  switch (node.kind) {
    case 'map': {
      const obj: Record<string, unknown> = {};
      for (const item of node.items) if (item.kind === 'entry') setOwn(obj, item.key, nodeToPlain(item.value));
      return obj;
    }
    case 'list':
      return node.items.filter((i): i is TreeNode => i.kind !== 'comment').map(nodeToPlain);
    case 'scalar': {
      const s = node.scalar;
      if (s.type === 'null') return null;
      if (s.type === 'bool') return s.value;
      if (s.type === 'int' || s.type === 'float') return Number(s.value);
      return s.value;
    }
  }
}

export const jsonStore: Store = {
  format: 'json',

  parse(text: string): StoreParseResult {
    const root = new JsonParser(text).parseDocument();
    const sopsEntries = root.items.filter((i): i is MapEntry => i.kind === 'entry' && i.key === 'sops');
    if (sopsEntries.length === 0) return { file: { documents: [root] } };
    if (sopsEntries.length > 1) throw invalidOutput('invalid JSON: the top-level "sops" key appears more than once');
    const sopsNode = (sopsEntries[0] as MapEntry).value;
    if (sopsNode.kind !== 'map') throw invalidOutput('invalid JSON: the top-level "sops" key must be an object (sops metadata)');
    const data: MapNode = { kind: 'map', items: root.items.filter((i) => !(i.kind === 'entry' && i.key === 'sops')) };
    return { file: { documents: [data] }, metadata: nodeToPlain(sopsNode) as Record<string, unknown> };
  },

  emit(file: ParsedFile, metadata?: Record<string, unknown>): string {
    if (file.documents.length > 1) throw invalidOutput('JSON holds one document; this file has several');
    const root: MapNode = file.documents[0] ?? { kind: 'map', items: [] };
    const extra = metadata === undefined ? [] : [`"sops": ${renderPlain(metadata, '\t')}`];
    return renderNode(root, '', extra) + '\n';
  },

  emitValue(node: TreeNode): string {
    return renderNode(node, '');
  },
};
