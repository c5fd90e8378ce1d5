/**
 * The git diff and merge drivers for encrypted files: the `diff.sealguard` / `merge.sealguard`
 * sections of the repository's own config, and a marked block of `.gitattributes` lines that route
 * the encrypted paths to them. Installing twice changes nothing; uninstalling removes exactly that.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { atomicWrite } from '../shared/atomic-write.js';
import { shellQuote, splitShellWords } from './hook-script.js';
import { execGit } from './run.js';
import { readTextIfExists } from '../shared/read-if-exists.js';

export const DRIVER_NAME = 'sealguard';
export const BLOCK_BEGIN = '# sealguard:begin';
export const BLOCK_END = '# sealguard:end';
/** On the begin line when sealguard created the file, so uninstall may delete it again. */
const CREATED_MARK = '(file created by sealguard)';
const BLOCK_NOTE = 'encrypted files diff and merge through `sealguard`; `sealguard install --uninstall --git-drivers` removes this block';

export interface DriverConfig {
  readonly 'diff.sealguard.textconv': string;
  readonly 'diff.sealguard.cachetextconv': string;
  readonly 'merge.sealguard.name': string;
  readonly 'merge.sealguard.driver': string;
}

/**
 * How the drivers start sealguard, as in the hooks: the given command while its absolute paths
 * exist, then `sealguard` on PATH, then `npx --no-install sealguard` (a repo-local install; git runs
 * drivers at the top of the work tree, where npx finds it). `args` is sh text appended to each.
 */
function launch(command: string | readonly string[] | undefined, args: string): string {
  const words = typeof command === 'string' ? splitShellWords(command) : command;
  const onPath = `command -v sealguard >/dev/null 2>&1; then sealguard ${args}; else npx --no-install sealguard ${args}; fi`;
  if (words && words.length > 0) {
    const cmd = words.map(shellQuote).join(' ');
    const checks = words.filter((w) => w.startsWith('/')).map((w) => `[ -e ${shellQuote(w)} ]`);
    if (checks.length === 0) return `${cmd} ${args}`;
    return `if ${checks.join(' && ')}; then ${cmd} ${args}; elif ${onPath}`;
  }
  if (typeof command === 'string' && command.trim() !== '') return `${command.trim()} ${args}`;
  return `if ${onPath}`;
}

/**
 * The config values. git runs a textconv as `sh -c '<value> "$@"'` with the file as argument, so
 * the textconv is a function taking "$1"; if sealguard cannot even start, `cat` shows the
 * ciphertext instead of failing the diff. The merge driver gets %O %A %B %P substituted (quoted) by git.
 */
export function driverConfig(command?: string | readonly string[]): DriverConfig {
  return {
    'diff.sealguard.textconv': `sealguard_textconv() { ${launch(command, 'textconv "$1"')} || cat "$1"; }; sealguard_textconv`,
    // Cached output would keep showing ciphertext after the user gets a key.
    'diff.sealguard.cachetextconv': 'false',
    'merge.sealguard.name': 'sealguard: key-by-key merge of sops-encrypted files',
    'merge.sealguard.driver': launch(command, 'merge-driver %O %A %B %P'),
  };
}

async function getConfig(repoDir: string, key: string): Promise<string | undefined> {
  const r = await execGit(['config', '--local', '--get', key], { cwd: repoDir, okExitCodes: [1] });
  return r.exitCode === 0 ? r.stdout.replace(/\n$/, '') : undefined;
}

async function hasSection(repoDir: string, section: string): Promise<boolean> {
  const r = await execGit(['config', '--local', '--get-regexp', `^${section.replace('.', '\\.')}\\.`], { cwd: repoDir, okExitCodes: [1] });
  return r.exitCode === 0 && r.stdout.trim() !== '';
}

/** Set the driver config; returns the keys whose value changed. */
export async function writeDriverConfig(repoDir: string, config: DriverConfig): Promise<string[]> {
  const changed: string[] = [];
  for (const [key, value] of Object.entries(config) as [string, string][]) {
    if ((await getConfig(repoDir, key)) === value) continue;
    await execGit(['config', '--local', key, value], { cwd: repoDir });
    changed.push(key);
  }
  return changed;
}

