import type { FileDiff } from '../../git/diff-parser.js';
import type { CommitInfo, Fragment } from '../types.js';
import { sizeReason, tooLarge, type SourceContext } from './context.js';

/**
 * The fragment for one file of a diff: its added lines, numbered as in the new file. Deletions and
 * mode-only changes add nothing; binary and unmerged files are skipped with a note.
 */
export function diffFragment(file: FileDiff, ctx: SourceContext, commit?: CommitInfo): Fragment | undefined {
  if (file.status === 'unmerged') {
    ctx.onSkip(file.newPath, 'unmerged path (resolve the conflict and stage it)');
    return undefined;
  }
  if (file.binary) {
    if (file.status !== 'deleted') ctx.onSkip(file.newPath, 'binary file');
    return undefined;
  }
  if (file.addedLines.length === 0) return undefined;
  const text = file.addedLines.map((l) => l.text).join('\n');
  // The limit is on the added text, the part that is scanned.
  if (tooLarge(Buffer.byteLength(text), ctx)) {
    ctx.onSkip(file.newPath, sizeReason(Buffer.byteLength(text)));
    return undefined;
  }
  return {
    path: file.newPath,
    text,
    lines: file.addedLines.map((l) => l.lineNo),
    ...(commit ? { commit } : {}),
  };
}
