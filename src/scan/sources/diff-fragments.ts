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