/** Remove the `diff.sealguard` and `merge.sealguard` sections; returns the ones that were there. */
export async function removeDriverConfig(repoDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const section of [`diff.${DRIVER_NAME}`, `merge.${DRIVER_NAME}`]) {
    if (!(await hasSection(repoDir, section))) continue;
    await execGit(['config', '--local', '--remove-section', section], { cwd: repoDir });
    removed.push(section);
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// .gitattributes

export function attributeLine(pattern: string): string {
  return `${pattern} diff=${DRIVER_NAME} merge=${DRIVER_NAME}`;
}

interface Block {
  /** Lines before and after the block (the block's own lines excluded). */
  readonly before: string[];
  readonly after: string[];
  readonly patterns: string[];
  readonly created: boolean;
}

function findBlock(text: string): Block | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trimEnd().startsWith(BLOCK_BEGIN));
  if (start < 0) return undefined;
  const endRel = lines.slice(start + 1).findIndex((l) => l.trim() === BLOCK_END);
  const end = endRel < 0 ? lines.length - 1 : start + 1 + endRel;
  const suffix = ` diff=${DRIVER_NAME} merge=${DRIVER_NAME}`;
  const patterns = lines
    .slice(start + 1, end + (endRel < 0 ? 1 : 0))
    .map((l) => l.trim())
    .filter((l) => l.endsWith(suffix))
    .map((l) => l.slice(0, -suffix.length));
  return { before: lines.slice(0, start), after: lines.slice(end + 1), patterns, created: lines[start]!.includes(CREATED_MARK) };
}

function renderBlock(patterns: readonly string[], created: boolean): string[] {
  return [`${BLOCK_BEGIN}${created ? ` ${CREATED_MARK}` : ''}: ${BLOCK_NOTE}`, ...patterns.map(attributeLine), BLOCK_END];
}

/**
 * `.gitattributes` text with our block holding `patterns` plus the ones it already held, or the
 * same text when nothing changes. `existing` undefined means the file does not exist yet.
 */
export function withAttributesBlock(existing: string | undefined, patterns: readonly string[]): { text: string; patterns: string[] } {
  const found = existing === undefined ? undefined : findBlock(existing);
  const all = [...(found?.patterns ?? [])];
  for (const p of patterns) if (!all.includes(p)) all.push(p);
  if (found) {
    const block = renderBlock(all, found.created);
    return { text: [...found.before, ...block, ...found.after].join('\n'), patterns: all };
  }
  const block = renderBlock(all, existing === undefined).join('\n') + '\n';
  if (existing === undefined || existing === '') return { text: block, patterns: all };
  return { text: existing + (existing.endsWith('\n') ? '' : '\n') + block, patterns: all };
}

/** `.gitattributes` text without our block; `undefined` when the file should be deleted (we created it and nothing else is in it). */
export function withoutAttributesBlock(existing: string): { text: string | undefined; removed: boolean } {
  const found = findBlock(existing);
  if (!found) return { text: existing, removed: false };
  const text = [...found.before, ...found.after].join('\n');
  if (found.created && text.trim() === '') return { text: undefined, removed: true };
  return { text, removed: true };
}


export interface InstallDriversResult {
  readonly attributesPath: string;
  readonly attributes: 'created' | 'updated' | 'unchanged';
  /** Every pattern in the block now. */
  readonly patterns: readonly string[];
  /** Config keys whose value was set or changed. */
  readonly configChanged: readonly string[];
}

export interface InstallDriversOptions {
  /** See `driverConfig`; e.g. `"/usr/bin/node" "/abs/bin/sealguard.js"`. */
  readonly command?: string | readonly string[];
  /** gitattributes patterns, relative to the top of the work tree. */
  readonly patterns: readonly string[];
}

/** Register the drivers in `repoRoot`'s local config and route `patterns` to them. Idempotent. */
export async function installGitDrivers(repoRoot: string, opts: InstallDriversOptions): Promise<InstallDriversResult> {
  const configChanged = await writeDriverConfig(repoRoot, driverConfig(opts.command));
  const attributesPath = path.join(repoRoot, '.gitattributes');
  const existing = await readTextIfExists(attributesPath);
  const { text, patterns } = withAttributesBlock(existing, opts.patterns);
  let attributes: InstallDriversResult['attributes'] = 'unchanged';
  if (patterns.length > 0 && text !== existing) {
    await atomicWrite(attributesPath, text, existing === undefined ? 0o644 : undefined);
    attributes = existing === undefined ? 'created' : 'updated';
  }
  return { attributesPath, attributes, patterns, configChanged };
}

export interface UninstallDriversResult {
  readonly attributesPath: string;
  readonly attributes: 'deleted' | 'updated' | 'unchanged';
  readonly configRemoved: readonly string[];
}

