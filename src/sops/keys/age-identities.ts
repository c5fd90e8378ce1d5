import { promises as fs, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { SealguardError, errorMessage } from '../../shared/errors.js';

/** Environment variables sops reads age identities from, in the order it reads them. */
export const SOPS_AGE_KEY = 'SOPS_AGE_KEY';
export const SOPS_AGE_KEY_FILE = 'SOPS_AGE_KEY_FILE';
export const SOPS_AGE_KEY_CMD = 'SOPS_AGE_KEY_CMD';

export interface AgeIdentities {
  /** `AGE-SECRET-KEY-1…` strings. Key material: never print, log or put in an error. */
  readonly identities: string[];
  /** Where identities were found (env var names or file paths), for messages. */
  readonly sources: string[];
  /** Every place that was looked at, whether or not it held an identity. */
  readonly looked: string[];
}

const KEY_CMD_TIMEOUT_MS = 60_000;

/**
 * The user's default age key file, as sops finds it: `$XDG_CONFIG_HOME/sops/age/keys.txt`, else
 * the OS config folder (`~/.config` on Linux, `~/Library/Application Support` on macOS,
 * `%AppData%` on Windows).
 */
export function defaultAgeKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg) return path.join(xdg, 'sops', 'age', 'keys.txt');
  const home = env.HOME || os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'sops', 'age', 'keys.txt');
  if (process.platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'sops', 'age', 'keys.txt');
  return path.join(home, '.config', 'sops', 'age', 'keys.txt');
}

/**
 * Loads age identities from every place sops reads them, all combined: SOPS_AGE_KEY,
 * SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD (run by `sh -c`, its stdout read) and the default key file.
 * A source that is configured but unusable (missing file, failing command, a line that is not an
 * identity) is an error, as in sops; a missing default file is not.
 */
export async function loadAgeIdentities(env: NodeJS.ProcessEnv = process.env): Promise<AgeIdentities> {
  const result: AgeIdentities = { identities: [], sources: [], looked: [] };
  const add = async (source: string, text: string): Promise<void> => {
    const found = await parseIdentities(text, source);
    if (found.length > 0) result.sources.push(source);
    for (const id of found) if (!result.identities.includes(id)) result.identities.push(id);
  };

  result.looked.push(SOPS_AGE_KEY);
  const inline = env[SOPS_AGE_KEY];
  if (inline) await add(SOPS_AGE_KEY, inline);

  result.looked.push(SOPS_AGE_KEY_FILE);
  const keyFile = env[SOPS_AGE_KEY_FILE];
  if (keyFile) await add(`${SOPS_AGE_KEY_FILE} (${keyFile})`, await readKeyFile(keyFile, SOPS_AGE_KEY_FILE));

  result.looked.push(SOPS_AGE_KEY_CMD);
  const keyCmd = env[SOPS_AGE_KEY_CMD];
  if (keyCmd) await add(SOPS_AGE_KEY_CMD, await runKeyCommand(keyCmd, env));

  const defaultFile = defaultAgeKeyFile(env);
  result.looked.push(defaultFile);
  const text = await fs.readFile(defaultFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw new SealguardError('AGE_KEY_FILE_UNREADABLE', `cannot read age key file ${defaultFile}: ${errorMessage(e)}`);
  });
  if (text !== undefined) await add(defaultFile, text);
  return result;
}

/**
 * Identities in an age identity file's text: one per line, `#` comments and blank lines ignored.
 * A line that is not an identity is an error naming the source and line number, never the line.
 */
export async function parseIdentities(text: string, source: string): Promise<string[]> {
  const identities: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!/^AGE-SECRET-KEY-(PQ-)?1/.test(line) || !(await isValidIdentity(line))) {
      throw new SealguardError(
        'AGE_IDENTITY_INVALID',
        `${source}, line ${i + 1}: not an age identity (expected AGE-SECRET-KEY-1…)`,
      );
    }
    identities.push(line);
  }
  return identities;
}

async function isValidIdentity(identity: string): Promise<boolean> {
  try {
    await identityToRecipient(identity);
    return true;
  } catch {
    return false;
  }
}

async function readKeyFile(file: string, variable: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new SealguardError('AGE_KEY_FILE_UNREADABLE', `cannot read ${variable} file ${file}: ${errorMessage(e)}`);
  }
}

/** Runs SOPS_AGE_KEY_CMD through `sh -c`; stdin is closed and stderr is kept out of our messages. */
function runKeyCommand(command: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (why: string): void =>
      reject(new SealguardError('AGE_KEY_CMD_FAILED', `${SOPS_AGE_KEY_CMD} ${why}`));
    const child = spawn('sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), KEY_CMD_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(`could not be started: ${errorMessage(e)}`);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      if (status === 0) resolve(Buffer.concat(out).toString('utf8'));
      else if (signal) fail(`was stopped (${signal}) after ${KEY_CMD_TIMEOUT_MS / 1000} s or by a signal`);
      else fail(`failed with exit status ${status}`);
    });
  });
}

/**
 * Creates a new X25519 identity in an age key file, in the format age-keygen and sops use
 * (`# created:` / `# public key:` / `AGE-SECRET-KEY-1…`). The file is created with mode 0600 (its
 * folders 0700) and an existing file is never touched. Default path: SOPS_AGE_KEY_FILE when set
 * (where sops would read it), else the user's default key file. Returns the recipient.
 */
export async function generateAgeKeyFile(file?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const target = path.resolve(file ?? (env[SOPS_AGE_KEY_FILE] || defaultAgeKeyFile(env)));
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const text = `# created: ${created}\n# public key: ${recipient}\n${identity}\n`;
  try {
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new SealguardError('AGE_KEYGEN_FAILED', `cannot create folder for ${target}: ${errorMessage(e)}`);
  }
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(target, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new SealguardError('AGE_KEY_FILE_EXISTS', `${target} already exists; not overwriting it`, {
        details: ['use the identity already in it, or pass another path'],
      });
    }
    throw new SealguardError('AGE_KEYGEN_FAILED', `cannot create ${target}: ${errorMessage(e)}`);
  }
  try {
    await handle.writeFile(text);
    await handle.sync();
    await handle.close();
  } catch (e) {
    // A half-written key file would later read as "not an age identity"; remove what we created.
    await handle.close().catch(() => undefined);
    await fs.rm(target, { force: true }).catch(() => undefined);
    throw new SealguardError('AGE_KEYGEN_FAILED', `cannot write ${target}: ${errorMessage(e)}`);
  }
  return recipient;
}
