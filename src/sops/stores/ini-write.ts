/**
 * Writes INI as sops does through go-ini's writer: the DEFAULT section first and without a header,
 * `key = value` with the `=` aligned per section, comments on the lines before their key or
 * section, a blank line between sections. Used for the `[sops]` section and whenever a tree has no
 * layout of its own to keep (a conversion from YAML, a changed structure).
 */
import { scalarText } from './scalar-text.js';
import { ExitCode, SealguardError } from '../../shared/errors.js';
import type { MapNode, Scalar } from '../tree.js';
import { quoteValue } from './ini-syntax.js';

export const DEFAULT_SECTION = 'DEFAULT';

export interface IniKey {
  value: string;
  comment?: string;
}

export interface IniSection {
  comment?: string;
  readonly keys: Map<string, IniKey>;
}

export function cannotWrite(message: string): SealguardError {
  return new SealguardError('FORMAT_MISMATCH', message, { exitCode: ExitCode.errorDumpingTree });
}


function section(sections: Map<string, IniSection>, name: string): IniSection {
  let s = sections.get(name);
  if (!s) {
    s = { keys: new Map() };
    sections.set(name, s);
  }
  return s;
}

/** A section's items: the first comment is the section's, a later comment belongs to the key before it. */
export function addSectionItems(target: IniSection, node: MapNode, sectionName: string): void {
  let last: IniKey | undefined;
  node.items.forEach((item, i) => {
    if (item.kind === 'comment') {
      if (i === 0) target.comment = item.text;
      else if (last) last.comment = item.text;
      return;
    }
    if (item.value.kind !== 'scalar') {
      throw cannotWrite(`INI cannot hold nested values: "${sectionName}" → "${item.key}" is a ${item.value.kind}`);
    }
    const text = scalarText(item.value.scalar);
    const existing = target.keys.get(item.key);
    if (existing) existing.value = text;
    else target.keys.set(item.key, { value: text });
    last = target.keys.get(item.key);
  });
}

/** The sections of a tree whose top level is a map of sections, DEFAULT first as go-ini keeps it. */
export function sectionsOf(root: MapNode): Map<string, IniSection> {
  const sections = new Map<string, IniSection>([[DEFAULT_SECTION, { keys: new Map() }]]);
  for (const item of root.items) {
    if (item.kind === 'comment') continue;
    if (item.value.kind !== 'map') {
      throw cannotWrite(`INI holds sections of keys: the top-level "${item.key}" is not a map; use yaml or json for this data`);
    }
    addSectionItems(section(sections, item.key), item.value, item.key);
  }
  return sections;
}

function commentLines(comment: string, trimFirst: boolean): string {
  return comment
    .split('\n')
    .map((line) => {
      if (line === '') return ';\n';
      if (line[0] !== '#' && line[0] !== ';') return `; ${trimFirst ? line.trim() : line}\n`;
      return `${line[0]} ${line.slice(1).trim()}\n`;
    })
    .join('');
}

function quoteKey(key: string): string {
  if (key.includes('\n') || key.trim() !== key || key === '') throw cannotWrite(`the key "${key.replaceAll('\n', '\\n')}" cannot be written in INI`);
  if (key.includes('"') || /[=:]/.test(key)) {
    if (key.includes('`')) throw cannotWrite(`the key "${key}" cannot be written in INI`);
    return '`' + key + '`';
  }
  if (key.includes('`')) return '"""' + key + '"""';
  return key;
}

/** One section's key lines with the `=` aligned. */
export function writeKeys(keys: ReadonlyMap<string, IniKey>): string {
  const names = [...keys.keys()].map(quoteKey);
  const width = Math.max(0, ...names.map((n) => Buffer.byteLength(n)));
  let out = '';
  [...keys.entries()].forEach(([key, k], i) => {
    const name = names[i] as string;
    const value = quoteValue(k.value);
    if (value === undefined) throw cannotWrite(`the value of "${key}" cannot be written in INI`);
    if (k.comment !== undefined) out += commentLines(k.comment, true);
    out += `${name}${' '.repeat(width - Buffer.byteLength(name))} = ${value}\n`;
  });
  return out;
}

/** Sections as go-ini writes them. */
export function writeSections(sections: ReadonlyMap<string, IniSection>): string {
  let out = '';
  const list = [...sections.entries()];
  list.forEach(([name, s], i) => {
    if (i === 0 && name === DEFAULT_SECTION && s.keys.size === 0 && s.comment === undefined) return;
    if (s.comment !== undefined) out += commentLines(s.comment, false);
    if (i > 0 || name !== DEFAULT_SECTION) {
      if (/[\n\]]/.test(name) || name === '') throw cannotWrite(`the section name "${name.replaceAll('\n', '\\n')}" cannot be written in INI`);
      out += `[${name}]\n`;
    }
    out += writeKeys(s.keys);
    if (i < list.length - 1) out += '\n';
  });
  return out;
}

/** The `[sops]` section from flattened metadata pairs. */
export function writeSopsSection(pairs: readonly (readonly [string, string])[]): string {
  return '[sops]\n' + writeKeys(new Map(pairs.map(([k, v]) => [k, { value: v }])));
}
