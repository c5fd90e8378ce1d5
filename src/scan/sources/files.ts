import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SealguardError, ExitCode } from '../../shared/errors.js';
import { isInsideWorkTree } from '../../git/repo.js';
import { gitCalls, runGit } from '../../git/run.js';
import type { Fragment } from '../types.js';
import { isLossyName, LOSSY_NAME_REASON, toSlash, type SourceContext } from './context.js';
import { readTextFile, type ReadBuffer } from './read-file.js';
import { hasBinaryExtension } from './binary-extensions.js';
import { walkFolder } from './walk.js';

export interface FileCandidate {
  readonly abs: string;
  /** Fragment path: relative to the scan's cwd, '/' separated. */
  readonly rel: string;
  /** The folder listing said it is a regular file (a symlink, a name from git or the command line is not known to be). */
  readonly regular?: boolean;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function displayPath(cwd: string, abs: string): string {
  return toSlash(path.relative(cwd, abs)) || path.basename(abs);
}

/**
 * Files of a folder: in a git work tree, exactly what git would consider (tracked plus untracked
 * not ignored, as `git ls-files` reports them); elsewhere a walk honouring .gitignore files. Only
 * asking git is asynchronous: the files are then listed as the caller iterates.
 */
async function folderFiles(absDir: string, cwd: string, ctx: SourceContext): Promise<Iterable<FileCandidate>> {
  if (await isInsideWorkTree(absDir)) {
    // git lists tracked files, then untracked ones; one sorted list keeps reports stable.
    const listed = [...new Set(await runGit(absDir, gitCalls.lsFiles([])))].sort(byCodeUnit);
    return trackedFiles(listed, absDir, cwd, ctx);
  }
  return walkedFiles(absDir, cwd, ctx);
}

function* trackedFiles(listed: readonly string[], absDir: string, cwd: string, ctx: SourceContext): Generator<FileCandidate, void, undefined> {
  for (const entry of listed) {
    // A trailing slash is an untracked nested repository (its own scan's business).
    if (entry.endsWith('/')) continue;
    const abs = path.join(absDir, entry);
    if (isLossyName(abs)) {
      ctx.onSkip(displayPath(cwd, abs), LOSSY_NAME_REASON);
      continue;
    }
    yield { abs, rel: displayPath(cwd, abs) };
  }
}

function* walkedFiles(absDir: string, cwd: string, ctx: SourceContext): Generator<FileCandidate, void, undefined> {
  const prefix = toSlash(path.relative(cwd, absDir));
  const shown = prefix === '' ? '' : `${prefix}/`;
  // Joined as strings: a walked path has no '.' or '..' part to normalise, and path.join and
  // path.relative per file were a tenth of the walk's time (measured on ~10,000 npm files).
  const base = absDir.endsWith(path.sep) ? absDir : absDir + path.sep;
  const native = path.sep === '/' ? (rel: string) => rel : (rel: string) => rel.replaceAll('/', path.sep);
  // A folder outside the current one may hold it: only path.relative then shortens `../pkg/a` to `a`.
  const inside = prefix !== '..' && !prefix.startsWith('../') && !path.isAbsolute(prefix);
  for (const file of walkFolder(absDir, ctx, shown)) {
    const abs = base + native(file.rel);
    yield { abs, rel: inside ? shown + file.rel : displayPath(cwd, abs), ...(file.regular ? { regular: true } : {}) };
  }
}

/**
 * The files a scan of `paths` reads, in report order (folders expanded as described at
 * fileFragments): one group per path, each listed synchronously as it is iterated (skips met on
 * the way are told to ctx in their place), so a caller pays no promise per file.
 */
export async function* candidateGroups(paths: readonly string[], cwd: string, ctx: SourceContext): AsyncGenerator<Iterable<FileCandidate>, void, undefined> {
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let st;
    try {
      st = await fs.stat(abs);
    } catch {
      throw new SealguardError('PATH_NOT_FOUND', `no such file or folder: ${p}`, { exitCode: ExitCode.usage });
    }
    if (st.isDirectory()) {
      // `scan .git` (or a folder in it) would otherwise read the object store.
      if (path.basename(abs) === '.git') continue;
      yield await folderFiles(abs, cwd, ctx);
    } else {
      yield [{ abs, rel: displayPath(cwd, abs) }];
    }
  }
}

/** The files a scan of `paths` reads, one by one (see candidateGroups). */
export async function* fileCandidates(paths: readonly string[], cwd: string, ctx: SourceContext): AsyncGenerator<FileCandidate, void, undefined> {
  for await (const group of candidateGroups(paths, cwd, ctx)) yield* group;
}

/**
 * Read one file into a fragment, or tell ctx why not. Never throws. With `into` (only where the
 * fragment goes straight to detect() and is dropped before the next read), the bytes are read into
 * that buffer and kept in the fragment for the engine, and the text is decoded only if asked for.
 */
export function readCandidate(c: FileCandidate, ctx: SourceContext, into?: ReadBuffer): Fragment | undefined {
  if (hasBinaryExtension(c.rel)) {
    ctx.onSkip(c.rel, 'binary file');
    return undefined;
  }
  const r = readTextFile(c.abs, ctx, into, c.regular === true);
  if (r === undefined) return undefined;
  if ('skip' in r) {
    ctx.onSkip(c.rel, r.skip);
    return undefined;
  }
  if (into === undefined || r.utf8 === undefined) return { path: c.rel, text: r.text };
  // Read through a getter, so a file the engine settles on its bytes alone is never decoded.
  return {
    path: c.rel,
    utf8: r.utf8,
    get text(): string {
      return r.text;
    },
  };
}

/**
 * Fragments for files and folders (default '.'), one per text file, in listing order. A file named
 * explicitly is scanned even when .gitignore excludes it; folders honour .gitignore.
 */
export function fileFragments(paths: string[], cwd: string, ctx: SourceContext): AsyncIterable<Fragment> {
  const list = paths.length > 0 ? paths : ['.'];
  return (async function* () {
    for await (const c of fileCandidates(list, path.resolve(cwd), ctx)) {
      const fragment = readCandidate(c, ctx);
      if (fragment !== undefined) yield fragment;
    }
  })();
}

/** For the pre-commit framework, which passes the names of the files being committed, relative to the repo root. */
export function pathFragments(repoDir: string, paths: string[], ctx: SourceContext): AsyncIterable<Fragment> {
  if (paths.length === 0) return (async function* () {})();
  return fileFragments(paths, repoDir, ctx);
}
