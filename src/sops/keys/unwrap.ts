import type { SopsMetadata, StoredKey } from '../metadata.js';
import type { KeyUnwrapper } from './types.js';
import { ExitCode, SealguardError, errorMessage } from '../../shared/errors.js';
import { loadAgeIdentities, unwrapAge, type AgeIdentities } from './age.js';
import { unwrapPgp } from './pgp.js';

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
        throw new Error('AWS KMS is not supported in this build');
      case 'foreign':
        throw new Error(`${stored.list} keys are not supported in this build`);
    }
  };
}

/**
 * Recovers a file's data key. With one key group the first key that opens it wins; keys are tried
 * in metadata order. When none does, the error lists every key tried and why each failed.
 */
export async function unwrapDataKey(
  meta: SopsMetadata,
  env: NodeJS.ProcessEnv = process.env,
  unwrap: KeyUnwrapper = createUnwrapper(env),
): Promise<Uint8Array> {
  if (meta.keyGroups.length > 1) {
    throw new SealguardError(
      'SHAMIR_UNSUPPORTED',
      `this file splits its data key over ${meta.keyGroups.length} key groups (Shamir); that is not supported yet`,
      { exitCode: ExitCode.couldNotRetrieveKey },
    );
  }
  const keys = meta.keyGroups[0] ?? [];
  if (keys.length === 0) {
    throw new SealguardError('NO_KEY_COULD_DECRYPT', 'the file lists no master key, so its data key cannot be recovered', {
      exitCode: ExitCode.couldNotRetrieveKey,
    });
  }
  const tried: string[] = [];
  for (const key of keys) {
    try {
      const dataKey = await unwrap(key);
      if (dataKey.length !== DATA_KEY_LENGTH) {
        tried.push(`${describeStoredKey(key)}: opened, but holds ${dataKey.length} bytes instead of a ${DATA_KEY_LENGTH}-byte data key`);
        continue;
      }
      return dataKey;
    } catch (e) {
      tried.push(`${describeStoredKey(key)}: ${errorMessage(e)}`);
    }
  }
  throw new SealguardError(
    'NO_KEY_COULD_DECRYPT',
    `could not decrypt the data key with any of the ${keys.length} key${keys.length === 1 ? '' : 's'}`,
    { exitCode: ExitCode.couldNotRetrieveKey, details: tried },
  );
}
