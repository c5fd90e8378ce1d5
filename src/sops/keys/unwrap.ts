import type { SopsMetadata, StoredKey } from '../metadata.js';
import type { KeyUnwrapper } from './types.js';
import { ExitCode, SealguardError, errorMessage } from '../../shared/errors.js';
import { loadAgeIdentities, unwrapAge, type AgeIdentities } from './age.js';
import { unwrapPgp } from './pgp.js';
import { unwrapKms } from './kms.js';
import { SHARE_OVERHEAD, shamirCombine } from './shamir.js';

export { masterKeysFrom, type MasterKeyFlags } from './master-keys.js';

/** sops data keys are 32 bytes (AES-256). */
export const DATA_KEY_LENGTH = 32;

/** How a stored key is named in messages: kind and the public id, never `enc`. */
export function describeStoredKey(key: StoredKey): string {
  switch (key.kind) {
    case 'age':
      return `age ${key.recipient}`;
    case 'pgp':
      return `pgp ${key.fp}`;
    case 'kms':
      return `kms ${key.arn}`;
    case 'foreign':
      return `${key.list} ${foreignId(key.raw)}`;
  }
}

function foreignId(raw: Readonly<Record<string, unknown>>): string {
  for (const field of ['resource_id', 'vault_url', 'vaultUrl', 'vault_address', 'key_id', 'arn']) {
    const v = raw[field];
    if (typeof v === 'string' && v !== '') return v;
  }
  return 'key';
}

/**
 * A KeyUnwrapper for one environment. Age identities are loaded once, on the first age key, so
 * SOPS_AGE_KEY_CMD runs at most once per command and not at all for a PGP-only file.
 */
export function createUnwrapper(env: NodeJS.ProcessEnv = process.env): KeyUnwrapper {
  let identities: Promise<AgeIdentities> | undefined;
  return async (stored: StoredKey): Promise<Uint8Array> => {
    switch (stored.kind) {
      case 'age':
        identities ??= loadAgeIdentities(env);
        return unwrapAge(stored, await identities);
      case 'pgp':
        return unwrapPgp(stored, env);
      case 'kms':
        return unwrapKms(stored, env);
      case 'foreign':
        throw new Error(`${stored.list} keys are not supported in this build`);
    }
  };
}

/**
 * Recovers a file's data key. With one key group the first key that opens it wins; keys are tried
 * in metadata order. With several groups (Shamir), each group gives one share from the first of its
 * keys that opens; groups are tried in order until `shamir_threshold` shares are found, then the
 * shares are combined. When that fails, the error lists every key tried and why each failed.
 */
export async function unwrapDataKey(
  meta: SopsMetadata,
  env: NodeJS.ProcessEnv = process.env,
  unwrap: KeyUnwrapper = createUnwrapper(env),
): Promise<Uint8Array> {
  const groups = meta.keyGroups;
  if (groups.length === 0 || groups.every((g) => g.length === 0)) {
    throw new SealguardError('NO_KEY_COULD_DECRYPT', 'the file lists no master key, so its data key cannot be recovered', {
      exitCode: ExitCode.couldNotRetrieveKey,
    });
  }
  if (groups.length === 1) {
    const keys = groups[0];
    const opened = await openGroup(keys, DATA_KEY_LENGTH, 'data key', unwrap);
    if ('secret' in opened) return opened.secret;
    throw new SealguardError(
      'NO_KEY_COULD_DECRYPT',
      `could not decrypt the data key with any of the ${keys.length} key${keys.length === 1 ? '' : 's'}`,
      { exitCode: ExitCode.couldNotRetrieveKey, details: opened.tried },
    );
  }
  return unwrapShares(groups, meta.shamirThreshold, unwrap);
}

type GroupResult = { secret: Uint8Array } | { tried: string[] };

/** The first key of a group that opens to `length` bytes; otherwise why each key failed. */
async function openGroup(keys: readonly StoredKey[], length: number, what: string, unwrap: KeyUnwrapper): Promise<GroupResult> {
  const tried: string[] = [];
  for (const key of keys) {
    try {
      const secret = await unwrap(key);
      if (secret.length !== length) {
        secret.fill(0);
        tried.push(`${describeStoredKey(key)}: opened, but holds ${secret.length} bytes instead of a ${length}-byte ${what}`);
        continue;
      }
      return { secret };
    } catch (e) {
      tried.push(`${describeStoredKey(key)}: ${errorMessage(e)}`);
    }
  }
  if (keys.length === 0) tried.push('the group lists no key');
  return { tried };
}

async function unwrapShares(
  groups: readonly (readonly StoredKey[])[],
  threshold: number | undefined,
  unwrap: KeyUnwrapper,
): Promise<Uint8Array> {
  // A file without shamir_threshold was split with every group needed (sops' default).
  const needed = threshold && threshold > 0 ? Math.min(threshold, groups.length) : groups.length;
  const shares: Uint8Array[] = [];
  const failed: { index: number; tried: string[] }[] = [];
  for (let i = 0; i < groups.length && shares.length < needed; i++) {
    const opened = await openGroup(groups[i], DATA_KEY_LENGTH + SHARE_OVERHEAD, 'key share', unwrap);
    if ('secret' in opened) shares.push(opened.secret);
    else failed.push({ index: i, tried: opened.tried });
  }
  try {
    if (shares.length < needed) {
      const names = failed.map((f) => f.index + 1).join(', ');
      throw new SealguardError(
        'NO_KEY_COULD_DECRYPT',
        `could not decrypt the data key: ${shares.length} of ${groups.length} key groups opened and ${needed} are needed (key group${failed.length === 1 ? '' : 's'} ${names} failed)`,
        {
          exitCode: ExitCode.couldNotRetrieveKey,
          details: failed.flatMap((f) => f.tried.map((t) => `key group ${f.index + 1}: ${t}`)),
        },
      );
    }
    let dataKey: Uint8Array;
    try {
      dataKey = shamirCombine(shares);
    } catch (e) {
      throw new SealguardError('NO_KEY_COULD_DECRYPT', `could not combine the key groups' shares: ${errorMessage(e)}`, {
        exitCode: ExitCode.couldNotRetrieveKey,
      });
    }
    return dataKey;
  } finally {
    for (const s of shares) s.fill(0);
  }
}
