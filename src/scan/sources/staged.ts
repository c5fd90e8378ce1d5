import { parseDiffStream } from '../../git/diff-parser.js';
import { streamGitLines } from '../../git/run.js';
import { stagedDiffArgs } from '../../git/staged-diff.js';
import type { Fragment } from '../types.js';
import type { SourceContext } from './context.js';
import { diffFragment } from './diff-fragments.js';

/**
 * The lines the staged change adds, one fragment per file, paths relative to the repository root.
 * Compared with HEAD; before the first commit git shows every staged file as added. Inside a hook git's
 * environment (GIT_INDEX_FILE) is inherited, so the index being committed is the one scanned.
 */
export async function* stagedFragments(repoDir: string, ctx: SourceContext): AsyncGenerator<Fragment, void, undefined> {
  for await (const file of parseDiffStream(streamGitLines(stagedDiffArgs(), { cwd: repoDir }))) {
    const fragment = diffFragment(file, ctx);
    if (fragment) yield fragment;
  }
}
