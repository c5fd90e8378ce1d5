/**
 * dotenv store, laid out as sops' stores/dotenv: one `KEY=VALUE` per line, the key being everything
 * before the first `=` (spaces included) and the value everything after it, with `\n` standing for
 * a newline. Quotes are not interpreted: every value is a string, byte for byte. A line starting
 * with `#` is a comment (its text is the rest of the line, so sops encrypts it like any comment).
 * Metadata is appended as sorted `sops_`-prefixed flattened keys.
 *
 * sops drops blank lines; we keep where they were (in the nodes' `origin`) so a decrypt of an
 * encrypt gives the user's file back. sops ignores empty lines, so the encrypted file stays
 * readable by sops. A missing final newline is not kept (every line is written with one).
 */
import { scalarText } from './scalar-text.js';
import { ExitCode, SealguardError } from '../../shared/errors.js';
import type { CommentNode, MapEntry, MapNode, ParsedFile, Scalar, TreeNode } from '../tree.js';
import { flattenMetadata, unflattenMetadata } from './flatten.js';
import type { Store, StoreParseResult } from './types.js';

/** Key prefix of metadata lines. */
export const DOTENV_SOPS_PREFIX = 'sops_';

/** How many empty lines came before a line (an entry's or comment's `origin`). */
class DotenvSpacing {
  constructor(readonly blankLinesBefore: number) {}
}

/** Empty lines after the last data line (the ParsedFile's `origin`). */
class DotenvTrailer {
  constructor(readonly blankLinesAfter: number) {}
}

function invalidInput(message: string): SealguardError {
  return new SealguardError('INVALID_INPUT', message, { exitCode: ExitCode.usage });
}

function cannotWrite(message: string): SealguardError {
  return new SealguardError('FORMAT_MISMATCH', message, { exitCode: ExitCode.errorDumpingTree });
}

function parse(text: string): StoreParseResult {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const items: (MapEntry | CommentNode)[] = [];
  const metadata: [string, string][] = [];
  let blanks = 0;
  lines.forEach((line, i) => {
    // sops refuses a lone "\r"; taking it as blank lets CRLF files with blank lines through.
    if (line === '' || line === '\r') {
      blanks++;
      return;
    }
    if (line.startsWith('#')) {
      items.push({ kind: 'comment', text: line.slice(1), origin: new DotenvSpacing(blanks) });
      blanks = 0;
      return;
    }
    const eq = line.indexOf('=');
    // The line is not quoted: it may hold a secret.
    if (eq === -1) throw invalidInput(`invalid dotenv at line ${i + 1}: expected KEY=VALUE or a # comment`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).replaceAll('\\n', '\n');
    if (key.startsWith(DOTENV_SOPS_PREFIX)) {
      metadata.push([key.slice(DOTENV_SOPS_PREFIX.length), value]);
      return;
    }
    items.push({
      kind: 'entry',
      key,
      value: { kind: 'scalar', scalar: { type: 'str', value } },
      origin: new DotenvSpacing(blanks),
    });
    blanks = 0;
  });
  const file: ParsedFile = { documents: [{ kind: 'map', items }], origin: new DotenvTrailer(blanks) };
  if (metadata.length === 0) return { file };
  return { file, metadata: unflattenMetadata(metadata) };
}


function describe(node: TreeNode): string {
  return node.kind === 'map' ? 'a map' : 'a list';
}

function renderEntry(entry: MapEntry): string {
  const { key, value } = entry;
  if (value.kind !== 'scalar') {
    throw cannotWrite(`dotenv cannot hold nested values: "${key}" is ${describe(value)}; use yaml or json for nested data`);
  }
  if (key.includes('=') || key.includes('\n') || key.startsWith('#') || key === '') {
    throw cannotWrite(`the key "${key.replaceAll('\n', '\\n')}" cannot be written as a dotenv key`);
  }
  if (key.startsWith(DOTENV_SOPS_PREFIX)) {
    throw cannotWrite(`the key "${key}" cannot be written to dotenv: keys starting with sops_ are read back as sops metadata`);
  }
  return `${key}=${scalarText(value.scalar).replaceAll('\n', '\\n')}`;
}

function blankLines(origin: unknown): string {
  return origin instanceof DotenvSpacing ? '\n'.repeat(origin.blankLinesBefore) : '';
}

function emit(file: ParsedFile, metadata?: Record<string, unknown>): string {
  if (file.documents.length > 1) throw cannotWrite('dotenv holds one document; this file has several');
  const root: MapNode = file.documents[0] ?? { kind: 'map', items: [] };
  let out = '';
  for (const item of root.items) {
    out += blankLines(item.origin);
    if (item.kind === 'comment') {
      // One `#` line per line of text: a newline inside a comment would otherwise start a bogus line.
      out += item.text.split('\n').map((line) => `#${line}\n`).join('');
    } else {
      out += renderEntry(item) + '\n';
    }
  }
  if (file.origin instanceof DotenvTrailer) out += '\n'.repeat(file.origin.blankLinesAfter);
  if (metadata !== undefined) {
    for (const [key, value] of flattenMetadata(metadata)) out += `${DOTENV_SOPS_PREFIX}${key}=${value}\n`;
  }
  return out;
}

export const dotenvStore: Store = {
  format: 'dotenv',
  parse,
  emit,
  emitValue(node: TreeNode): string {
    if (node.kind !== 'scalar') throw cannotWrite(`dotenv can only print single values, not ${describe(node)}`);
    return scalarText(node.scalar);
  },
};
