import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A throw-away GnuPG home: its own keyring and agent, removed by `cleanup()`. */
export interface TempGnupgHome {
  readonly dir: string;
  /** process.env with GNUPGHOME pointing here (and no SOPS_GPG_EXEC / key-file overrides). */
  readonly env: NodeJS.ProcessEnv;
  /** Runs gpg in this home (batch mode); throws with gpg's stderr when it fails. */
  gpg(args: readonly string[], input?: string | Uint8Array): Buffer;
  /** Imports armored or binary keys from a file. */
  importKeys(file: string): void;
  /** Creates an unprotected key (gpg's default algorithm, with an encryption subkey) that never expires and returns its fingerprint. */
  generateKey(userId: string): string;
  cleanup(): Promise<void>;
}

/** The sops functional-test keys (two secret keys without passphrase, three public keys). */
export const SOPS_TEST_KEYS = path.resolve(import.meta.dirname, '../../../shared/sops-vectors/sops_functional_tests_key.asc');

const ENV_OVERRIDES = [
  'SOPS_GPG_EXEC',
  'SEALGUARD_PGP_KEY_FILE',
  'SEALGUARD_PGP_PASSPHRASE',
  'SEALGUARD_PGP_PUBKEY_FILE',
  'GPG_AGENT_INFO',
];

/**
 * Creates a temp GNUPGHOME (short path under the OS temp folder, since the agent socket path has a
 * length limit), with loopback pinentry allowed so no test can wait on a dialog, and imports `keyFiles`.
 */
export async function createTempGnupgHome(keyFiles: readonly string[] = []): Promise<TempGnupgHome> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sg-gpg-'));
  await fs.chmod(dir, 0o700);
  await fs.writeFile(path.join(dir, 'gpg-agent.conf'), 'allow-loopback-pinentry\n');
  await fs.writeFile(path.join(dir, 'gpg.conf'), 'no-tty\ntrust-model always\n');
  const env: NodeJS.ProcessEnv = { ...process.env, GNUPGHOME: dir };
  for (const k of ENV_OVERRIDES) delete env[k];

  const gpg = (args: readonly string[], input?: string | Uint8Array): Buffer => {
    const r = spawnSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
      env,
      input: input ?? '',
      timeout: 60_000,
    });
    if (r.status !== 0) {
      throw new Error(`gpg ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr?.toString().trim()}`);
    }
    return r.stdout;
  };

  const home: TempGnupgHome = {
    dir,
    env,
    gpg,
    importKeys: (file) => void gpg(['--import', file]),
    generateKey(userId) {
      gpg(['--quick-gen-key', userId, 'default', 'default', 'never']);
      const listing = gpg(['--with-colons', '--list-secret-keys', userId]).toString();
      const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(listing);
      if (!fpr) throw new Error(`no fingerprint for ${userId} in gpg output`);
      return fpr[1];
    },
    async cleanup() {
      spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env, timeout: 10_000 });
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const f of keyFiles) home.importKeys(f);
  } catch (e) {
    await home.cleanup();
    throw e;
  }
  return home;
}

/** Runs `fn` with a fresh GnuPG home holding `keyFiles`, and always removes it afterwards. */
export async function withTempGnupgHome<T>(
  keyFiles: readonly string[],
  fn: (home: TempGnupgHome) => Promise<T> | T,
): Promise<T> {
  const home = await createTempGnupgHome(keyFiles);
  try {
    return await fn(home);
  } finally {
    await home.cleanup();
  }
}
