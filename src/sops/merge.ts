/**
 * Three-way merge of decrypted sops trees, for the git merge driver. Pure: no keys, no files.
 *
 * Rules, key by key (a key's value is a map, a list or a scalar):
 * - changed on one side only: that side wins (a deletion is a change);
 * - changed identically on both sides: fine;
 * - changed differently on both sides, or changed on one side and deleted on the other, or added
 *   on both sides with different values: a conflict;
 * - maps on every side are merged key by key, recursively;
 * - a list is one value, except that when both sides only appended items to the base list, the
 *   result is ours followed by the items theirs appended that ours did not;
 * - comments follow ours. A comment theirs added just above a key that theirs added comes along
 *   with the key; any other comment change on their side is reported as a note, not merged.
 *
 * The result is ours' tree changed in place: nodes ours already had keep their identity (and so
 * their place and style when the store renders the file back), values taken from theirs are copies
 * without store-private origin data.
 */
import type { CommentNode, ListNode, MapEntry, MapNode, ParsedFile, Scalar, TreeNode } from './tree.js';

export type MergeConflictKind =
  /** Both sides changed the value, differently. */
  | 'both-changed'
  /** Both sides added the key, with different values. */
  | 'both-added'
  /** We deleted the key; they changed it. */
  | 'deleted-by-us'
  /** They deleted the key; we changed it. */
  | 'deleted-by-them';

export interface MergeConflict {
  /** Map keys from the document root to the conflicting value ([] is the whole document). */
  readonly path: readonly string[];
  /** 0-based document index, for files with several YAML documents. */
  readonly document: number;
  readonly kind: MergeConflictKind;
  readonly base?: TreeNode;
  readonly ours?: TreeNode;
  readonly theirs?: TreeNode;
}

export interface MergeResult {
  /** Ours, changed in place to hold the merge. Meaningless when there are conflicts. */
  readonly file: ParsedFile;
  readonly conflicts: readonly MergeConflict[];
  /** Things the user should know that did not stop the merge (comments not merged …). No values. */
  readonly notes: readonly string[];
}

type Slot = TreeNode | undefined;

interface Context {
  readonly document: number;
  readonly conflicts: MergeConflict[];
  readonly notes: string[];
}

/** Merge `theirs` into `ours` against their common ancestor `base`. Mutates `ours`. */
export function mergeTrees(base: ParsedFile, ours: ParsedFile, theirs: ParsedFile): MergeResult {
  const conflicts: MergeConflict[] = [];
  const notes: string[] = [];
  const n = ours.documents.length;
  if (base.documents.length !== n || theirs.documents.length !== n) {
    // Documents have no keys to pair them by: with a changed count, only a one-sided change merges.
    if (sameDocuments(base, ours)) {
      ours.documents.splice(0, n, ...theirs.documents.map((d) => adopt(d) as MapNode));
    } else if (!sameDocuments(base, theirs)) {
      conflicts.push({ path: [], document: 0, kind: 'both-changed' });
      notes.push('the number of YAML documents in the file changed: it can only be merged when one side alone changed the file');
    }
    return { file: ours, conflicts, notes };
  }
  ours.documents.forEach((doc, i) => {
    const ctx: Context = { document: i, conflicts, notes };
    mergeMaps(base.documents[i]!, doc, theirs.documents[i]!, [], ctx);
  });
  return { file: ours, conflicts, notes };
}

function sameDocuments(a: ParsedFile, b: ParsedFile): boolean {
  return a.documents.length === b.documents.length && a.documents.every((d, i) => sameNode(d, b.documents[i]));
}

/** The merged value for one key; undefined means the key is gone. Conflicts are recorded in ctx. */
function merge3(base: Slot, ours: Slot, theirs: Slot, path: readonly string[], ctx: Context): Slot {
  if (sameNode(ours, theirs)) return ours;
  if (ours?.kind === 'map' && theirs?.kind === 'map') {
    // Recurse even when only one side changed, so ours' nodes (and their layout) survive.
    mergeMaps(base?.kind === 'map' ? base : undefined, ours, theirs, path, ctx);
    return ours;
  }
  if (sameNode(base, ours)) return theirs === undefined ? undefined : take(ours, theirs);
  if (sameNode(base, theirs)) return ours;
  if (base?.kind === 'list' && ours?.kind === 'list' && theirs?.kind === 'list' && mergeAppends(base, ours, theirs)) return ours;
  const kind: MergeConflictKind =
    ours === undefined ? 'deleted-by-us' : theirs === undefined ? 'deleted-by-them' : base === undefined ? 'both-added' : 'both-changed';
  ctx.conflicts.push({ path, document: ctx.document, kind, base, ours, theirs });
  return ours;
}

/** Theirs' value in ours' place: a scalar replacing a scalar keeps ours' node (and so its style). */
function take(ours: Slot, theirs: TreeNode): TreeNode {
  if (ours?.kind === 'scalar' && theirs.kind === 'scalar') {
    ours.scalar = theirs.scalar;
    return ours;
  }
  return adopt(theirs);
}

function entries(map: MapNode | undefined): Map<string, MapEntry> {
  const out = new Map<string, MapEntry>();
  for (const item of map?.items ?? []) if (item.kind === 'entry' && !out.has(item.key)) out.set(item.key, item);
  return out;
}

