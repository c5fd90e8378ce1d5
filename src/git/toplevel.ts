import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The work tree's top folder found without running git: a spawn costs ~10 ms of the main thread
 * here, a tenth of the pre-commit hook's own work.
 */

/** Variables that change where git finds the repository or what its config says: with any set, git is asked. */
const DISCOVERY_ENV = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'GIT_CONFIG',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
];

/**
 * The nearest folder up from `cwd` (symlinks resolved) holding a `.git`, as git usually finds the
 * top; undefined when a variable of DISCOVERY_ENV is set or none is found. A guess: core.worktree,
 * a `.git` that is no repository, or a folder inside `.git` make it wrong (see certainToplevel).
 */
export function guessToplevel(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (steersGit(env)) return undefined;
  return nearestHolding(realpathSync(cwd), ['.git']);
}

function steersGit(env: NodeJS.ProcessEnv): boolean {
  return DISCOVERY_ENV.some((name) => env[name] !== undefined);
}

/**
 * True only where git could find no repository from `cwd`: no variable of DISCOVERY_ENV is set, and
 * no folder on the way up (symlinks resolved) holds a `.git` or a `HEAD` (a folder with HEAD may be
 * a bare repository or a git dir, which git would find). False whenever it cannot tell.
 */
export function outsideAnyRepository(cwd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (steersGit(env)) return false;
  try {
    return nearestHolding(realpathSync(cwd), ['.git', 'HEAD']) === undefined;
  } catch {
    return false;
  }
}

/** The nearest folder from `dir` up (a real path) holding an entry of one of `names`; one it cannot look into is passed over. */
function nearestHolding(dir: string, names: readonly string[]): string | undefined {
  for (;;) {
    if (names.some((name) => holds(dir, name))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function holds(dir: string, name: string): boolean {
  try {
    return lstatSync(path.join(dir, name), { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The top folder exactly as `git rev-parse --show-toplevel` gives it, where that can be told from the
 * files alone; undefined whenever git might answer otherwise. It takes the guess only for the plain
 * case: `.git` a folder of this user's, with HEAD and a config that names no work tree, no include
 * and no bare repository; `cwd` on the same file system and not inside `.git`. Worktrees and
 * submodules (a `.git` file) are left to git.
 */
export function certainToplevel(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    if (steersGit(env)) return undefined;
    const here = realpathSync(cwd);
    const top = nearestHolding(here, ['.git']);
    if (top === undefined) return undefined;
    const dotGit = path.join(top, '.git');
    const st = lstatSync(dotGit);
    if (!st.isDirectory()) return undefined;
    // git refuses a repository another user owns (safe.directory): let it say so.
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return undefined;
    if (!lstatSync(path.join(dotGit, 'HEAD')).isFile()) return undefined;
    const config = readFileSync(path.join(dotGit, 'config'), 'utf8');
    if (/worktree|include|bare\s*=\s*true/i.test(config)) return undefined;
    if (here === dotGit || here.startsWith(dotGit + path.sep)) return undefined;
    // git stops looking up at a file system boundary.
    if (statSync(here).dev !== statSync(top).dev) return undefined;
    return top;
  } catch {
    return undefined;
  }
}
