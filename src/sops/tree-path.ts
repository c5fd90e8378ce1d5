import { ExitCode, SealguardError } from '../shared/errors.js';
import type { MapNode, TreeNode } from './tree.js';

export type TreePathSegment = string | number;

/**
 * Parses a sops tree path: `["db"]["hosts"][0]` — map keys in double quotes (JSON string escapes),
 * list indices as bare integers. The same syntax `decrypt --extract`, `set` and `unset` take.
 */
export function parseTreePath(text: string): TreePathSegment[] {
  const bad = (why: string) =>
    new SealguardError('INVALID_TREE_PATH', `invalid tree path ${JSON.stringify(text)}: ${why}`, { exitCode: ExitCode.invalidTreePath });
  const segments: TreePathSegment[] = [];
  let i = 0;
  const s = text.trim();
  if (s === '') throw bad('it is empty; write it like ["key"][0]');
  while (i < s.length) {
    if (s[i] !== '[') throw bad(`expected '[' at position ${i + 1}`);
    i++;
    if (s[i] === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      if (j >= s.length) throw bad('unterminated string');
      try {
        segments.push(JSON.parse(s.slice(i, j + 1)) as string);
      } catch {
        throw bad(`bad escape in key at position ${i + 1}`);
      }
      i = j + 1;
    } else {
      const m = /^\d+/.exec(s.slice(i));
      if (!m) throw bad(`expected a quoted key or an index at position ${i + 1}`);
      segments.push(Number(m[0]));
      i += m[0].length;
    }
    if (s[i] !== ']') throw bad(`expected ']' at position ${i + 1}`);
    i++;
  }
  return segments;
}

/** The node at `path` below `root`, or a SealguardError naming the first missing step. */
export function nodeAtPath(root: MapNode, path: readonly TreePathSegment[]): TreeNode {
  let node: TreeNode = root;
  path.forEach((seg, depth) => {
    const where = path.slice(0, depth + 1).map((p) => (typeof p === 'number' ? `[${p}]` : `[${JSON.stringify(p)}]`)).join('');
    const missing = () => new SealguardError('PATH_NOT_FOUND', `no value at ${where}`, { exitCode: ExitCode.invalidTreePath });
    if (typeof seg === 'string') {
      if (node.kind !== 'map') throw missing();
      const entry = node.items.find((it) => it.kind === 'entry' && it.key === seg);
      if (!entry || entry.kind !== 'entry') throw missing();
      node = entry.value;
    } else {
      if (node.kind !== 'list') throw missing();
      const items = node.items.filter((it): it is TreeNode => it.kind !== 'comment');
      const next = items[seg];
      if (!next) throw missing();
      node = next;
    }
  });
  return node;
}
