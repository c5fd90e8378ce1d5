import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoDir, runCli, sharedDir } from '../helpers/cli.js';
import { SOPS_TEST_KEYS } from '../helpers/gpg.js';
import { isolatedEnv } from '../helpers/sops-cli-env.js';
import { tempDirs } from '../helpers/git-repo.js';
import { spawnSync } from 'node:child_process';
import { cacheGroup, codeCacheDir, type BundleFile, type CacheState } from '../../src/shared/code-cache.js';

const { dir } = tempDirs('sealguard-code-cache-');

/** A small CommonJS bundle with enough functions that V8 has something to cache. */
function bundleFile(folder: string, answer: number, name?: string): BundleFile {
  const fns = Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return x + ${i}; }`).join('\n');
  const source = `${fns}\nexports.answer = () => f0(${answer}) + f1(0) - 1 + require('node:path').sep.length - 1;\n`;
  const file = path.join(folder, 'bundle.cjs');
  writeFileSync(file, source);
  return { ...(name !== undefined ? { name } : {}), file, sha256: createHash('sha256').update(source).digest('hex'), bytes: Buffer.byteLength(source) };
}

/** The child's script, written beside the bundle (temp folders go at the end of each test). */
function childScript(bundle: BundleFile): string {
  const childFile = path.join(path.dirname(bundle.file), 'load-child.cjs');
  writeFileSync(
    childFile,
    `const { loadBundle } = require(${JSON.stringify(path.join(repoDir, 'dist', 'boot.cjs'))});
