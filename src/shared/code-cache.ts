import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import Module from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

/**
 * Loads the CLI bundle (dist/cli.cjs), and in a CLI run the single-file packages it requires
 * (openpgp.js), through V8's code cache, kept per user in a cache folder.
 *
 * Why: Node 20 compiles every function of the CLI afresh on each run. For the pre-commit scan that
 * was ~30 ms of ~180, and ~55 ms of a 20,000-value decrypt (measured against the ES module build).
 * V8 can store the bytecode of what a run compiled and take it back on the next run; Node 20 offers
 * that only for scripts, hence one CommonJS bundle compiled here with `vm.Script`.
 *
 * Each kind of command (`scan --staged`, `decrypt`, …) keeps its own cache file, written once by
 * the first run of that kind that did not end in a usage error, so it holds the functions that
 * kind of run needs. V8 checks a cache against the source only by length and flags, so the file
 * name carries the bundle's SHA-256 (taken by the build), and a bundle whose size is not the one
 * built is loaded without any cache. A cache file is bytecode that runs as the user: it is read
 * only from a folder and file the user owns that nobody else can write, never through a symlink.
 * Anything unusual (no home, a read-only disk, a damaged file) just means no cache: the bundle
 * then compiles as it would without one, and nothing is printed.
 */

/** The bundle as the build wrote it. */
export interface BundleFile {
  /** What the code is, in lower-case letters and digits (`cli`, `openpgp`): files of one name replace each other's. */
  readonly name?: string;
  readonly file: string;
  /** Hex SHA-256 of the file's bytes. */
  readonly sha256: string;
  /** Its size in bytes (a cheap check that the file is still the one hashed). */
  readonly bytes: number;
}

/** What happened to the cache: used, none stored yet, stored but refused by V8, or not in play. */
export type CacheState = 'hit' | 'miss' | 'rejected' | 'off';

export interface LoadedBundle {
  /** The bundle's `module.exports`. */
  readonly exports: unknown;
  readonly cache: CacheState;
  /** Store what this run compiled, where the cache was missing or refused; false when nothing was written. */
  readonly save: () => boolean;
}

/**
 * The folder for the cache: SEALGUARD_CACHE_DIR, else `$XDG_CACHE_HOME/sealguard`, else
 * `~/.cache/sealguard` (`%LOCALAPPDATA%\sealguard\cache` on Windows). Undefined when
 * SEALGUARD_NO_CODE_CACHE is set (to anything but `0` or empty) or no home is known.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home: () => string = homedir): string | undefined {
  const off = env.SEALGUARD_NO_CODE_CACHE;
  if (off !== undefined && off !== '' && off !== '0') return undefined;
  if (env.SEALGUARD_CACHE_DIR) return path.resolve(env.SEALGUARD_CACHE_DIR);
  if (platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'sealguard', 'cache');
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'sealguard');
  let dir: string;
  try {
    dir = home();
  } catch {
    return undefined;
  }
  return dir ? path.join(dir, '.cache', 'sealguard') : undefined;
}

/** Options of `scan` that choose what it reads, and so which of its code runs. */
const SCAN_MODES: readonly (readonly [string, string])[] = [
  ['--staged', 'staged'],
  ['--pre-push', 'history'],
  ['--all-history', 'history'],
  ['--range', 'history'],
  ['--since', 'history'],
  ['--stdin', 'stdin'],
];

/**
 * Which cache a command line uses: its command, and for `scan` what it reads. A name made only of
 * lower-case letters and dashes; `none` when there is no command (`--version`, `--help`).
 */
export function cacheGroup(argv: readonly string[]): string {
  const command = argv.find((a) => !a.startsWith('-'));
  if (command === undefined) return 'none';
  if (!/^[a-z][a-z-]{0,31}$/.test(command)) return 'other';
  if (command !== 'scan') return command;
  for (const [flag, mode] of SCAN_MODES) {
    if (argv.some((a) => a === flag || a.startsWith(`${flag}=`))) return `scan-${mode}`;
  }
  return 'scan';
}

const CACHE_SUFFIX = '.v8cache';

/** The start of every cache file name of this bundle's kind. */
function kindPrefix(bundle: BundleFile): string {
  return `${bundle.name ?? 'cli'}-`;
}

/** The part of a cache file's name that names the build. */
function buildPrefix(bundle: BundleFile): string {
  return `${kindPrefix(bundle)}${bundle.sha256.slice(0, 16)}-`;
}

function cacheFileName(bundle: BundleFile, group: string): string {
  // V8's own check refuses a cache from another V8 or made under other flags; the name keeps runs
  // of two Node versions, or with and without node options (NODE_OPTIONS, `node --inspect …`),
  // from replacing each other's file on every alternation.
  const options = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join('\0');
  const flags = options === '' ? '' : `-o${fnv1a(options)}`;
  return `${buildPrefix(bundle)}${process.version}-${process.arch}${flags}-${group}${CACHE_SUFFIX}`;
}

