/**
 * The check no other scanner makes: a file that `.sops.yaml` says must be encrypted (its path matches
 * a creation rule's `path_regex`) but that is plaintext is a finding, `sops-unencrypted-file`, with
 * the command that fixes it. Only the sops config code is loaded here, never its ciphers or key
 * backends: a pre-commit scan must stay fast.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { Secret } from '../shared/secret.js';
import { execGit } from '../git/run.js';
import { loadSopsConfig, matchCreationRule, SOPS_CONFIG_NAME, type RuleMatch, type SopsConfig } from '../sops/config/index.js';
import { fingerprint } from './engine/fingerprint.js';
import type { Finding } from './types.js';

export const SOPS_UNENCRYPTED_RULE = 'sops-unencrypted-file';
const DESCRIPTION = 'File must be SOPS-encrypted (it matches a .sops.yaml creation rule) but is plaintext';

const ENC_MARK = 'ENC[AES256_GCM,';
/** The metadata block of each sops store: YAML `sops:`, JSON (and binary) `"sops": {`, dotenv `sops_mac=`, INI `[sops]`. */
const METADATA = /^sops:[ \t]*$|"sops"\s*:\s*\{|^sops_mac=|^\[sops\][ \t]*$/m;

/**
 * Whether text is a SOPS-encrypted file, in any of sops' layouts. Read from the text rather than by
 * parsing with a store: every sops file has an `ENC[AES256_GCM,…]` value (at least its MAC) and a
 * metadata block, and this check costs one substring search for the plaintext files we care about.
 */
export function isSopsEncryptedText(text: string): boolean {
  return text.includes(ENC_MARK) && METADATA.test(text);
}

/** A path as a shell word, for the fix command. */
function shellWord(p: string): string {
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, "'\\''")}'`;
}

/** The finding for `file` (a path relative to the scan root) governed by `match` of the config at `configShown`. */
export function unencryptedFileFinding(file: string, match: RuleMatch, configShown: string, commit?: Finding['commit']): Finding {
  return {
    ruleId: SOPS_UNENCRYPTED_RULE,
    description: DESCRIPTION,
    file,
    startLine: 1,
    endLine: 1,
    startColumn: 1,
    endColumn: 1,
    // There is no single secret: the whole file is. The fingerprint hashes nothing, so it is stable per file.
    secret: new Secret(''),
    match: new Secret(''),
    entropy: 0,
    tags: ['sops'],
    severity: 'high',
    fingerprint: fingerprint(file, SOPS_UNENCRYPTED_RULE, ''),
    ...(commit ? { commit } : {}),
    notes: [
      `${configShown} creation_rules[${match.index}] (path_regex ${JSON.stringify(match.rule.pathRegex ?? '')}) matches it`,
      `fix: sealguard encrypt -i ${shellWord(file)}`,
    ],
  };
}

// Without throwIfNoEntry a missing file costs an exception, and most folders have no .sops.yaml.
function isFile(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isFile() === true;
}

function exists(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false }) !== undefined;
}

/**
 * The `.sops.yaml` files governing one scan. Like sops, the nearest config walking up from a file's
 * folder applies; unlike sops, the walk stops at the repository root (or the scan root outside a
 * repository), so a stray config in a home folder does not turn every repo's files into findings.
 * Each folder is looked at once per scan and each config parsed once.
 */
export class SopsPolicy {
  readonly #root: string;
  readonly #stop: string;
  readonly #dirConfig = new Map<string, string | undefined>();
  /** Keyed by the folder part of fragment paths, so the common case is one string slice and one lookup. */
  readonly #relDirConfig = new Map<string, string | undefined>();
  readonly #configs = new Map<string, SopsConfig | undefined>();
  readonly #warnings: string[] = [];

  private constructor(root: string, stop: string) {
    this.#root = root;
    this.#stop = stop;
  }