const [b, g, d, save] = JSON.parse(process.argv[2]);
const l = loadBundle(b, g, d);
console.log(JSON.stringify({ cache: l.cache, answer: l.exports.answer(), extra: l.exports.extra, saved: save ? l.save() : undefined }));
`,
  );
  return childFile;
}

interface ChildLoad {
  readonly cache: CacheState;
  readonly answer: number;
  readonly extra?: number;
  readonly save: () => boolean;
}

/**
 * Load `bundle` with dist/boot.cjs's loader in a fresh node (within one process V8 reuses what it
 * compiled, so a cache's use shows only across processes). `save()` loads it again in another
 * process that then stores its cache, and says whether it did.
 */
function loadBundle(bundle: BundleFile, group: string, cacheDir: string): ChildLoad {
  const run = (save: boolean) => {
    // A script file, not `node -e`, whose code would count as node options (process.execArgv).
    const r = spawnSync(process.execPath, [childScript(bundle), JSON.stringify([bundle, group, cacheDir, save])], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as { cache: CacheState; answer: number; extra?: number; saved?: boolean };
  };
  const first = run(false);
  return { ...first, save: () => run(true).saved === true };
}

/** A bundle and a private cache folder that already holds the bundle's cache for `group`. */
function cachedBundle(answer: number, group = 'decrypt'): { bundle: BundleFile; cache: string } {
  const bundle = bundleFile(dir('sealguard-cc-bundle-'), answer);
  const cache = dir('sealguard-cc-cache-');
  chmodSync(cache, 0o700);
  expect(loadBundle(bundle, group, cache).save()).toBe(true);
  return { bundle, cache };
}

const cacheFiles = (folder: string): string[] => (existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.v8cache')) : []);

describe('code cache loader', () => {
  it('stores what a first run compiled and uses it on the next run, with the same result', () => {
    const bundle = bundleFile(dir('sealguard-cc-bundle-'), 41);
    const cache = path.join(dir('sealguard-cc-home-'), 'cache');
    const first = loadBundle(bundle, 'decrypt', cache);
    expect(first.cache).toBe('miss');
    expect(first.answer).toBe(41);
    expect(first.save()).toBe(true);
    const [file] = cacheFiles(cache);
    expect(file).toMatch(new RegExp(`^cli-${bundle.sha256.slice(0, 16)}-v\\d+\\.\\d+\\.\\d+-${process.arch}-decrypt\\.v8cache$`));
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(cache, file!)).mode & 0o777).toBe(0o600);

    const second = loadBundle(bundle, 'decrypt', cache);
    expect(second.cache).toBe('hit');
    expect(second.answer).toBe(41);
    // A hit has nothing to store.
    expect(second.save()).toBe(false);
    // Another kind of command has a cache of its own.
    expect(loadBundle(bundle, 'scan-staged', cache).cache).toBe('miss');
  });

  it('loads normally from a damaged cache file and replaces it', () => {
    const { bundle, cache } = cachedBundle(7, 'encrypt');
    const file = path.join(cache, cacheFiles(cache)[0]!);
    writeFileSync(file, Buffer.alloc(statSync(file).size, 0x5a));
    const damaged = loadBundle(bundle, 'encrypt', cache);
    expect(damaged.cache).toBe('rejected');
    expect(damaged.answer).toBe(7);
    expect(damaged.save()).toBe(true);
    expect(loadBundle(bundle, 'encrypt', cache).cache).toBe('hit');
  });

  it("a new build's cache removes the files of the build before it", () => {
    const folder = dir('sealguard-cc-bundle-');
    const cache = dir('sealguard-cc-cache-');
    chmodSync(cache, 0o700);
    const old = bundleFile(folder, 1);
    loadBundle(old, 'decrypt', cache).save();
    const rebuilt = bundleFile(folder, 2);
    const run = loadBundle(rebuilt, 'decrypt', cache);
    expect(run.cache).toBe('miss');
    expect(run.answer).toBe(2);
    run.save();
    expect(cacheFiles(cache)).toEqual([expect.stringContaining(rebuilt.sha256.slice(0, 16))]);
  });

  it("a package's cache and the CLI's live side by side: neither's new build removes the other's files", () => {
    const { cache } = cachedBundle(11);
    const pkg = bundleFile(dir('sealguard-cc-pkg-'), 12, 'openpgp');
    expect(loadBundle(pkg, 'pkg', cache).save()).toBe(true);
    const files = cacheFiles(cache);
    expect(files).toHaveLength(2);
    expect(files.filter((f) => f.startsWith('openpgp-'))).toEqual([expect.stringMatching(/-pkg\.v8cache$/)]);
    // A new version of the package replaces only the package's file.
    const newer = bundleFile(path.dirname(pkg.file), 13, 'openpgp');
    expect(loadBundle(newer, 'pkg', cache).save()).toBe(true);
    expect(cacheFiles(cache).filter((f) => f.startsWith('cli-'))).toEqual(files.filter((f) => f.startsWith('cli-')));
    expect(cacheFiles(cache).filter((f) => f.startsWith('openpgp-'))).toEqual([expect.stringContaining(newer.sha256.slice(0, 16))]);
  });

  it('uses no cache for a bundle that is not the size the build recorded', () => {
    const { bundle, cache } = cachedBundle(3);
    writeFileSync(bundle.file, `${readFileSync(bundle.file, 'latin1')}exports.extra = 1;\n`);
    const changed = loadBundle(bundle, 'decrypt', cache);
    expect(changed.cache).toBe('off');
    expect(changed.extra).toBe(1);
    expect(changed.save()).toBe(false);
  });

  it('neither reads nor writes a cache folder that others can write to', () => {
    const { bundle, cache } = cachedBundle(5);
    chmodSync(cache, 0o777);
    const run = loadBundle(bundle, 'decrypt', cache);
    expect(run.cache).toBe('miss');
    expect(run.answer).toBe(5);
    expect(run.save()).toBe(false);
  });

  it('does not follow a cache file that is a symlink', () => {
    const { bundle, cache: elsewhere } = cachedBundle(9);
    const cache = dir('sealguard-cc-cache-');
    chmodSync(cache, 0o700);
    const name = cacheFiles(elsewhere)[0]!;
    symlinkSync(path.join(elsewhere, name), path.join(cache, name));
    expect(loadBundle(bundle, 'decrypt', cache).cache).toBe('miss');
  });
});

describe('code cache folder and groups', () => {
  const home = () => '/home/u';
  it('is SEALGUARD_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache, and none when turned off', () => {
    expect(codeCacheDir({ SEALGUARD_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }, 'linux', home)).toBe(path.resolve('/c'));
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x' }, 'linux', home)).toBe(path.join('/x', 'sealguard'));
    expect(codeCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', home)).toBe(path.join('/home/u', '.cache', 'sealguard'));
    expect(codeCacheDir({}, 'linux', home)).toBe(path.join('/home/u', '.cache', 'sealguard'));
    expect(codeCacheDir({ SEALGUARD_NO_CODE_CACHE: '1', SEALGUARD_CACHE_DIR: '/c' }, 'linux', home)).toBeUndefined();
    expect(codeCacheDir({ SEALGUARD_NO_CODE_CACHE: '0' }, 'linux', home)).toBe(path.join('/home/u', '.cache', 'sealguard'));
    expect(codeCacheDir({}, 'linux', () => '')).toBeUndefined();
  });

  it('names the command, and for scan what it reads', () => {
    expect(cacheGroup([])).toBe('none');
    expect(cacheGroup(['--version'])).toBe('none');
    expect(cacheGroup(['decrypt', 'a.yaml'])).toBe('decrypt');
    expect(cacheGroup(['scan', '--staged'])).toBe('scan-staged');
    expect(cacheGroup(['scan', '--range', 'a..b'])).toBe('scan-history');
    expect(cacheGroup(['scan', '--since=2024-01-01'])).toBe('scan-history');
    expect(cacheGroup(['scan', '.'])).toBe('scan');
    expect(cacheGroup(['../weird/path'])).toBe('other');
  });
});

describe('sealguard with the code cache', () => {
  it('prints the same on a first and a cached run, and a usage error stores no cache', () => {
    const cache = path.join(dir('sealguard-cc-cli-'), 'c');
    const env = { SEALGUARD_CACHE_DIR: cache, SEALGUARD_NO_CODE_CACHE: undefined };
    const bad = runCli(['scan', '--no-such-option'], { cwd: repoDir, env });
    expect(bad.code).toBe(2);
    expect(cacheFiles(cache)).toEqual([]);

    const first = runCli(['rules', 'list'], { cwd: repoDir, env });
    expect(first.code).toBe(0);
    expect(cacheFiles(cache)).toEqual([expect.stringMatching(/-rules\.v8cache$/)]);
    const second = runCli(['rules', 'list'], { cwd: repoDir, env });
    expect(second).toEqual(first);
  });

  it('runs as usual, printing nothing more, when the cache folder cannot be made', () => {
    const blocker = path.join(dir('sealguard-cc-cli-'), 'a-file');
    writeFileSync(blocker, '');
    const r = runCli(['--version'], { cwd: repoDir, env: { SEALGUARD_CACHE_DIR: path.join(blocker, 'cache'), SEALGUARD_NO_CODE_CACHE: undefined } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('keeps runs with node options apart from runs without, so neither replaces the other', () => {
    const cache = path.join(dir('sealguard-cc-cli-'), 'c');
    const env = { SEALGUARD_CACHE_DIR: cache, SEALGUARD_NO_CODE_CACHE: undefined, NODE_OPTIONS: undefined };
    expect(runCli(['--version'], { cwd: repoDir, env }).code).toBe(0);
    const plain = cacheFiles(cache);
    expect(runCli(['--version'], { cwd: repoDir, env: { ...env, NODE_OPTIONS: '--max-old-space-size=300' } }).code).toBe(0);
    const both = cacheFiles(cache);
    expect(both).toHaveLength(2);
    expect(both).toEqual(expect.arrayContaining(plain));
    expect(both.find((f) => !plain.includes(f))).toMatch(/-o[0-9a-f]{8}-none\.v8cache$/);
  });

  it('decrypts a file sops wrote with SEALGUARD_PGP_KEY_FILE the same with openpgp.js from the cache', () => {
    const work = dir('sealguard-cc-pgp-');
    const cache = path.join(work, 'c');
    const env = { ...isolatedEnv(work), SEALGUARD_CACHE_DIR: cache, SEALGUARD_NO_CODE_CACHE: undefined, SEALGUARD_PGP_KEY_FILE: SOPS_TEST_KEYS };
    const file = path.join(sharedDir, 'sops-vectors', 'example.yaml');
    const first = runCli(['decrypt', file], { cwd: work, env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('myapp1:');
    expect(cacheFiles(cache).filter((f) => f.startsWith('openpgp-'))).toEqual([expect.stringMatching(/-pkg\.v8cache$/)]);
    const second = runCli(['decrypt', file], { cwd: work, env });
    expect(second).toEqual(first);
  });

  it('runs with the cache turned off and leaves no cache behind', () => {
    const cache = path.join(dir('sealguard-cc-cli-'), 'c');
    mkdirSync(cache, { mode: 0o700 });
    const r = runCli(['--version'], { cwd: repoDir, env: { SEALGUARD_CACHE_DIR: cache, SEALGUARD_NO_CODE_CACHE: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(cacheFiles(cache)).toEqual([]);
  });
});
