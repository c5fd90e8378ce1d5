import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { ageMasterKey } from '../../../src/sops/keys/age.js';
import { shamirThresholdFor, wrapDataKeyForGroups } from '../../../src/sops/keys/wrap.js';
import { unwrapDataKey } from '../../../src/sops/keys/unwrap.js';
import { SHARE_OVERHEAD } from '../../../src/sops/keys/shamir.js';
import type { AgeStoredKey, SopsMetadata, StoredKey } from '../../../src/sops/metadata.js';
import type { KeyUnwrapper } from '../../../src/sops/keys/types.js';
import { caught } from '../../helpers/errors.js';

function meta(groups: StoredKey[][], shamirThreshold?: number): SopsMetadata {
  return {
    keyGroups: groups,
    ...(shamirThreshold !== undefined ? { shamirThreshold } : {}),
    lastModified: '2024-01-01T00:00:00Z',
    mac: 'ENC[AES256_GCM,data:,iv:,tag:,type:str]',
    selector: { unencryptedSuffix: '_unencrypted' },
    version: '3.9.0',
    usesKeyGroups: groups.length > 1,
  };
}

/** No age identity from the developer's machine: only SOPS_AGE_KEY. */
function ageEnv(...identities: string[]): NodeJS.ProcessEnv {
  return { SOPS_AGE_KEY: identities.join('\n'), HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent' };
}

let ids: string[];
let recipients: string[];
beforeAll(async () => {
  ids = await Promise.all([0, 1, 2, 3].map(() => generateX25519Identity()));
  recipients = await Promise.all(ids.map((i) => identityToRecipient(i)));
});

describe('wrapping a data key for key groups', () => {
  it('with one group, every key wraps the data key itself (no split), as sops', async () => {
    const dataKey = randomBytes(32);
    const groups = await wrapDataKeyForGroups(dataKey, [[ageMasterKey(recipients[0]), ageMasterKey(recipients[1])]]);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toHaveLength(2);
    expect(Buffer.from(await unwrapDataKey(meta(groups), ageEnv(ids[1])))).toEqual(dataKey);
  });

  it('with several groups, each group holds a 33-byte share, not the data key', async () => {
    const dataKey = randomBytes(32);
    const groups = await wrapDataKeyForGroups(dataKey, [[ageMasterKey(recipients[0])], [ageMasterKey(recipients[1])]]);
    const { unwrapAge } = await import('../../../src/sops/keys/age.js');
    const share = await unwrapAge(groups[0][0] as AgeStoredKey, [ids[0]]);
    expect(share).toHaveLength(32 + SHARE_OVERHEAD);
    expect(Buffer.from(share.subarray(0, 32))).not.toEqual(dataKey);
  });

  it('3 groups, threshold 2: any two groups open the file, one group alone names the groups that failed', async () => {
    const dataKey = randomBytes(32);
    const groups = await wrapDataKeyForGroups(
      dataKey,
      [[ageMasterKey(recipients[0])], [ageMasterKey(recipients[1])], [ageMasterKey(recipients[2])]],
      2,
    );
    for (const pair of [[0, 1], [0, 2], [1, 2]]) {
      const key = await unwrapDataKey(meta(groups, 2), ageEnv(...pair.map((i) => ids[i])));
      expect(Buffer.from(key)).toEqual(dataKey);
    }
    const err = await caught(unwrapDataKey(meta(groups, 2), ageEnv(ids[1])));
    expect(err.code).toBe('NO_KEY_COULD_DECRYPT');
    expect(err.exitCode).toBe(128);
    expect(err.message).toBe('could not decrypt the data key: 1 of 3 key groups opened and 2 are needed (key groups 1, 3 failed)');
    expect(err.details).toEqual([
      `key group 1: age ${recipients[0]}: no identity matched (tried 1 age identity)`,
      `key group 3: age ${recipients[2]}: no identity matched (tried 1 age identity)`,
    ]);
  });

  it('stops trying groups once the threshold is reached', async () => {
    const dataKey = randomBytes(32);
    const groups = await wrapDataKeyForGroups(dataKey, [[ageMasterKey(recipients[0])], [ageMasterKey(recipients[1])], [ageMasterKey(recipients[2])]], 2);
    const seen: string[] = [];
    const { createUnwrapper } = await import('../../../src/sops/keys/unwrap.js');
    const inner = createUnwrapper(ageEnv(ids[0], ids[1], ids[2]));
    const counting: KeyUnwrapper = (k) => {
      seen.push((k as AgeStoredKey).recipient);
      return inner(k);
    };
    expect(Buffer.from(await unwrapDataKey(meta(groups, 2), {}, counting))).toEqual(dataKey);
    expect(seen).toEqual([recipients[0], recipients[1]]);
  });

  it('uses the first key of a group that opens, and needs every group when the file has no threshold', async () => {
    const dataKey = randomBytes(32);
    const groups = await wrapDataKeyForGroups(dataKey, [
      [ageMasterKey(recipients[3]), ageMasterKey(recipients[0])],
      [ageMasterKey(recipients[1])],
    ]);
    expect(Buffer.from(await unwrapDataKey(meta(groups), ageEnv(ids[0], ids[1])))).toEqual(dataKey);
    const err = await caught(unwrapDataKey(meta(groups), ageEnv(ids[0])));
    expect(err.message).toBe('could not decrypt the data key: 1 of 2 key groups opened and 2 are needed (key group 2 failed)');
  });

  it('refuses a threshold the groups cannot meet, or a group without keys, before encrypting anything', async () => {
    expect(shamirThresholdFor(3)).toBe(3);
    expect(shamirThresholdFor(3, 2)).toBe(2);
    expect(shamirThresholdFor(1, 2)).toBe(2);
    expect(shamirThresholdFor(1)).toBeUndefined();
    const tooHigh = await caught(() => shamirThresholdFor(2, 3));
    expect(tooHigh.code).toBe('SHAMIR_THRESHOLD_INVALID');
    expect(tooHigh.message).toBe('shamir_threshold is 3 but there are only 2 key groups: the file could never be decrypted');
    const empty = await caught(wrapDataKeyForGroups(randomBytes(32), [[ageMasterKey(recipients[0])], []]));
    expect(empty.message).toBe('key group 2 of 2 has no keys, so its share could not be stored');
  });
});

describe('key groups in the sops metadata block', () => {
  it('reads and writes back key_groups with a KMS entry (role, context, aws_profile) exactly as sops lays them out', async () => {
    const { metadataFromObject, metadataToObject } = await import('../../../src/sops/metadata-codec.js');
    const kmsArn = `arn:aws:kms:us-east-1:${'1'.repeat(12)}:key/k`;
    const sopsBlock = {
      shamir_threshold: 2,
      key_groups: [
        {
          kms: [
            {
              arn: kmsArn,
              role: `arn:aws:iam::${'1'.repeat(12)}:role/r`,
              context: { app: 'web' },
              created_at: '2024-01-01T00:00:00Z',
              enc: 'AQID',
              aws_profile: 'prod',
            },
          ],
        },
        { pgp: [{ created_at: '2024-01-01T00:00:00Z', enc: 'p', fp: 'F1' }], age: [{ recipient: 'age1x', enc: 'a' }] },
      ],
      lastmodified: '2024-05-01T10:00:00Z',
      mac: 'ENC[AES256_GCM,data:,iv:,tag:,type:str]',
      unencrypted_suffix: '_unencrypted',
      version: '3.9.0',
    };
    const meta = metadataFromObject(sopsBlock);
    expect(meta.shamirThreshold).toBe(2);
    expect(meta.keyGroups[0][0]).toMatchObject({ kind: 'kms', arn: kmsArn, awsProfile: 'prod', context: { app: 'web' } });
    expect(JSON.stringify(metadataToObject(meta))).toBe(JSON.stringify(sopsBlock));
  });
});
