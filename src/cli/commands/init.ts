import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { identityToRecipient } from 'age-encryption';
import { atomicWrite } from '../../shared/atomic-write.js';
import { repoRoot } from '../../git/index.js';
import { installHook } from '../../git/hooks.js';
import { installGitDrivers } from '../../git/drivers.js';
import { loadSopsConfig, SOPS_CONFIG_NAME } from '../../sops/config/index.js';
import {
  defaultAgeKeyFile,
  generateAgeKeyFile,
  loadAgeIdentities,
  SOPS_AGE_KEY,
  SOPS_AGE_KEY_CMD,
  SOPS_AGE_KEY_FILE,
} from '../../sops/keys/age-identities.js';
import { driverPatterns, selfCommand } from './install.js';
import type { Io } from '../io.js';

/**
 * `sealguard init`: everything a repository needs to keep encrypted secrets, in one step: an age
 * identity (only if the user has none), a `.sops.yaml` (only if there is none), the pre-commit hook
 * and the git drivers. Every step is idempotent, so a second run changes nothing and says so.
 */

const DEFAULT_PATHS = ['secrets/'];

interface Identity {
  readonly recipient: string;
  readonly created: boolean;
  readonly where: string;
}

/** The user's age recipient: from an identity they already have, else a new one at the sops default path. */
async function ensureIdentity(env: NodeJS.ProcessEnv): Promise<Identity> {
  const keyFile = env[SOPS_AGE_KEY_FILE] || defaultAgeKeyFile(env);
  const configured = env[SOPS_AGE_KEY] || env[SOPS_AGE_KEY_CMD] || existsSync(keyFile);
  if (configured) {
    // Without the key file, only the inline/command sources count (a missing SOPS_AGE_KEY_FILE is created below).
    const found = await loadAgeIdentities(existsSync(keyFile) ? env : { ...env, [SOPS_AGE_KEY_FILE]: undefined });
    const first = found.identities[0];
    if (first !== undefined) return { recipient: await identityToRecipient(first), created: false, where: found.sources[0] ?? keyFile };
  }
  const recipient = await generateAgeKeyFile(keyFile, env);
  return { recipient, created: true, where: keyFile };
}

const regexEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A creation rule's path_regex for a folder (`^secrets/`) or a file (`^config/prod\.yaml$`), relative to the root. */
function pathRegexFor(root: string, cwd: string, p: string): string {
  const abs = path.resolve(cwd, p);
  const rel = path.relative(root, abs).split(path.sep).join('/');
  let isDir = p.endsWith('/') || p.endsWith(path.sep);
  try {
    isDir ||= statSync(abs).isDirectory();
  } catch {
    // Not there yet: a name with an extension is taken for a file, anything else for a folder.
    isDir ||= path.extname(abs) === '';
  }
  return isDir ? `^${regexEscape(rel === '' ? '' : rel.replace(/\/$/, '') + '/')}` : `^${regexEscape(rel)}$`;
}

function sopsConfigText(regexes: readonly string[], recipient: string): string {
  const lines = [
    '# Written by `sealguard init`. sops and sealguard read it: a file matching a path_regex is',
    '# encrypted for the keys listed there. Add a teammate: append their age recipient (comma-separated),',
    '# then run `sealguard updatekeys FILE` on each encrypted file.',
    'creation_rules:',
  ];
  for (const re of regexes) lines.push(`  - path_regex: '${re.replace(/'/g, "''")}'`, `    age: ${recipient}`);
  return lines.join('\n') + '\n';
}

function nextFile(root: string, cwd: string, paths: readonly string[]): string {
  const first = paths[0] ?? DEFAULT_PATHS[0]!;
  const regex = pathRegexFor(root, cwd, first);
  const rel = path.relative(root, path.resolve(cwd, first)).split(path.sep).join('/');
  return regex.endsWith('$') ? rel : `${rel.replace(/\/$/, '')}/app.yaml`.replace(/^\//, '');
}

export async function runInit(paths: readonly string[], io: Io): Promise<number> {
  const root = await repoRoot(io.cwd);
  const out = (line: string) => io.stdout.write(`${line}\n`);
  let changed = false;

  const identity = await ensureIdentity(io.env);
  if (identity.created) {
    changed = true;
    out(`created an age identity in ${identity.where} (keep it private; back it up)`);
  } else out(`using your age identity from ${identity.where}`);
  out(`your age recipient (public, safe to share): ${identity.recipient}`);

  const configPath = path.join(root, SOPS_CONFIG_NAME);
  if (existsSync(configPath)) {
    const config = loadSopsConfig(configPath);
    const listed = config.creationRules.some((r) => r.age.includes(identity.recipient) || r.keyGroups?.some((g) => g.age.includes(identity.recipient)));
    out(`${SOPS_CONFIG_NAME} already exists: left it as it is`);
    if (!listed) {
      io.stderr.write(
        `sealguard: note: your recipient is not in ${SOPS_CONFIG_NAME}: add it to the creation rules (or ask someone who can decrypt to do so), then run sealguard updatekeys FILE\n`,
      );
    }
    if (paths.length > 0) io.stderr.write(`sealguard: note: the paths you named were not added to the existing ${SOPS_CONFIG_NAME}\n`);
  } else {
    const named = paths.length > 0 ? paths : DEFAULT_PATHS;
    const regexes = named.map((p) => pathRegexFor(root, paths.length > 0 ? io.cwd : root, p));
    await atomicWrite(configPath, sopsConfigText(regexes, identity.recipient), 0o644);
    changed = true;
    out(`wrote ${SOPS_CONFIG_NAME}: ${regexes.join(', ')} encrypted for ${identity.recipient}`);
  }

  const command = selfCommand();
  const hook = await installHook(root, 'pre-commit', { command });
  if (hook.action !== 'unchanged') changed = true;
  out(hook.message);

  const found = driverPatterns(root, io.cwd, []);
  const drivers = await installGitDrivers(root, { command, patterns: found.patterns });
  if (drivers.configChanged.length > 0 || drivers.attributes !== 'unchanged') {
    changed = true;
    out(`registered the diff and merge drivers; .gitattributes routes ${drivers.patterns.join(', ') || 'no paths yet'} to them`);
  } else out(`the diff and merge drivers were already set up for ${drivers.patterns.join(', ') || 'no paths'}`);
  for (const u of found.untranslated) {
    io.stderr.write(`sealguard: warning: ${SOPS_CONFIG_NAME} ${u}: run sealguard install --git-drivers PATH… for those files\n`);
  }

  if (!changed) out('nothing to change: this repository was already set up');
  const next = paths.length > 0 ? nextFile(root, io.cwd, paths) : nextFile(root, root, DEFAULT_PATHS);
  out(`next: sealguard edit ${next}   (then commit ${SOPS_CONFIG_NAME}, .gitattributes and the encrypted file)`);
  return 0;
}
