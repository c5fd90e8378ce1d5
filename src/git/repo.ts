import path from 'node:path';
import { SealguardError, ExitCode } from '../shared/errors.js';
import { gitCalls, runGit } from './run.js';
import { certainToplevel, outsideAnyRepository } from './toplevel.js';

/** Questions about the repository around a folder. */

/** Top folder of the work tree containing `cwd`. Throws GIT_NOT_A_REPO outside one. */
export async function repoRoot(cwd: string): Promise<string> {
  const known = certainToplevel(cwd);
  if (known !== undefined) return known;
  // One git call: every spawn is a few milliseconds of the pre-commit hook's budget.
  const top = outsideAnyRepository(cwd) ? '' : await runGit(cwd, gitCalls.showToplevel);
  if (top === '') {
    throw new SealguardError('GIT_NOT_A_REPO', `not inside a git work tree: ${cwd}`, { exitCode: ExitCode.usage });
  }
  return path.resolve(top);
}

/** True when `dir` is inside a git work tree (false outside any repository and inside `.git`). */
export async function isInsideWorkTree(dir: string): Promise<boolean> {
  // A scan of a folder outside any repository then starts without a spawn (~20 ms here).
  if (outsideAnyRepository(dir)) return false;
  return runGit(dir, gitCalls.isInsideWorkTree);
}

/** Absolute path of a file under the git dir, as git resolves it (core.hooksPath, worktrees). */
export async function gitPath(repoDir: string, name: string): Promise<string> {
  return path.resolve(repoDir, await runGit(repoDir, gitCalls.gitPath(name)));
}
