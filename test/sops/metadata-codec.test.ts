import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isSealguardError } from '../../src/shared/errors.js';
import { metadataFromObject, metadataToObject } from '../../src/sops/metadata-codec.js';
import type { SopsMetadata } from '../../src/sops/metadata.js';
import { readVector } from '../helpers/sops-vectors.js';

async function vectorMeta(name: string): Promise<Record<string, unknown>> {
  const text = await readVector(name);
  const doc = (name.endsWith('.yaml') ? parseYaml(text) : JSON.parse(text)) as { sops: Record<string, unknown> };
  return doc.sops;
}

function failure(obj: Record<string, unknown>): { code: string; message: string } {
  try {
    metadataFromObject(obj);
  } catch (e) {
    if (isSealguardError(e)) return e;
    throw e;
  }
  throw new Error('expected INVALID_METADATA');
}

const base = {
  lastmodified: '2024-05-01T10:00:00Z',
  mac: 'ENC[AES256_GCM,data:AA==,iv:AA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]',
  pgp: [{ created_at: '2024-05-01T10:00:00Z', enc: '-----BEGIN PGP MESSAGE-----\n…', fp: 'ABCD' }],
  version: '3.9.0',
};

describe('reading sops metadata', () => {
  it('example.json (sops 3.5.0, null key lists) reads as one group of two PGP keys with the default suffix', async () => {
    const meta = metadataFromObject(await vectorMeta('example.json'));
    expect(meta.keyGroups).toHaveLength(1);
    expect(meta.keyGroups[0]?.map((k) => k.kind)).toEqual(['pgp', 'pgp']);
    expect(meta.keyGroups[0]?.[0]).toMatchObject({ fp: 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4', createdAt: '2019-12-10T22:45:55Z' });
    expect(meta.lastModified).toBe('2019-12-10T22:45:55Z');
    expect(meta.selector).toEqual({ unencryptedSuffix: '_unencrypted' });
    expect(meta.version).toBe('3.5.0');
    expect(meta.usesKeyGroups).toBe(false);
  });

  it('a file without any selector gets the default unencrypted_suffix, as sops does', () => {
    expect(metadataFromObject(base).selector).toEqual({ unencryptedSuffix: '_unencrypted' });
  });

  it('key_groups with a shamir threshold read as several groups', () => {
    const meta = metadataFromObject({
      ...base,
      pgp: undefined,
      shamir_threshold: 2,
      key_groups: [{ pgp: base.pgp }, { age: [{ recipient: 'age1xyz', enc: '-----BEGIN AGE ENCRYPTED FILE-----' }] }],
    });
    expect(meta.keyGroups.map((g) => g.map((k) => k.kind))).toEqual([['pgp'], ['age']]);
    expect(meta.shamirThreshold).toBe(2);
    expect(meta.usesKeyGroups).toBe(true);
  });

  it('key kinds this build cannot use are kept as foreign keys so a rewrite preserves them', () => {
    const gcp = { resource_id: 'projects/p/locations/global/keyRings/r/cryptoKeys/k', created_at: '2024-05-01T10:00:00Z', enc: 'CiQA' };
    const meta = metadataFromObject({ ...base, gcp_kms: [gcp], azure_kv: null, hc_vault: [] });
    expect(meta.keyGroups[0]).toContainEqual({ kind: 'foreign', list: 'gcp_kms', raw: gcp });
    expect(metadataToObject(meta)['gcp_kms']).toEqual([gcp]);
  });

  it('a timestamp a YAML parser turned into a Date is accepted', () => {
    const meta = metadataFromObject({ ...base, lastmodified: new Date('2024-05-01T10:00:00Z') });
    expect(meta.lastModified).toBe('2024-05-01T10:00:00Z');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['missing lastmodified', { ...base, lastmodified: undefined }, /sops\.lastmodified is missing/],
    ['a lastmodified that is not RFC 3339', { ...base, lastmodified: 'yesterday' }, /sops\.lastmodified must be an RFC 3339/],
    ['missing mac', { ...base, mac: undefined }, /sops\.mac is missing/],
    ['a pgp entry without fp', { ...base, pgp: [{ created_at: base.lastmodified, enc: 'x' }] }, /sops\.pgp\[0\]\.fp is missing/],
    ['a pgp list that is not a list', { ...base, pgp: 'ABCD' }, /sops\.pgp must be a list/],
    ['a kms entry without arn', { ...base, kms: [{ created_at: base.lastmodified, enc: 'x' }] }, /sops\.kms\[0\]\.arn is missing/],
    ['two selectors', { ...base, encrypted_regex: '^data$', unencrypted_suffix: '_u' }, /mutually exclusive/],
    ['a numeric version (sops 1.x)', { ...base, version: 1 }, /sops\.version must be a string/],
    ['no keys at all', { ...base, pgp: [], kms: null }, /lists no keys/],
    ['a negative shamir threshold', { ...base, shamir_threshold: -1 }, /sops\.shamir_threshold/],
    ['mac_only_encrypted as text', { ...base, mac_only_encrypted: 'yes' }, /sops\.mac_only_encrypted must be true or false/],
  ])('%s is refused with a message naming the field', (_what, obj, message) => {
    const e = failure(obj);
    expect(e.code).toBe('INVALID_METADATA');
    expect(e.message).toMatch(message);
  });
});

describe('writing sops metadata exactly as sops does', () => {
  it.each(['res-format.enc.json', 'example.yaml', 'res-format.enc.yaml'])(
    '%s (written by a recent sops) reads and writes back identically, key order included',
    async (name) => {
      const raw = await vectorMeta(name);
      const written = metadataToObject(metadataFromObject(raw));
      expect(written).toEqual(raw);
      expect(Object.keys(written)).toEqual(Object.keys(raw));
      expect(Object.keys((written['pgp'] as object[])[0] as object)).toEqual(['created_at', 'enc', 'fp']);
    },
  );

  it('example.json (sops 3.5.0) is written in the current layout: null key lists dropped', async () => {
    const written = metadataToObject(metadataFromObject(await vectorMeta('example.json')));
    expect(Object.keys(written)).toEqual(['lastmodified', 'mac', 'pgp', 'unencrypted_suffix', 'version']);
  });

  it('field order follows sops: threshold, groups or key lists, lastmodified, mac, pgp, selector, mac_only_encrypted, version', () => {
    const meta: SopsMetadata = {
      keyGroups: [
        [
          // The order sops reads a flat group in: kms, gcp_kms, azure_kv, hc_vault, age, pgp.
          { kind: 'kms', arn: 'arn:aws:kms:eu-west-1:1:key/k', createdAt: '2024-01-01T00:00:00Z', enc: 'k', context: { app: 'x' } },
          { kind: 'age', recipient: 'age1a', enc: 'a' },
          { kind: 'pgp', fp: 'F1', createdAt: '2024-01-01T00:00:00Z', enc: 'p' },
        ],
      ],
      lastModified: '2024-05-01T10:00:00Z',
      mac: 'ENC[…]',
      selector: { encryptedRegex: '^data$', macOnlyEncrypted: true },
      version: '3.9.0',
      usesKeyGroups: false,
    };
    const written = metadataToObject(meta);
    expect(Object.keys(written)).toEqual(['kms', 'age', 'lastmodified', 'mac', 'pgp', 'encrypted_regex', 'mac_only_encrypted', 'version']);
    expect(written['kms']).toEqual([
      { arn: 'arn:aws:kms:eu-west-1:1:key/k', context: { app: 'x' }, created_at: '2024-01-01T00:00:00Z', enc: 'k', aws_profile: '' },
    ]);
    expect(metadataFromObject(written)).toEqual(meta);
  });

  it('several key groups are written as key_groups after shamir_threshold, each group in sops order', () => {
    const meta: SopsMetadata = {
      keyGroups: [
        [
          { kind: 'age', recipient: 'age1a', enc: 'a' },
          { kind: 'pgp', fp: 'F1', createdAt: '2024-01-01T00:00:00Z', enc: 'p' },
        ],
        [{ kind: 'pgp', fp: 'F2', createdAt: '2024-01-01T00:00:00Z', enc: 'q' }],
      ],
      shamirThreshold: 2,
      lastModified: '2024-05-01T10:00:00Z',
      mac: 'ENC[…]',
      selector: { unencryptedSuffix: '_unencrypted' },
      version: '3.9.0',
      usesKeyGroups: true,
    };
    const written = metadataToObject(meta);
    expect(Object.keys(written)).toEqual(['shamir_threshold', 'key_groups', 'lastmodified', 'mac', 'unencrypted_suffix', 'version']);
    expect(Object.keys((written['key_groups'] as object[])[0] as object)).toEqual(['pgp', 'age']);
    expect(metadataFromObject(written)).toEqual(meta);
  });

  it('metadata built without a selector is written with the default unencrypted_suffix', () => {
    const meta = metadataFromObject(base);
    const written = metadataToObject({ ...meta, selector: {} });
    expect(written['unencrypted_suffix']).toBe('_unencrypted');
  });
});
