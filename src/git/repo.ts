import path from 'node:path';
import { SealguardError, ExitCode } from '../shared/errors.js';
import { gitCalls, runGit } from './run.js';

/** Questions about the repository around a folder. */

/** Top folder of the work tree containing `cwd`. Throws GIT_NOT_A_REPO outside one. */
export async function repoRoot(cwd: string): Promise<string> {
  const inside = await runGit(cwd, gitCalls.isInsideWorkTree);
  if (!inside) {
    throw new SealguardError('GIT_NOT_A_REPO', `not inside a git work tree: ${cwd}`, { exitCode: ExitCode.usage });
  }
  return path.resolve(await runGit(cwd, gitCalls.showToplevel));
}

/** True when `dir` is inside a git work tree (false outside any repository and inside `.git`). */
export async function isInsideWorkTree(dir: string): Promise<boolean> {
  return runGit(dir, gitCalls.isInsideWorkTree);
}

/**
 * What the staged change is compared against: HEAD, or the empty tree before the first commit
 * (so a first commit's files count as added).
 */
export async function stagedBase(repoDir: string): Promise<string> {
  return (await runGit(repoDir, gitCalls.headCommit)) ?? (await runGit(repoDir, gitCalls.emptyTree));
}

/** Absolute path of a file under the git dir, as git resolves it (core.hooksPath, worktrees). */
export async function gitPath(repoDir: string, name: string): Promise<string> {
  return path.resolve(repoDir, await runGit(repoDir, gitCalls.gitPath(name)));
}
