import type * as Pgp from 'openpgp';
import { loadOpenpgp } from './openpgp-lazy.js';
import type { PgpStoredKey } from '../metadata.js';
import type { MasterKey } from './types.js';
import { SealguardError, errorMessage } from '../../shared/errors.js';
import { gpgDecrypt, gpgExportPublicKey } from './pgp-gpg.js';
import {
  SEALGUARD_PGP_PUBKEY_FILE,
  decryptWithKeyFile,
  keyMatches,
  publicKeyFromFile,
  readPublicKeys,
} from './pgp-keyfile.js';

export { SEALGUARD_PGP_KEY_FILE, SEALGUARD_PGP_PASSPHRASE, SEALGUARD_PGP_PUBKEY_FILE } from './pgp-keyfile.js';

export interface PgpKeyOptions {
  /** Where GNUPGHOME, SOPS_GPG_EXEC and SEALGUARD_PGP_PUBKEY_FILE are read; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Armored public key file holding the recipient's key; overrides SEALGUARD_PGP_PUBKEY_FILE. */
  readonly publicKeyFile?: string;
}

export interface PgpUnwrapOptions {
  /** Deadline for the gpg call; default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * Normalises a PGP key reference: spaces and a `0x` prefix dropped, upper-case hex. Full
 * fingerprints (40 or 64 hex digits) and long/short key IDs (16/8) are accepted, as gpg does.
 */
export function normalizeFingerprint(fingerprint: string): string {
  const fp = fingerprint.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(fp) || ![8, 16, 40, 64].includes(fp.length)) {
    throw new SealguardError('PGP_FINGERPRINT_INVALID', `not a PGP fingerprint: ${describe(fingerprint)}`, {
      details: ['give the key fingerprint (40 hex digits, as `gpg --list-keys --with-colons` prints it)'],
    });
  }
  return fp;
}

function describe(value: string): string {
  const v = value.trim();
  return v.length <= 64 ? JSON.stringify(v) : JSON.stringify(`${v.slice(0, 20)}…`);
}

/** RFC 3339, UTC, whole seconds: the `created_at` sops writes. */
export function rfc3339Now(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * A PGP master key. The recipient's public key comes from an armored key file (option, or
 * SEALGUARD_PGP_PUBKEY_FILE) or from the user's GnuPG keyring (`gpg --export`); it is looked up when
 * the first data key is wrapped. The data key's 32 raw bytes are encrypted as a binary OpenPGP
 * message and stored armored, as sops does.
 */
export function pgpMasterKey(fingerprint: string, opts: PgpKeyOptions = {}): MasterKey {
  const fp = normalizeFingerprint(fingerprint);
  const env = opts.env ?? process.env;
  let publicKey: Promise<Pgp.Key> | undefined;
  return {
    kind: 'pgp',
    id: fp,
    async wrap(dataKey: Uint8Array): Promise<PgpStoredKey> {
      publicKey ??= findPublicKey(fp, opts.publicKeyFile ?? env[SEALGUARD_PGP_PUBKEY_FILE], env);
      // A failed lookup is not cached: the user may import the key and retry in the same process.
      const key = await publicKey.catch((e: unknown) => {
        publicKey = undefined;
        throw e;
      });
      let enc: string;
      try {
        const pgp = await loadOpenpgp();
        const message = await pgp.createMessage({ binary: dataKey });
        enc = await pgp.encrypt({ message, encryptionKeys: key, format: 'armored' });
      } catch (e) {
        throw new SealguardError('PGP_ENCRYPT_FAILED', `cannot encrypt the data key for PGP key ${fp}: ${errorMessage(e)}`);
      }
      return { kind: 'pgp', fp, createdAt: rfc3339Now(), enc };
    },
  };
}

async function findPublicKey(fp: string, file: string | undefined, env: NodeJS.ProcessEnv): Promise<Pgp.Key> {
  const tried: string[] = [];
  if (file) {
    const found = await publicKeyFromFile(file, fp);
    if ('key' in found) return found.key;
    tried.push(found.reason);
  }
  const exported = await gpgExportPublicKey(fp, env);
  if (exported.ok) {
    try {
      const key = (await readPublicKeys(exported.stdout.toString('utf8'))).find((k) => keyMatches(k, fp));
      if (key) return key;
      tried.push('gpg exported a key with another fingerprint');
    } catch (e) {
      tried.push(`gpg export unreadable: ${errorMessage(e)}`);
    }
  } else {
    tried.push(`gpg keyring: ${exported.reason}`);
  }
  throw new SealguardError('PGP_KEY_NOT_FOUND', `public key for PGP ${fp} not found`, {
    details: [
      ...tried,
      `import it (gpg --import KEY.asc) or point ${SEALGUARD_PGP_PUBKEY_FILE} at an armored public key`,
    ],
  });
}

/**
 * Opens a PGP-wrapped data key: first with the gpg program (SOPS_GPG_EXEC or gpg, GNUPGHOME
 * honoured, deadline 30 s), then, if that is missing or fails, with the armored secret keys in
 * SEALGUARD_PGP_KEY_FILE. The error names each path tried and why it failed.
 */
export async function unwrapPgp(
  stored: Pick<PgpStoredKey, 'enc'>,
  env: NodeJS.ProcessEnv = process.env,
  opts: PgpUnwrapOptions = {},
): Promise<Uint8Array> {
  const viaGpg = await gpgDecrypt(stored.enc, env, opts.timeoutMs);
  if (viaGpg.ok) {
    // Copy out of gpg's output buffer, then zero it: only the returned key is left for the caller to clear.
    const key = new Uint8Array(viaGpg.stdout);
    viaGpg.stdout.fill(0);
    return key;
  }
  const viaFile = await decryptWithKeyFile(stored.enc, env);
  if ('data' in viaFile) return viaFile.data;
  throw new SealguardError('PGP_DECRYPT_FAILED', `${viaGpg.reason}; ${viaFile.reason}`);
}
