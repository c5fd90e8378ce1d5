import { promises as fs } from 'node:fs';
import type * as Pgp from 'openpgp';
import { loadOpenpgp } from './openpgp-lazy.js';
import { errorMessage } from '../../shared/errors.js';

export const SEALGUARD_PGP_KEY_FILE = 'SEALGUARD_PGP_KEY_FILE';
export const SEALGUARD_PGP_PASSPHRASE = 'SEALGUARD_PGP_PASSPHRASE';
export const SEALGUARD_PGP_PUBKEY_FILE = 'SEALGUARD_PGP_PUBKEY_FILE';

type BlockKind = 'PUBLIC KEY' | 'PRIVATE KEY';

/** Armored blocks of one kind in a text. openpgp.js reads only the first block of a text; exports often hold several. */
export function armoredBlocks(text: string, kind: BlockKind): string[] {
  const re = new RegExp(`-----BEGIN PGP ${kind} BLOCK-----[\\s\\S]*?-----END PGP ${kind} BLOCK-----`, 'g');
  return text.match(re) ?? [];
}

/** Whether `key` (primary key or any subkey) is the one a user named by fingerprint or key ID. */
export function keyMatches(key: Pgp.Key, fingerprint: string): boolean {
  const want = fingerprint.toLowerCase();
  return key.getKeys().some((k) => {
    const fp = k.getFingerprint().toLowerCase();
    return fp === want || (want.length < fp.length && fp.endsWith(want));
  });
}

/** Public keys in armored text (a private key block yields its public part). */
export async function readPublicKeys(text: string): Promise<Pgp.Key[]> {
  const pgp = await loadOpenpgp();
  const keys: Pgp.Key[] = [];
  for (const block of armoredBlocks(text, 'PUBLIC KEY')) keys.push(...(await pgp.readKeys({ armoredKeys: block })));
  for (const block of armoredBlocks(text, 'PRIVATE KEY')) {
    for (const k of await pgp.readPrivateKeys({ armoredKeys: block })) keys.push(k.toPublic());
  }
  return keys;
}

/** The public key for `fingerprint` in an armored key file, or a reason it is not there. */
export async function publicKeyFromFile(
  file: string,
  fingerprint: string,
): Promise<{ key: Pgp.Key } | { reason: string }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    return { reason: `cannot read ${file}: ${errorMessage(e)}` };
  }
  let keys: Pgp.Key[];
  try {
    keys = await readPublicKeys(text);
  } catch (e) {
    return { reason: `${file} is not a valid armored key file: ${errorMessage(e)}` };
  }
  const key = keys.find((k) => keyMatches(k, fingerprint));
  return key ? { key } : { reason: `${file} has no key with that fingerprint` };
}

/**
 * Decrypts an armored message with the secret keys in SEALGUARD_PGP_KEY_FILE (unprotected keys,
 * or keys unlocked by SEALGUARD_PGP_PASSPHRASE). Returns the plaintext or a one-line reason.
 */
export async function decryptWithKeyFile(
  armored: string,
  env: NodeJS.ProcessEnv,
): Promise<{ data: Uint8Array } | { reason: string }> {
  const file = env[SEALGUARD_PGP_KEY_FILE];
  if (!file) return { reason: `${SEALGUARD_PGP_KEY_FILE} not set` };
  const where = `${SEALGUARD_PGP_KEY_FILE} (${file})`;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    return { reason: `${where}: ${errorMessage(e)}` };
  }
  const passphrase = env[SEALGUARD_PGP_PASSPHRASE];
  const usable: Pgp.PrivateKey[] = [];
  const skipped: string[] = [];
  try {
    for (const block of armoredBlocks(text, 'PRIVATE KEY')) {
      for (const key of await (await loadOpenpgp()).readPrivateKeys({ armoredKeys: block })) {
        const fp = key.getFingerprint().toUpperCase();
        if (key.isDecrypted()) usable.push(key);
        else if (!passphrase) skipped.push(`${fp} is passphrase-protected and ${SEALGUARD_PGP_PASSPHRASE} is not set`);
        else {
          const unlocked = await unlock(key, passphrase);
          if (unlocked) usable.push(unlocked);
          else skipped.push(`${SEALGUARD_PGP_PASSPHRASE} does not unlock ${fp}`);
        }
      }
    }
  } catch (e) {
    return { reason: `${where}: ${errorMessage(e)}` };
  }
  const note = skipped.length > 0 ? ` (${skipped.join('; ')})` : '';
  if (usable.length === 0) return { reason: `${where}: no usable secret key${note}` };
  try {
    const pgp = await loadOpenpgp();
    const message = await pgp.readMessage({ armoredMessage: armored });
    const { data } = await pgp.decrypt({ message, decryptionKeys: usable, format: 'binary' });
    return { data };
  } catch (e) {
    return { reason: `${where}: ${errorMessage(e)}${note}` };
  }
}

async function unlock(key: Pgp.PrivateKey, passphrase: string): Promise<Pgp.PrivateKey | undefined> {
  try {
    return await (await loadOpenpgp()).decryptKey({ privateKey: key, passphrase });
  } catch {
    return undefined;
  }
}
