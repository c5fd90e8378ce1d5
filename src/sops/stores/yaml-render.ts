import { parseDocument, isMap, isScalar, isSeq, Scalar as YamlScalar } from 'yaml';
import type { Scalar } from '../tree.js';
import { plainSpelling, resolvePlain } from './yaml-resolve.js';

/**
 * Spelling scalars as YAML text. Every renderer here is the exact inverse of YAML's reading rules
 * for the values it accepts and returns undefined otherwise, so callers can fall back to a style
 * that always works (double quotes).
 */

export type Context = 'block' | 'flow';

const SIMPLE_PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_./+=@~-]*$/;
const ENC_VALUE = /^ENC\[[A-Za-z0-9_,:+/=]*\]$/;

/**
 * The plain spelling of a string, when YAML reads it back as the same string and go-yaml resolves
 * it as a string (so `true`, `12` or `2024-01-01` are never written plain).
 */
export function renderPlainString(value: string, ctx: Context): string | undefined {
  if (resolvePlain(value).type !== 'str') return undefined;
  return readsBackPlainSyntax(value, ctx) ? value : undefined;
}

/** Whether `value` written plain reads back as the same text, whatever type it would resolve to. */
export function readsBackPlainSyntax(value: string, ctx: Context): boolean {
  if (SIMPLE_PLAIN.test(value)) return true;
  if (ctx === 'block' && ENC_VALUE.test(value)) return true;
  if (value === '' || /^\s|\s$|[\n\r\t]/.test(value) || /[\x00-\x1f\x7f\u0085\u2028\u2029\ufeff]/.test(value)) return false;
  if (ctx === 'block') return BLOCK_PLAIN.test(value) && !/: | #|:$/.test(value);
  return readsBackPlain(value, ctx);
}

/**
 * YAML's plain-scalar rule for block context: no indicator first (`-`, `?`, `:` only when followed
 * by a non-space), and no `: `, ` #` or final `:` (checked by the caller).
 */
const BLOCK_PLAIN = /^(?:[^-?:,[\]{}#&*!|>'"%@`\s]|[-?:][^\s])/;

/** The plain spelling of a non-string scalar; undefined when YAML would read it as another type. */
export function renderPlainTyped(s: Exclude<Scalar, { type: 'str' }>): string | undefined {
  let text = plainSpelling(s);
  if (s.type === 'float' && resolvePlain(text).type === 'int') text += '.0';
  return resolvePlain(text).type === s.type ? text : undefined;
}

// Parsing a one-value document is slow next to the checks above; cache the verdicts.
const plainVerdicts = new Map<string, boolean>();

function readsBackPlain(value: string, ctx: Context): boolean {
  const key = ctx + '\0' + value;
  const cached = plainVerdicts.get(key);
  if (cached !== undefined) return cached;
  let ok = false;
  try {
    const doc = parseDocument(ctx === 'flow' ? `[${value}]` : `k: ${value}\n`, { schema: 'failsafe' });
    if (doc.errors.length === 0) {
      const c = doc.contents;
      const node = isSeq(c) && c.items.length === 1 ? c.items[0] : isMap(c) && c.items.length === 1 ? c.items[0]!.value : undefined;
      ok = isScalar(node) && node.type === YamlScalar.PLAIN && node.value === value;
    }
  } catch {
    ok = false;
  }
  if (plainVerdicts.size > 10_000) plainVerdicts.clear();
  plainVerdicts.set(key, ok);
  return ok;
}

export function renderSingleQuoted(value: string): string | undefined {
  if (/[\n\r\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]/.test(value)) return undefined;
  return `'${value.replaceAll("'", "''")}'`;
}

const ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\x0b': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\x1b': '\\e',
  '"': '\\"',
  '\\': '\\\\',
  '\u0085': '\\N',
  '\u00a0': '\\_',
  '\u2028': '\\L',
  '\u2029': '\\P',
};

/** Double-quoted, one line, the shortest standard escapes. Represents any string. */
export function renderDoubleQuoted(value: string): string {
  let out = '"';
  for (const ch of value) {
    const esc = ESCAPES[ch];
    if (esc !== undefined) out += esc;
    else {
      const code = ch.codePointAt(0)!;
      if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0').toUpperCase();
      else if (code === 0xfeff) out += '\\uFEFF';
      else out += ch;
    }
  }
  return out + '"';
}

/** How a block scalar is laid out: the chomping and indentation indicator, and the content indent. */
export interface BlockLayout {
  readonly kind: 'literal' | 'folded';
  /** The explicit indentation indicator digit, when the header has one. */
  readonly indicator?: number;
  /** Absolute column of the content lines. */
  readonly contentIndent: number;
}

export interface RenderedBlock {
  /** Header without the trailing line break, e.g. `|-` or `>2+`. */
  readonly header: string;
  /** Content lines, each followed by `eol`. */
  readonly content: string;
}

/**
 * A block scalar for `value`. Chomping follows from the value's trailing line breaks (none: `-`,
 * one: clip, more: `+`), so an ENC string (no line break) always gets `-` and sops reads it as is.
 */
export function renderBlock(value: string, layout: BlockLayout, eol: string): RenderedBlock | undefined {
  if (/[\r\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]/.test(value)) return undefined;
  const trailing = /\n*$/.exec(value)![0].length;
  const body = value.slice(0, value.length - trailing);
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  if (body === '') return undefined;
  const lines = layout.kind === 'literal' ? body.split('\n') : foldLines(body);
  if (lines === undefined) return undefined;
  const firstText = lines.find((l) => l !== '') ?? '';
  const needsIndicator = /^[ \t]/.test(firstText) || /^[ \t]/.test(lines[0] ?? '');
  if (needsIndicator && layout.indicator === undefined) return undefined;
  const indent = ' '.repeat(layout.contentIndent);
  let content = lines.map((l) => (l === '' ? '' : indent + l) + eol).join('');
  for (let i = 1; i < trailing; i++) content += eol;
  const sign = layout.kind === 'literal' ? '|' : '>';
  return { header: sign + (layout.indicator ?? '') + chomp, content };
}

/**
 * Inverse of YAML folding without re-wrapping: a line break between two plain text lines is
 * written as an empty line; breaks next to more-indented lines are kept as they are.
 */
function foldLines(body: string): string[] | undefined {
  const src = body.split('\n');
  const out: string[] = [];
  for (let i = 0; i < src.length; i++) {
    const line = src[i]!;
    out.push(line);
    if (i === src.length - 1) break;
    const next = src[i + 1]!;
    const lineIsText = line !== '' && !/^[ \t]/.test(line);
    // Find the next non-empty line to decide whether this break would fold to a space.
    let j = i + 1;
    while (j < src.length && src[j] === '') j++;
    const nextText = j < src.length ? src[j]! : '';
    const nextIsText = nextText !== '' && !/^[ \t]/.test(nextText);
    if (lineIsText && next === '' && nextIsText) out.push('');
    else if (lineIsText && next !== '' && nextIsText) out.push('');
  }
  return out;
}

/** A mapping key as sops writes it: plain when that reads back as the same string, else double-quoted. */
export function renderKey(key: string): string {
  return renderPlainString(key, 'block') ?? (key.includes('\n') ? renderDoubleQuoted(key) : renderSingleQuoted(key) ?? renderDoubleQuoted(key));
}
