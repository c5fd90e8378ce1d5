import type { StoredKey } from '../metadata.js';
import type { MasterKey } from './types.js';
import { ExitCode, SealguardError } from '../../shared/errors.js';
import { shamirSplit } from './shamir.js';

/**
 * The `shamir_threshold` a file with `groupCount` key groups gets: as sops, the configured one,
 * or the number of groups when none is set. With one group nothing is split and the configured
 * value (if any) is only recorded. A threshold the groups cannot meet is refused before anything
 * is encrypted.
 */
export function shamirThresholdFor(groupCount: number, threshold?: number): number | undefined {
  if (groupCount <= 1) return threshold && threshold > 0 ? threshold : undefined;
  const t = threshold && threshold > 0 ? threshold : groupCount;
  if (t > groupCount) {
    throw new SealguardError(
      'SHAMIR_THRESHOLD_INVALID',
      `shamir_threshold is ${t} but there are only ${groupCount} key groups: the file could never be decrypted`,
      { exitCode: ExitCode.errorReadingConfig },
    );
  }
  if (t < 2) {
    throw new SealguardError('SHAMIR_THRESHOLD_INVALID', `shamir_threshold must be at least 2 with ${groupCount} key groups`, {
      exitCode: ExitCode.errorReadingConfig,
    });
  }
  return t;
}

/**
 * Wraps a data key for key groups, as sops does. One group: every key wraps the data key itself.
 * Several groups: the data key is split with Shamir secret sharing into one share per group
 * (`threshold` of them recombine it; default: all groups) and each group's keys wrap that group's
 * share. Returns the stored keys, one array per group, in the groups' order. A key that cannot wrap
 * fails the whole call: a file must never silently lack a recipient the user asked for.
 */
export async function wrapDataKeyForGroups(
  dataKey: Uint8Array,
  groups: readonly (readonly MasterKey[])[],
  threshold?: number,
): Promise<StoredKey[][]> {
  if (groups.length === 0 || groups.every((g) => g.length === 0)) {
    throw new SealguardError('NO_MASTER_KEYS', 'no keys to encrypt with', { exitCode: ExitCode.noMasterKeys });
  }
  if (groups.length === 1) return [await wrapAll(groups[0], dataKey)];

  const empty = groups.findIndex((g) => g.length === 0);
  if (empty >= 0) {
    throw new SealguardError('NO_MASTER_KEYS', `key group ${empty + 1} of ${groups.length} has no keys, so its share could not be stored`, {
      exitCode: ExitCode.noMasterKeys,
    });
  }
  const t = shamirThresholdFor(groups.length, threshold) as number;
  const shares = shamirSplit(dataKey, groups.length, t);
  try {
    const out: StoredKey[][] = [];
    for (let i = 0; i < groups.length; i++) out.push(await wrapAll(groups[i], shares[i]));
    return out;
  } finally {
    for (const s of shares) s.fill(0);
  }
}

async function wrapAll(keys: readonly MasterKey[], secret: Uint8Array): Promise<StoredKey[]> {
  const stored: StoredKey[] = [];
  for (const key of keys) stored.push(await key.wrap(secret));
  return stored;
}