function mergeMaps(base: MapNode | undefined, ours: MapNode, theirs: MapNode, path: readonly string[], ctx: Context): void {
  const baseEntries = entries(base);
  const theirEntries = entries(theirs);
  const ourKeys = new Set(entries(ours).keys());

  const kept: (MapEntry | CommentNode)[] = [];
  for (const item of ours.items) {
    if (item.kind === 'comment') {
      kept.push(item);
      continue;
    }
    const merged = merge3(baseEntries.get(item.key)?.value, item.value, theirEntries.get(item.key)?.value, [...path, item.key], ctx);
    if (merged === undefined) continue;
    if (merged !== item.value) item.value = merged;
    kept.push(item);
  }

  // Keys only theirs has: added by them, or deleted by us (then merge3 decides whether that holds).
  theirs.items.forEach((item, index) => {
    if (item.kind !== 'entry' || ourKeys.has(item.key)) return;
    const merged = merge3(baseEntries.get(item.key)?.value, undefined, item.value, [...path, item.key], ctx);
    if (merged === undefined) return;
    const added: (MapEntry | CommentNode)[] = [{ kind: 'entry', key: item.key, value: merged }];
    const baseComments = new Set(commentTexts(base));
    for (let i = index - 1; i >= 0; i--) {
      const prev = theirs.items[i]!;
      if (prev.kind !== 'comment' || baseComments.has(prev.text)) break;
      added.unshift({ kind: 'comment', text: prev.text });
    }
    kept.splice(insertionPoint(kept, theirs, index), 0, ...added);
  });

  const resultComments = new Set(commentTexts({ kind: 'map', items: kept }));
  const baseComments = new Set(commentTexts(base));
  const theirsChanged =
    commentTexts(theirs).some((t) => !baseComments.has(t) && !resultComments.has(t)) ||
    commentTexts(base).some((t) => !commentTexts(theirs).includes(t) && resultComments.has(t));
  if (theirsChanged) ctx.notes.push(`comments changed on their side ${where(path, ctx)} were not merged; ours were kept`);

  ours.items = kept;
}

/** Right after the nearest earlier key of theirs that the result has; else before the result's first key. */
function insertionPoint(result: readonly (MapEntry | CommentNode)[], theirs: MapNode, index: number): number {
  for (let i = index - 1; i >= 0; i--) {
    const prev = theirs.items[i]!;
    if (prev.kind !== 'entry') continue;
    const at = result.findIndex((it) => it.kind === 'entry' && it.key === prev.key);
    if (at >= 0) return at + 1;
  }
  const firstEntry = result.findIndex((it) => it.kind === 'entry');
  return firstEntry >= 0 ? firstEntry : result.length;
}

function commentTexts(map: MapNode | undefined): string[] {
  return (map?.items ?? []).filter((it): it is CommentNode => it.kind === 'comment').map((c) => c.text);
}

/**
 * Both sides only appended to the base list: ours gets the items theirs appended that ours did not.
 * False (and nothing changed) when either side changed or removed a base item.
 */
function mergeAppends(base: ListNode, ours: ListNode, theirs: ListNode): boolean {
  const n = base.items.length;
  const prefix = (list: ListNode) => list.items.length >= n && base.items.every((item, i) => sameItem(item, list.items[i]!));
  if (!prefix(ours) || !prefix(theirs)) return false;
  const ourAdded = ours.items.slice(n);
  for (const item of theirs.items.slice(n)) {
    if (!ourAdded.some((o) => sameItem(o, item))) ours.items.push(adopt(item));
  }
  return true;
}

function where(path: readonly string[], ctx: Context): string {
  const at = path.length === 0 ? 'at the top level' : `under ${formatTreePath(path)}`;
  return ctx.document > 0 ? `${at} of document ${ctx.document + 1}` : at;
}

/** A key path the way sops' --extract writes it: `["db"]["password"]`. */
export function formatTreePath(path: readonly string[]): string {
  return path.length === 0 ? '(the whole document)' : path.map((k) => `[${JSON.stringify(k)}]`).join('');
}

function sameScalar(a: Scalar, b: Scalar): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'null' || b.type === 'null') return true;
  return a.value === b.value;
}

function sameItem(a: TreeNode | CommentNode, b: TreeNode | CommentNode): boolean {
  if (a.kind === 'comment') return b.kind === 'comment' && a.text === b.text;
  if (b.kind === 'comment') return false;
  return sameNode(a, b);
}

/** Deep equality of values and comments; store-private origin data is ignored. */
export function sameNode(a: Slot, b: Slot): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.kind !== b.kind) return false;
  if (a.kind === 'scalar') return sameScalar(a.scalar, (b as typeof a).scalar);
  if (a.kind === 'list') {
    const bl = b as ListNode;
    return a.items.length === bl.items.length && a.items.every((item, i) => sameItem(item, bl.items[i]!));
  }
  const bm = b as MapNode;
  return (
    a.items.length === bm.items.length &&
    a.items.every((item, i) => {
      const other = bm.items[i]!;
      if (item.kind === 'comment') return other.kind === 'comment' && item.text === other.text;
      return other.kind === 'entry' && item.key === other.key && sameNode(item.value, other.value);
    })
  );
}

/** A copy of a node from another file, without that file's origin data (which would point into its text). */
function adopt<T extends TreeNode | CommentNode>(node: T): T {
  switch (node.kind) {
    case 'comment':
      return { kind: 'comment', text: node.text } as T;
    case 'scalar':
      return { kind: 'scalar', scalar: node.scalar } as T;
    case 'list':
      return { kind: 'list', items: node.items.map((it) => adopt(it)) } as T;
    case 'map':
      return {
        kind: 'map',
        items: node.items.map((it) => (it.kind === 'comment' ? adopt(it) : { kind: 'entry', key: it.key, value: adopt(it.value) })),
      } as T;
  }
}
