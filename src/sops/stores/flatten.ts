/**
 * The `sops` metadata object ⇄ the flat key/value pairs sops writes in formats that cannot nest
 * (INI `[sops]` section, dotenv `sops_…` lines). Follows sops' stores/flatten.go: a map member is
 * joined with `__map_`, a list item with `__list_N`, e.g. `pgp__list_0__map_fp`; newlines in values
 * are written as the two characters `\n`; `shamir_threshold` and `mac_only_encrypted` are the only
 * non-string fields and are converted back on read.
 */
import { SealguardError } from '../../shared/errors.js';

const MAP_SEPARATOR = '__map_';
const LIST_SEPARATOR = '__list_';

function invalid(problem: string): SealguardError {
  return new SealguardError('INVALID_METADATA', `invalid sops metadata: ${problem}`);
}

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, not assignment: a "__proto__" key must stay data.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function scalarText(value: unknown, at: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  throw invalid(`${at} cannot be written as a flat value`);
}

function flattenInto(out: Map<string, string>, prefix: string, value: unknown): void {
  if (value === null || value === undefined) return; // sops skips nil values
  if (Array.isArray(value)) {
    value.forEach((v, i) => flattenInto(out, `${prefix}${LIST_SEPARATOR}${i}`, v));
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flattenInto(out, `${prefix}${MAP_SEPARATOR}${k}`, v);
  } else {
    out.set(prefix, scalarText(value, prefix));
  }
}

/**
 * The flat `[key, value]` pairs of a metadata object, sorted by key as sops 3.13 writes them,
 * newlines encoded as `\n`.
 */
export function flattenMetadata(metadata: Record<string, unknown>): [string, string][] {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(metadata)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') {
      // A top-level member has no leading separator: `pgp__list_0…`, not `__map_pgp…`.
      const inner = new Map<string, string>();
      flattenInto(inner, '', v);
      for (const [ik, iv] of inner) out.set(k + ik, iv);
    } else {
      out.set(k, scalarText(v, k));
    }
  }
  return [...out]
    .map(([k, v]): [string, string] => [k, v.replaceAll('\n', '\\n')])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

type Token = { readonly map: string } | { readonly list: number };

/** Split a flat key at its separators (sops' tokenize). */
function tokenize(key: string): Token[] {
  const tokens: Token[] = [];
  let state: 'normal' | 'map' | 'list' = 'normal';
  let start = 0;
  const finish = (end: number): void => {
    if (state === 'list') {
      const digits = key.slice(start, end);
      if (!/^[0-9]{1,6}$/.test(digits)) throw invalid(`the flat key ${key} has a bad list index`);
      tokens.push({ list: Number(digits) });
    } else {
      tokens.push({ map: key.slice(start, end) });
    }
  };
  let i = 0;
  while (i < key.length) {
    if (key.startsWith(MAP_SEPARATOR, i)) {
      finish(i);
      state = 'map';
      i += MAP_SEPARATOR.length;
      start = i;
    } else if (key.startsWith(LIST_SEPARATOR, i)) {
      finish(i);
      state = 'list';
      i += LIST_SEPARATOR.length;
      start = i;
    } else {
      i++;
    }
  }
  finish(key.length);
  return tokens;
}

type Container = Record<string, unknown> | unknown[];

function child(container: Container, token: Token, next: Token, key: string): Container {
  const existing = 'map' in token ? (container as Record<string, unknown>)[token.map] : (container as unknown[])[token.list];
  const wantList = 'list' in next;
  if (existing === undefined || existing === null) {
    const created: Container = wantList ? [] : {};
    if ('map' in token) setOwn(container as Record<string, unknown>, token.map, created);
    else (container as unknown[])[token.list] = created;
    return created;
  }
  if (typeof existing !== 'object' || Array.isArray(existing) !== wantList) {
    throw invalid(`the flat key ${key} conflicts with another key`);
  }
  return existing as Container;
}

function assign(container: Container, token: Token, value: string, key: string): void {
  if ('map' in token) {
    const obj = container as Record<string, unknown>;
    if (Object.hasOwn(obj, token.map)) throw invalid(`the flat key ${key} conflicts with another key`);
    setOwn(obj, token.map, value);
  } else {
    const list = container as unknown[];
    if (list[token.list] !== undefined) throw invalid(`the flat key ${key} conflicts with another key`);
    list[token.list] = value;
  }
}

/** Gaps in a list (index 0 and 2 but no 1) are null, as Go fills them with nil. */
function fillHoles(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value, (v) => (v === undefined ? null : fillHoles(v)));
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) setOwn(value as Record<string, unknown>, k, fillHoles(v));
  }
  return value;
}

/**
 * The nested metadata object from flat pairs (keys without the dotenv `sops_` prefix). Values are
 * decoded as sops does: `\n` becomes a newline, `mac_only_encrypted` a boolean, `shamir_threshold`
 * a number.
 */
export function unflattenMetadata(flat: Iterable<readonly [string, string]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, raw] of flat) {
    const value = raw.replaceAll('\\n', '\n');
    if (key === 'mac_only_encrypted') {
      setOwn(root, key, value === 'true');
      continue;
    }
    if (key === 'shamir_threshold') {
      if (!/^[+-]?[0-9]{1,9}$/.test(value.trim())) throw invalid('shamir_threshold is not an integer');
      setOwn(root, key, Number(value.trim()));
      continue;
    }
    const tokens = tokenize(key);
    let current: Container = root;
    for (let i = 0; i < tokens.length - 1; i++) current = child(current, tokens[i] as Token, tokens[i + 1] as Token, key);
    assign(current, tokens[tokens.length - 1] as Token, value, key);
  }
  return fillHoles(root) as Record<string, unknown>;
}