/** A short name for a string (FNV-1a, 32 bits, hex): not for security, only to tell option sets apart. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;

/** Whether a folder or file is the user's alone to write (always true where there are no uids). */
function ownedSafely(st: { uid: number; mode: number }): boolean {
  return uid === undefined || (st.uid === uid && (st.mode & 0o022) === 0);
}

function safeDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && ownedSafely(st);
  } catch {
    return false;
  }
}

/** The cache file's bytes, when the folder and the file (not a symlink) pass the ownership checks. */
function readCache(dir: string, name: string): Buffer | undefined {
  if (!safeDir(dir)) return undefined;
  let fd: number;
  try {
    fd = openSync(path.join(dir, name), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || !ownedSafely(st) || st.size === 0) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Write `data()` as `name` atomically (a private temp file, then rename), and remove other builds'
 * files. The data is made only once the folder is known to be usable: a read-only home costs a
 * failed mkdir per run, not also a serialisation.
 */
function writeCache(dir: string, name: string, data: () => Buffer, kind: string, keepPrefix: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!safeDir(dir)) return false;
    const temp = path.join(dir, `.${name}.${process.pid}.tmp`);
    try {
      writeFileSync(temp, data(), { mode: 0o600, flag: 'wx' });
      renameSync(temp, path.join(dir, name));
    } catch {
      try {
        unlinkSync(temp);
      } catch {
        // Never created.
      }
      return false;
    }
    for (const entry of readdirSync(dir)) {
      if (entry.endsWith(CACHE_SUFFIX) && entry.startsWith(kind) && !entry.startsWith(keepPrefix)) {
        try {
          unlinkSync(path.join(dir, entry));
        } catch {
          // Another run removed it first.
        }
      }
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Compile and run `bundle` as a CommonJS module, with the cache of `group` from `dir` when there
 * is a usable one (`dir` undefined: no cache). Throws only what the bundle's own code throws.
 */
export function loadBundle(bundle: BundleFile, group: string, dir: string | undefined, source = readFileSync(bundle.file, 'latin1')): LoadedBundle {
  // The build checks the bundle is ASCII, so latin1 reads it exactly, and ~7 times faster than UTF-8.
  const usable = dir !== undefined && source.length === bundle.bytes;
  const name = cacheFileName(bundle, group);
  const cachedData = usable ? readCache(dir, name) : undefined;
  const script = new vm.Script(Module.wrap(source), {
    filename: bundle.file,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  const cache: CacheState = !usable ? 'off' : cachedData === undefined ? 'miss' : script.cachedDataRejected === true ? 'rejected' : 'hit';
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  const mod = { exports: {} as unknown };
  wrapper.call(mod.exports, mod.exports, Module.createRequire(bundle.file), mod, bundle.file, path.dirname(bundle.file));
  let saved = false;
  return {
    exports: mod.exports,
    cache,
    save: () => {
      if (saved || (cache !== 'miss' && cache !== 'rejected') || dir === undefined) return false;
      saved = true;
      return writeCache(dir, name, () => script.createCachedData(), kindPrefix(bundle), buildPrefix(bundle));
    },
  };
}

/** Where the CLI run of this process keeps its code cache (set by boot.ts; the library never sets it). */
const DIR_SLOT = Symbol.for('sealguard.code-cache-dir');

export function useCacheDirForPackages(dir: string | undefined): void {
  (globalThis as Record<symbol, unknown>)[DIR_SLOT] = dir;
}

/**
 * `require(file)` for the entry file of an installed package, through the code cache when the CLI
 * set a folder for it and the file is one plain-ASCII script. For openpgp.js (one 400 KB file)
 * that is ~34 ms of compiling per PGP command. The cache is written as the process exits, as the
 * CLI's own. Undefined when the file is not for the cache (the caller then requires it as usual).
 */
export function requireThroughCache(file: string, name: string): unknown {
  const dir = (globalThis as Record<symbol, unknown>)[DIR_SLOT];
  if (typeof dir !== 'string' || !/^[a-z0-9]{1,40}$/.test(name)) return undefined;
  const bytes = readFileSync(file);
  if (bytes.some((b) => b > 0x7f)) return undefined;
  const bundle = { name, file, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  const loaded = loadBundle(bundle, 'pkg', dir, bytes.toString('latin1'));
  saveAtExit(loaded);
  return loaded.exports;
}

/**
 * Store what this run compiled as the process exits, where the cache was missing or refused, unless
 * the run ended in a usage error (exit 2 comes mostly from runs that stopped before their work,
 * whose cache would hold little).
 */
export function saveAtExit(loaded: LoadedBundle): void {
  if (loaded.cache !== 'miss' && loaded.cache !== 'rejected') return;
  process.once('exit', (code) => {
    if (code !== 2) loaded.save();
  });
}
