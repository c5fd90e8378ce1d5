import { describe, expect, test } from 'vitest';
import { flattenMetadata, unflattenMetadata } from '../../../src/sops/stores/flatten.js';
import { caught } from '../../helpers/errors.js';

describe('flattened sops metadata', () => {
  const nested = {
    shamir_threshold: 2,
    key_groups: [{ pgp: [{ fp: 'F1', enc: 'a\nb' }] }, { kms: [{ arn: 'arn:x', context: { Env: 'prod' }, aws_profile: '' }] }],
    lastmodified: '2026-01-01T00:00:00Z',
    mac_only_encrypted: true,
    version: '3.13.2',
  };

  test('maps join with __map_, lists with __list_N, sorted, newlines escaped, booleans and numbers as text', () => {
    expect(flattenMetadata(nested)).toEqual([
      ['key_groups__list_0__map_pgp__list_0__map_enc', 'a\\nb'],
      ['key_groups__list_0__map_pgp__list_0__map_fp', 'F1'],
      ['key_groups__list_1__map_kms__list_0__map_arn', 'arn:x'],
      ['key_groups__list_1__map_kms__list_0__map_aws_profile', ''],
      ['key_groups__list_1__map_kms__list_0__map_context__map_Env', 'prod'],
      ['lastmodified', '2026-01-01T00:00:00Z'],
      ['mac_only_encrypted', 'true'],
      ['shamir_threshold', '2'],
      ['version', '3.13.2'],
    ]);
  });

  test('un-flattening gives the nested object back, with the threshold a number and the flag a boolean', () => {
    expect(unflattenMetadata(flattenMetadata(nested))).toEqual(nested);
  });

  test('null members are left out as sops leaves out nil values', () => {
    expect(flattenMetadata({ kms: null, version: '1' })).toEqual([['version', '1']]);
  });

  test('conflicting flat keys are refused as invalid metadata', async () => {
    const err = await caught(() => unflattenMetadata([['pgp', 'x'], ['pgp__list_0__map_fp', 'y']]));
    expect(err.code).toBe('INVALID_METADATA');
    expect((await caught(() => unflattenMetadata([['shamir_threshold', 'two']]))).code).toBe('INVALID_METADATA');
  });
});
