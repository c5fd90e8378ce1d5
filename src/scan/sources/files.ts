import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SealguardError, ExitCode } from '../../shared/errors.js';
import { isInsideWorkTree } from '../../git/repo.js';
import { gitCalls, runGit } from '../../git/run.js';
import type { Fragment } from '../types.js';
import { sizeReason, toSlash, tooLarge, type SourceContext } from './context.js';
import { decodeText } from './decode.js';
import { hasBinaryExtension } from './binary-extensions.js';
import { mapBounded } from './bounded.js';
import { walkFolder } from './walk.js';

/** Reads in flight at once: enough to keep the disk busy, few enough to bound memory. */
const READ_CONCURRENCY = 16;

interface Candidate {
  readonly abs: string;
  /** Fragment path: relative to the scan's cwd, '/' separated. */
  readonly rel: string;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function displayPath(cwd: string, abs: string): string {
  return toSlash(path.relative(cwd, abs)) || path.basename(abs);
}

/**
 * Files of a folder: in a git work tree, exactly what git would consider (tracked plus untracked
 * not ignored, as `git ls-files` reports them); elsewhere a walk honouring .gitignore files.
 */
async function* folderFiles(absDir: string, cwd: string, ctx: SourceContext): AsyncGenerator<Candidate, void, undefined> {
  if (await isInsideWorkTree(absDir)) {
    // git lists tracked files, then untracked ones; one sorted list keeps reports stable.
    const listed = [...new Set(await runGit(absDir, gitCalls.lsFiles([])))].sort(byCodeUnit);
    for (const entry of listed) {
      // A trailing slash is an untracked nested repository (its own scan's business).
      if (entry.endsWith('/')) continue;
      const abs = path.join(absDir, entry);
      yield { abs, rel: displayPath(cwd, abs) };
    }
    return;
  }
  const prefix = toSlash(path.relative(cwd, absDir));
  for await (const rel of walkFolder(absDir, ctx, prefix === '' ? '' : `${prefix}/`)) {
    const abs = path.join(absDir, rel);
    yield { abs, rel: displayPath(cwd, abs) };
  }
}

async function* candidates(paths: readonly string[], cwd: string, ctx: SourceContext): AsyncGenerator<Candidate, void, undefined> {
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
      yield* folderFiles(abs, cwd, ctx);
    } else {
      yield { abs, rel: displayPath(cwd, abs) };
    }
  }
}

/** Read one file into a fragment, or tell ctx why not. Never throws. */
async function readCandidate(c: Candidate, ctx: SourceContext): Promise<Fragment | undefined> {
  if (hasBinaryExtension(c.rel)) {
    ctx.onSkip(c.rel, 'binary file');
    return undefined;
  }
  try {
    const lst = await fs.lstat(c.abs);
    const st = lst.isSymbolicLink() ? await fs.stat(c.abs) : lst;
    if (st.isDirectory()) {
      ctx.onSkip(c.rel, lst.isSymbolicLink() ? 'symlink to a folder' : 'folder (submodule or nested repository)');
      return undefined;
    }
    if (!st.isFile()) return undefined;
    if (tooLarge(st.size, ctx)) {
      ctx.onSkip(c.rel, sizeReason(st.size));
      return undefined;
    }
    const buf = await fs.readFile(c.abs);
    const text = decodeText(buf);
    if (text === undefined) {
      ctx.onSkip(c.rel, 'binary file');
      return undefined;
    }
    return { path: c.rel, text };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Tracked but deleted from the work tree, or removed while we scanned: nothing left to leak.
    if (code === 'ENOENT') return undefined;
    ctx.onSkip(c.rel, `unreadable (${code ?? 'error'})`);
    return undefined;
  }
}

/**
 * Fragments for files and folders (default '.'), one per text file, in listing order. A file named
 * explicitly is scanned even when .gitignore excludes it; folders honour .gitignore.
 */
export function fileFragments(paths: string[], cwd: string, ctx: SourceContext): AsyncIterable<Fragment> {
  const list = paths.length > 0 ? paths : ['.'];
  return mapBounded(candidates(list, path.resolve(cwd), ctx), READ_CONCURRENCY, (c) => readCandidate(c, ctx));
}

/** For the pre-commit framework, which passes the names of the files being committed, relative to the repo root. */
export function pathFragments(repoDir: string, paths: string[], ctx: SourceContext): AsyncIterable<Fragment> {
  if (paths.length === 0) return (async function* () {})();
  return fileFragments(paths, repoDir, ctx);
}