  /** For a scan whose fragment paths are relative to `root`. */
  static forRoot(root: string): SopsPolicy {
    const abs = path.resolve(root);
    let stop = abs;
    for (let dir = abs; ; ) {
      if (exists(path.join(dir, '.git'))) {
        stop = dir;
        break;
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    return new SopsPolicy(abs, stop);
  }

  /** Problems with a `.sops.yaml` met during the scan (it is then ignored), for the caller to show. */
  get warnings(): readonly string[] {
    return this.#warnings;
  }

  #configDir(dir: string): string | undefined {
    if (this.#dirConfig.has(dir)) return this.#dirConfig.get(dir);
    let found: string | undefined;
    if (isFile(path.join(dir, SOPS_CONFIG_NAME))) found = dir;
    else {
      const parent = path.dirname(dir);
      const inside = dir !== this.#stop && parent !== dir && !path.relative(this.#stop, dir).startsWith('..');
      found = inside ? this.#configDir(parent) : undefined;
    }
    this.#dirConfig.set(dir, found);
    return found;
  }

  #config(dir: string): SopsConfig | undefined {
    if (this.#configs.has(dir)) return this.#configs.get(dir);
    let config: SopsConfig | undefined;
    try {
      config = loadSopsConfig(path.join(dir, SOPS_CONFIG_NAME));
    } catch (e) {
      // A broken .sops.yaml is the sops commands' error to report; the scan goes on without it.
      const shown = path.relative(this.#root, path.join(dir, SOPS_CONFIG_NAME)) || SOPS_CONFIG_NAME;
      this.#warnings.push(`${shown} could not be read, so sops-unencrypted-file checks skip it: ${(e as Error).message}`);
    }
    this.#configs.set(dir, config);
    return config;
  }

  /**
   * The creation rule that says `file` (relative to the root) must be encrypted, with the config's
   * path as shown to the user. A rule without `path_regex` is sops' catch-all for choosing keys, not
   * a statement that every file is secret, so it never makes a finding.
   */
  ruleFor(file: string): { match: RuleMatch; configShown: string } | undefined {
    const slash = file.lastIndexOf('/');
    if (file.slice(slash + 1) === SOPS_CONFIG_NAME) return undefined;
    const relDir = slash < 0 ? '' : file.slice(0, slash);
    let dir = this.#relDirConfig.get(relDir);
    if (dir === undefined && !this.#relDirConfig.has(relDir)) {
      dir = this.#configDir(path.resolve(this.#root, relDir));
      this.#relDirConfig.set(relDir, dir);
    }
    if (dir === undefined) return undefined;
    const abs = path.resolve(this.#root, file);
    const config = this.#config(dir);
    if (!config) return undefined;
    const match = matchCreationRule(config, abs);
    if (!match || !match.rule.pathRegex) return undefined;
    const configShown = path.relative(this.#root, config.path).split(path.sep).join('/') || SOPS_CONFIG_NAME;
    return { match, configShown };
  }

  /** The finding for a whole file's text (a file scan), or undefined when it is encrypted or not governed. */
  check(file: string, text: string, commit?: Finding['commit']): Finding | undefined {
    const rule = this.ruleFor(file);
    if (!rule || isSopsEncryptedText(text)) return undefined;
    return unencryptedFileFinding(file, rule.match, rule.configShown, commit);
  }

  /**
   * For a staged change: the fragment holds only added lines, so the staged blob (`:path` in the
   * index being committed) is read, and only for files a creation rule governs.
   */
  async checkStaged(repoDir: string, file: string): Promise<Finding | undefined> {
    const rule = this.ruleFor(file);
    if (!rule) return undefined;
    let text: string;
    try {
      text = (await execGit(['cat-file', 'blob', `:${file}`], { cwd: repoDir })).stdout;
    } catch {
      // Not in the index (deleted by this change): nothing will be committed to check.
      return undefined;
    }
    return isSopsEncryptedText(text) ? undefined : unencryptedFileFinding(file, rule.match, rule.configShown);
  }
}