/** Remove what `installGitDrivers` added. A `.gitattributes` sealguard created and nobody else wrote to is deleted. */
export async function uninstallGitDrivers(repoRoot: string): Promise<UninstallDriversResult> {
  const configRemoved = await removeDriverConfig(repoRoot);
  const attributesPath = path.join(repoRoot, '.gitattributes');
  const existing = await readTextIfExists(attributesPath);
  let attributes: UninstallDriversResult['attributes'] = 'unchanged';
  if (existing !== undefined) {
    const { text, removed } = withoutAttributesBlock(existing);
    if (text === undefined) {
      await fs.rm(attributesPath);
      attributes = 'deleted';
    } else if (removed) {
      await atomicWrite(attributesPath, text);
      attributes = 'updated';
    }
  }
  return { attributesPath, attributes, configRemoved };
}

// ---------------------------------------------------------------------------------------------
// path_regex → gitattributes patterns

type Token = { readonly lit: string } | { readonly any: 'one' | 'many' };

const MAX_ALTERNATIVES = 16;

/** Expand one level of `(a|b)` groups of literals, then tokenize; undefined for anything else. */
function alternatives(re: string): string[] | undefined {
  const m = /\(([^()]*)\)/.exec(re);
  if (!m) return [re];
  const opts = m[1]!.replace(/^\?:/, '').split('|');
  const out: string[] = [];
  for (const o of opts) {
    const rest = alternatives(re.slice(0, m.index) + o + re.slice(m.index + m[0].length));
    if (!rest) return undefined;
    out.push(...rest);
    if (out.length > MAX_ALTERNATIVES) return undefined;
  }
  return out;
}

function tokenize(re: string): Token[] | undefined {
  const tokens: Token[] = [];
  const pushLit = (c: string) => {
    const last = tokens[tokens.length - 1];
    if (last && 'lit' in last) tokens[tokens.length - 1] = { lit: last.lit + c };
    else tokens.push({ lit: c });
  };
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === '\\') {
      const n = re[i + 1];
      if (n === undefined || !/[./\-_ ]/.test(n)) return undefined;
      pushLit(n);
      i++;
    } else if (c === '.') {
      const q = re[i + 1];
      if (q === '*' || q === '+') {
        tokens.push({ any: 'many' });
        i++;
      } else tokens.push({ any: 'one' });
    } else if (/[A-Za-z0-9_\-/@ ,=~]/.test(c)) {
      pushLit(c);
    } else return undefined;
  }
  return tokens;
}

const globEscape = (s: string): string => s.replace(/[*?[\]\\!#]/g, (c) => `\\${c}`);

function toGlob(re: string): string[] | undefined {
  const anchoredStart = re.startsWith('^');
  const anchoredEnd = re.endsWith('$') && !re.endsWith('\\$');
  const body = re.slice(anchoredStart ? 1 : 0, anchoredEnd ? -1 : undefined);
  const tokens = tokenize(body);
  if (!tokens) return undefined;
  // A leading or trailing `.*` is what an unanchored end means anyway.
  let start = anchoredStart;
  let end = anchoredEnd;
  while (tokens.length > 0 && 'any' in tokens[0]! && tokens[0].any === 'many') {
    tokens.shift();
    start = false;
  }
  while (tokens.length > 0 && 'any' in tokens[tokens.length - 1]! && (tokens[tokens.length - 1] as { any: string }).any === 'many') {
    tokens.pop();
    end = false;
  }
  if (!tokens.some((t) => 'lit' in t)) return undefined;
  let glob = '';
  for (const t of tokens) {
    if ('lit' in t) glob += globEscape(t.lit);
    else if (t.any === 'one') glob += '?';
    else glob += glob.endsWith('/') ? '**/*' : '*';
  }
  if (!start && !glob.startsWith('*')) glob = '*' + glob;
  const globs = end ? [glob] : glob.endsWith('/') ? [glob + '**'] : [glob + '*', glob + '*/**'];
  return globs.map((g) => {
    // A pattern with a slash (other than at its end) is anchored at the top; an unanchored regex is not.
    const hasSlash = g.replace(/\/$/, '').includes('/');
    if (start) return hasSlash ? g : '/' + g;
    return hasSlash ? '**/' + g : g;
  });
}

/**
 * gitattributes patterns matching what a `.sops.yaml` `path_regex` matches (paths relative to the
 * top of the work tree), for the simple forms people write: suffixes (`\.enc\.yaml$`), prefixes and
 * folders (`^secrets/`), `.*` between them and `(a|b)` alternatives. Undefined when the regex
 * cannot be translated faithfully enough; the user should then name the paths.
 */
export function pathRegexToPatterns(pathRegex: string): string[] | undefined {
  const alts = alternatives(pathRegex);
  if (!alts) return undefined;
  const out: string[] = [];
  for (const alt of alts) {
    const globs = toGlob(alt);
    if (!globs) return undefined;
    for (const g of globs) if (!out.includes(g)) out.push(g);
  }
  return out;
}
