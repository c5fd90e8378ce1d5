import { Buffer, isUtf8 } from 'node:buffer';
import type { FileDiff } from '../../git/diff-parser.js';
import type { CommitInfo, Fragment } from '../types.js';
import { sizeReason, tooLarge, type SourceContext } from './context.js';
import { LazyText } from './decode.js';

/** Whether a file of a diff has text to scan at all; binary and unmerged files are noted as skipped. */
function scannable(file: FileDiff, ctx: SourceContext): boolean {
  if (file.status === 'unmerged') {
    ctx.onSkip(file.newPath, 'unmerged path (resolve the conflict and stage it)');
    return false;
  }
  if (file.binary) {
    if (file.status !== 'deleted') ctx.onSkip(file.newPath, 'binary file');
    return false;
  }
  return true;
}

/**
 * The fragment for one file of a diff: its added lines, numbered as in the new file. Deletions and
 * mode-only changes add nothing; binary and unmerged files are skipped with a note.
 */
export function diffFragment(file: FileDiff, ctx: SourceContext, commit?: CommitInfo): Fragment | undefined {
  if (!scannable(file, ctx) || file.addedLines.length === 0) return undefined;
  const text = file.addedLines.map((l) => l.text).join('\n');
  // The limit is on the added text, the part that is scanned. A UTF-16 unit takes at most 3 UTF-8
  // bytes, so most texts are known to fit without counting their bytes.
  if (tooLarge(text.length * 3, ctx)) {
    const bytes = Buffer.byteLength(text);
    if (tooLarge(bytes, ctx)) {
      ctx.onSkip(file.newPath, sizeReason(bytes));
      return undefined;
    }
  }
  return {
    path: file.newPath,
    text,
    lines: file.addedLines.map((l) => l.lineNo),
    ...(commit ? { commit } : {}),
  };
}

/** A file's added lines as git printed them: their bytes joined by '\n', and their line numbers. */
export interface AddedBytes {
  readonly bytes: Buffer;
  readonly lines: readonly number[];
}

/** A fragment read from valid UTF-8 bytes; its string is made only if something asks for it. */
class Utf8Fragment extends LazyText implements Fragment {
  readonly path: string;
  readonly lines: readonly number[];
  readonly commit?: CommitInfo;

  constructor(path: string, added: AddedBytes, commit: CommitInfo | undefined) {
    super(added.bytes);
    this.path = path;
    this.lines = added.lines;
    if (commit) this.commit = commit;
  }
}

/**
 * diffFragment for a file whose added lines were kept as bytes (`added`, absent when it has none):
 * the same fragment, skips and size limit. Bytes that are not valid UTF-8 are decoded as the text
 * path decodes them (replacement characters), and measured as that text.
 */
export function diffFragmentFromBytes(file: FileDiff, added: AddedBytes | undefined, ctx: SourceContext, commit?: CommitInfo): Fragment | undefined {
  if (!scannable(file, ctx) || added === undefined) return undefined;
  if (isUtf8(added.bytes)) {
    if (tooLarge(added.bytes.length, ctx)) {
      ctx.onSkip(file.newPath, sizeReason(added.bytes.length));
      return undefined;
    }
    return new Utf8Fragment(file.newPath, added, commit);
  }
  const text = added.bytes.toString('utf8');
  const bytes = Buffer.byteLength(text);
  if (tooLarge(bytes, ctx)) {
    ctx.onSkip(file.newPath, sizeReason(bytes));
    return undefined;
  }
  return { path: file.newPath, text, lines: added.lines, ...(commit ? { commit } : {}) };
}
