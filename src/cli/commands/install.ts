import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { installHook, uninstallHook } from '../../git/hooks.js';
import { installGitDrivers, pathRegexToPatterns, uninstallGitDrivers, type InstallDriversResult } from '../../git/drivers.js';
import { repoRoot } from '../../git/index.js';
import { ExitCode, SealguardError } from '../../shared/errors.js';
import { loadSopsConfig, SOPS_CONFIG_NAME } from '../../sops/config/index.js';
import type { Io } from '../io.js';

export interface InstallOptions {
  prePush?: boolean;
  uninstall?: boolean;
  gitDrivers?: boolean;
}

/**
 * The command hooks and drivers run: this very installation of sealguard, by absolute path, so they
 * work in GUI git clients and without npx; they fall back to PATH, then npx, when that path disappears.
 */
export function selfCommand(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const bin = path.join(dir, 'bin', 'sealguard.js');
    if (existsSync(bin)) return `"${process.execPath}" "${bin}"`;
    dir = path.dirname(dir);
  }
  return undefined;
}

export async function runInstall(opts: InstallOptions, io: Io, paths: readonly string[] = []): Promise<number> {
  const root = await repoRoot(io.cwd);
  if (opts.gitDrivers) return opts.uninstall ? uninstallDrivers(root, io) : installDrivers(root, paths, io);
  if (paths.length > 0) {
    throw new SealguardError('USAGE', 'paths are only taken with --git-drivers (hooks cover the whole repository)', { exitCode: ExitCode.usage });
  }
  const kind = opts.prePush ? 'pre-push' : 'pre-commit';
  if (opts.uninstall) {
    const result = await uninstallHook(root, kind);
    io.stdout.write(`${result.message}\n`);
    return 0;
  }
  const result = await installHook(root, kind, { command: selfCommand() });
  io.stdout.write(`${result.message}\n`);
  return 0;
}

const GLOB_CHARS = /[*?[]/;

/**
 * A path the user named, as a gitattributes pattern relative to the top of the work tree: a folder
 * covers everything below it, a file is anchored to its place, and a glob is taken as written.
 */
export function userPathToPattern(root: string, cwd: string, p: string): string {
  if (GLOB_CHARS.test(p)) return p.split(path.sep).join('/');
  const abs = path.resolve(cwd, p);
  let rel = path.relative(root, abs).split(path.sep).join('/');
  if (rel.startsWith('..')) rel = p;
  let isDir = p.endsWith('/');
  try {
    isDir ||= statSync(abs).isDirectory();
  } catch {
    // Not there yet: a folder when written with a trailing slash, else a file.
  }
  if (isDir) return rel === '' ? '**' : `${rel.replace(/\/$/, '')}/**`;
  return rel.includes('/') ? rel : `/${rel}`;
}

export interface DriverPatterns {
  readonly patterns: string[];
  /** One line per creation rule that could not be translated, naming it. */
  readonly untranslated: string[];
  /** The `.sops.yaml` read, if any. */
  readonly configPath?: string;
}

/** Patterns for the paths the root `.sops.yaml` creation rules cover, plus the user's. */
export function driverPatterns(root: string, cwd: string, paths: readonly string[]): DriverPatterns {
  const patterns: string[] = [];
  const untranslated: string[] = [];
  const add = (p: string) => {
    if (!patterns.includes(p)) patterns.push(p);
  };
  const configPath = path.join(root, SOPS_CONFIG_NAME);
  const hasConfig = existsSync(configPath);
  if (hasConfig) {
    const config = loadSopsConfig(configPath);
    for (const rule of config.creationRules) {
      const name = `creation_rules[${rule.index}]`;
      if (!rule.pathRegex) {
        untranslated.push(`${name} has no path_regex (it matches every file)`);
        continue;
      }
      const globs = pathRegexToPatterns(rule.pathRegex);
      if (globs) globs.forEach(add);
      else untranslated.push(`${name} path_regex ${JSON.stringify(rule.pathRegex)} has no simple gitattributes equivalent`);
    }
  }
  for (const p of paths) add(userPathToPattern(root, cwd, p));
  return { patterns, untranslated, ...(hasConfig ? { configPath } : {}) };
}

function describeInstall(result: InstallDriversResult): string[] {
  const lines: string[] = [];
  lines.push(
    result.configChanged.length > 0
      ? 'registered the sealguard diff and merge drivers in .git/config'
      : 'the sealguard diff and merge drivers were already registered in .git/config',
  );
  const attrs = path.basename(result.attributesPath);
  if (result.attributes === 'created') lines.push(`created ${attrs} routing ${result.patterns.join(', ')} to them`);
  else if (result.attributes === 'updated') lines.push(`updated ${attrs}: ${result.patterns.join(', ')} go through them`);
  else if (result.patterns.length > 0) lines.push(`${attrs} already routes ${result.patterns.join(', ')} to them`);
  return lines;
}

/** Install the drivers; lines describing what changed go to stdout, problems to stderr. */
export async function installDrivers(root: string, paths: readonly string[], io: Io): Promise<number> {
  const found = driverPatterns(root, io.cwd, paths);
  const result = await installGitDrivers(root, { command: selfCommand(), patterns: found.patterns });
  for (const line of describeInstall(result)) io.stdout.write(`${line}\n`);
  for (const u of found.untranslated) {
    io.stderr.write(`sealguard: warning: ${SOPS_CONFIG_NAME} ${u}: name those files: sealguard install --git-drivers PATH…\n`);
  }
  if (result.patterns.length === 0) {
    const why = found.configPath ? `no creation rule in ${SOPS_CONFIG_NAME} could be translated` : `there is no ${SOPS_CONFIG_NAME} at ${root}`;
    io.stderr.write(`sealguard: warning: no files are routed to the drivers yet (${why}); run sealguard install --git-drivers PATH…\n`);
  }
  return 0;
}

export async function uninstallDrivers(root: string, io: Io): Promise<number> {
  const result = await uninstallGitDrivers(root);
  const attrs = path.basename(result.attributesPath);
  io.stdout.write(
    result.configRemoved.length > 0
      ? `removed ${result.configRemoved.join(' and ')} from .git/config\n`
      : 'no sealguard drivers were registered in .git/config\n',
  );
  if (result.attributes === 'deleted') io.stdout.write(`deleted ${attrs} (sealguard had created it)\n`);
  else if (result.attributes === 'updated') io.stdout.write(`removed the sealguard block from ${attrs}\n`);
  return 0;
}
