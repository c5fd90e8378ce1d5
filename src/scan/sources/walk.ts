import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { SourceContext } from './context.js';
import { isLossyName, LOSSY_NAME_REASON, toSlash } from './context.js';

/**
 * Walk a folder that is not in a git work tree, honouring every .gitignore on the way down the way
 * git does: a deeper file can re-include what a shallower one excluded. Never enters `.git`;
 * symlinks to folders are skipped (they can loop); symlinks to files are followed.
 */

interface Level {
  /** Folder of the .gitignore, relative to the walk root, '' for the root. */
  readonly base: string;
  readonly ig: Ignore;
}

function isIgnored(levels: readonly Level[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const { base, ig } of levels) {
    const local = base === '' ? rel : rel.slice(base.length + 1);
    const r = ig.test(isDir ? `${local}/` : local);
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
}

function readGitignore(dir: string, entries: readonly Dirent[]): Ignore | undefined {
  // Most folders have none: looking in the listing avoids a failing read (and its exception) per folder.
  if (!entries.some((e) => e.name === '.gitignore')) return undefined;
  try {
    return ignore().add(readFileSync(path.join(dir, '.gitignore'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** A file found by the walk: its path relative to the root ('/' separated), and whether the listing said it is a regular file (not a symlink). */
export interface WalkedFile {
  readonly rel: string;
  readonly regular: boolean;
}

/**
 * Files under `root` (absolute), in sorted order. Synchronous, listed as the caller iterates: each
 * file passed up through a chain of async generators (one per folder level) cost more than listing
 * it (measured on ~10,000 npm files in ~1,100 folders, cold: ~80 ms that way, ~50 ms like this).
 */
export function* walkFolder(root: string, ctx: SourceContext, displayPrefix: string): Generator<WalkedFile, void, undefined> {
  function* visit(rel: string, levels: readonly Level[]): Generator<WalkedFile, void, undefined> {
    const dir = rel === '' ? root : path.join(root, rel);
    let entries;
    try {
      // Synchronous: a listing comes from the kernel's cache in microseconds, less than a promise round trip.
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      ctx.onSkip(displayPrefix + rel || '.', `unreadable folder (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      return;
    }
    const own = readGitignore(dir, entries);
    const here = own ? [...levels, { base: rel, ig: own }] : levels;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name === '.git') continue;
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      // Only a name with U+FFFD can be lossy: the join is left for those.
      if (e.name.includes('\ufffd') && isLossyName(path.join(dir, e.name))) {
        ctx.onSkip(toSlash(displayPrefix + childRel), LOSSY_NAME_REASON);
        continue;
      }
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) {
        try {
          isDir = statSync(path.join(dir, e.name)).isDirectory();
        } catch {
          continue; // dangling link: nothing to read
        }
        if (isDir) {
          if (!isIgnored(here, childRel, true)) ctx.onSkip(toSlash(displayPrefix + childRel), 'symlink to a folder');
          continue;
        }
      } else if (!isDir && !e.isFile()) {
        continue; // sockets, fifos, devices
      }
      if (isIgnored(here, childRel, isDir)) continue;
      if (isDir) yield* visit(childRel, here);
      else yield { rel: childRel, regular: e.isFile() };
    }
  }
  yield* visit('', []);
}
