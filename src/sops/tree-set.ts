/**
 * `set` and `unset` on a decrypted tree, with sops' semantics: `set` creates missing map keys along
 * the path (and replaces a scalar standing where a map or list is needed), an index at or past the
 * end of a list appends; `unset` removes one map key or list item and fails when it is not there.
 * Nothing here encrypts: the session seals the tree afterwards.
 */
import { ExitCode, SealguardError } from '../shared/errors.js';
import { jsonStore } from './stores/json.js';
import type { ListNode, MapEntry, MapNode, TreeNode } from './tree.js';
import type { TreePathSegment } from './tree-path.js';

function describe(path: readonly TreePathSegment[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `[${JSON.stringify(p)}]`)).join('');
}

/**
 * A tree node from a JSON text (what `set` takes as VALUE). Parsed by the JSON store so an integer
 * stays an int and `1.0` stays a float, and object key order is kept.
 */
export function treeNodeFromJson(text: string): TreeNode {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new SealguardError('INVALID_VALUE', 'the value is empty: give a JSON value, e.g. \'"text"\', 42, true or {"k": "v"}', {
      exitCode: ExitCode.usage,
    });
  }
  let root: MapNode | undefined;
  try {
    root = jsonStore.parse(`{"v":${trimmed}\n}`).file.documents[0];
  } catch {
    // The parser's message could quote the value, which may be a secret.
    throw new SealguardError('INVALID_VALUE', 'the value is not valid JSON (a string needs double quotes: \'"text"\')', {
      exitCode: ExitCode.usage,
    });
  }
  const entry = root?.items.find((it): it is MapEntry => it.kind === 'entry' && it.key === 'v');
  if (!entry || root?.items.length !== 1) {
    throw new SealguardError('INVALID_VALUE', 'the value is not one JSON value', { exitCode: ExitCode.usage });
  }
  return entry.value;
}

/** Structural equality of two subtrees: keys, order, scalar types and values. Comments and formatting are ignored. */
export function sameTree(a: TreeNode, b: TreeNode): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'scalar' && b.kind === 'scalar') {
    const x = a.scalar;
    const y = b.scalar;
    if (x.type !== y.type) return false;
    if (x.type === 'null' || y.type === 'null') return true;
    return x.value === y.value;
  }
  if (a.kind === 'map' && b.kind === 'map') {
    const xs = a.items.filter((i): i is MapEntry => i.kind === 'entry');
    const ys = b.items.filter((i): i is MapEntry => i.kind === 'entry');
    return xs.length === ys.length && xs.every((x, i) => x.key === ys[i]?.key && sameTree(x.value, (ys[i] as MapEntry).value));
  }
  if (a.kind === 'list' && b.kind === 'list') {
    const xs = a.items.filter((i): i is TreeNode => i.kind !== 'comment');
    const ys = b.items.filter((i): i is TreeNode => i.kind !== 'comment');
    return xs.length === ys.length && xs.every((x, i) => sameTree(x, ys[i] as TreeNode));
  }
  return false;
}

function emptyContainerFor(seg: TreePathSegment): MapNode | ListNode {
  return typeof seg === 'string' ? { kind: 'map', items: [] } : { kind: 'list', items: [] };
}

function listValues(list: ListNode): TreeNode[] {
  return list.items.filter((i): i is TreeNode => i.kind !== 'comment');
}

/** Replace the `index`-th non-comment item of a list (comments keep their places). */
function replaceListValue(list: ListNode, index: number, value: TreeNode): void {
  let seen = -1;
  for (let i = 0; i < list.items.length; i++) {
    if (list.items[i]?.kind === 'comment') continue;
    if (++seen === index) {
      list.items[i] = value;
      return;
    }
  }
  list.items.push(value);
}

/**
 * Put `value` at `path` below `root`, creating what is missing. Returns false when the value there
 * was already equal (nothing changed: `--idempotent` skips the write), true otherwise.
 */
export function setAtPath(root: MapNode, path: readonly TreePathSegment[], value: TreeNode): boolean {
  if (path.length === 0) {
    throw new SealguardError('INVALID_TREE_PATH', 'set needs a path with at least one key, e.g. \'["key"]\'', {
      exitCode: ExitCode.invalidTreePath,
    });
  }
  if (typeof path[0] !== 'string') {
    throw new SealguardError('INVALID_TREE_PATH', `the document root is a map: ${describe(path)} must start with a key`, {
      exitCode: ExitCode.invalidTreePath,
    });
  }
  let node: MapNode | ListNode = root;
  for (let depth = 0; depth < path.length; depth++) {
    const seg = path[depth] as TreePathSegment;
    const last = depth === path.length - 1;
    const next = path[depth + 1];
    if (node.kind === 'map') {
      if (typeof seg !== 'string') throw new Error('unreachable: a map is only reached by a key');
      const entry = node.items.find((it): it is MapEntry => it.kind === 'entry' && it.key === seg);
      if (last) {
        if (entry) {
          if (sameTree(entry.value, value)) return false;
          entry.value = value;
        } else node.items.push({ kind: 'entry', key: seg, value });
        return true;
      }
      const wanted = typeof next === 'string' ? 'map' : 'list';
      if (entry && entry.value.kind === wanted) {
        node = entry.value as MapNode | ListNode;
      } else {
        const fresh = emptyContainerFor(next as TreePathSegment);
        if (entry) entry.value = fresh;
        else node.items.push({ kind: 'entry', key: seg, value: fresh });
        node = fresh;
      }
    } else {
      if (typeof seg !== 'number') throw new Error('unreachable: a list is only reached by an index');
      const items = listValues(node);
      const current = seg < items.length ? items[seg] : undefined;
      if (last) {
        if (current && sameTree(current, value)) return false;
        if (current) replaceListValue(node, seg, value);
        else node.items.push(value);
        return true;
      }
      const wanted = typeof next === 'string' ? 'map' : 'list';
      if (current && current.kind === wanted) {
        node = current as MapNode | ListNode;
      } else {
        const fresh = emptyContainerFor(next as TreePathSegment);
        if (current) replaceListValue(node, seg, fresh);
        else node.items.push(fresh);
        node = fresh;
      }
    }
  }
  return true;
}

/** Remove the map key or list item at `path`. Throws PATH_NOT_FOUND (exit 91) when it is not there. */
export function unsetAtPath(root: MapNode, path: readonly TreePathSegment[]): void {
  if (path.length === 0) {
    throw new SealguardError('INVALID_TREE_PATH', 'unset needs a path with at least one key, e.g. \'["key"]\'', {
      exitCode: ExitCode.invalidTreePath,
    });
  }
  const missing = () =>
    new SealguardError('PATH_NOT_FOUND', `no value at ${describe(path)}`, { exitCode: ExitCode.invalidTreePath });
  let node: TreeNode = root;
  for (let depth = 0; depth < path.length; depth++) {
    const seg = path[depth] as TreePathSegment;
    const last = depth === path.length - 1;
    if (typeof seg === 'string') {
      if (node.kind !== 'map') throw missing();
      const at: number = node.items.findIndex((it) => it.kind === 'entry' && it.key === seg);
      if (at < 0) throw missing();
      if (last) {
        node.items.splice(at, 1);
        return;
      }
      node = (node.items[at] as MapEntry).value;
    } else {
      if (node.kind !== 'list') throw missing();
      let seen = -1;
      const at: number = node.items.findIndex((it) => it.kind !== 'comment' && ++seen === seg);
      if (at < 0) throw missing();
      if (last) {
        node.items.splice(at, 1);
        return;
      }
      node = node.items[at] as TreeNode;
    }
  }
}
