import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsMasterKey, parseEncryptionContext, kmsSpecFromArnString, stsSessionName, unwrapKms, kmsArnRegion } from '../../../src/sops/keys/kms.js';
import { unwrapDataKey } from '../../../src/sops/keys/unwrap.js';
import { masterKeyFromStored, masterKeysFrom } from '../../../src/sops/keys/master-keys.js';
import type { KmsStoredKey, SopsMetadata, StoredKey } from '../../../src/sops/metadata.js';
import { caught } from '../../helpers/errors.js';
import { fakeAwsCredentials, startKmsServer, startSilentServer, type KmsTestServer } from '../../helpers/kms-server.js';

const ACCOUNT = '1234' + '56789012';
const arn = (region: string, id: string): string => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
const KEY_A = arn('us-east-1', 'aaaa-1111');
const KEY_B = arn('eu-west-1', 'bbbb-2222');
const LOCKED = arn('us-east-1', 'locked-3333');
const ROLE_KEY = arn('us-east-1', 'role-only-4444');
const ROLE = `arn:aws:iam::${ACCOUNT}:role/sops-decrypt`;

const user = fakeAwsCredentials('user');
const outsider = fakeAwsCredentials('outsider');
let server: KmsTestServer;

beforeAll(async () => {
  server = await startKmsServer({
    keys: [
      { arn: KEY_A },
      { arn: KEY_B },
      { arn: LOCKED, allow: [outsider.accessKeyId] },
      // Only temporary credentials from the role may use this key: proves the role was assumed.
      { arn: ROLE_KEY, allow: [ROLE] },
    ],
    roles: [{ arn: ROLE, allow: [user.accessKeyId] }],
  });
});
afterAll(async () => {
  await server?.close();
});

/** Environment of a user with static credentials, pointed at the test server, nothing from the machine. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: user.accessKeyId,
    AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
    AWS_ENDPOINT_URL: server.url,
    AWS_MAX_ATTEMPTS: '3',
    SEALGUARD_AWS_TIMEOUT_MS: '2000',
    ...extra,
  };
}

function meta(...groups: StoredKey[][]): SopsMetadata {
  return {
    keyGroups: groups,
    lastModified: '2024-01-01T00:00:00Z',
    mac: 'ENC[AES256_GCM,data:,iv:,tag:,type:str]',
    selector: { unencryptedSuffix: '_unencrypted' },
    version: '3.9.0',
    usesKeyGroups: groups.length > 1,
  };
}

describe('KMS key references as sops reads them', () => {
  it('takes the region from the ARN and refuses what is not a KMS ARN', async () => {
    expect(kmsArnRegion(KEY_B)).toBe('eu-west-1');
    expect(kmsArnRegion(`arn:aws-us-gov:kms:us-gov-west-1:${ACCOUNT}:alias/prod`)).toBe('us-gov-west-1');
    expect(kmsArnRegion('alias/prod')).toBeUndefined();
    const err = await caught(() => kmsMasterKey({ arn: 'arn:aws:s3:::bucket' }));
    expect(err.code).toBe('KMS_ARN_INVALID');
    expect(err.message).toBe('not an AWS KMS key ARN: "arn:aws:s3:::bucket"');
  });

  it('splits ARN+ROLE entries and drops spaces, as sops does', () => {
    expect(kmsSpecFromArnString(` ${KEY_A} +${ROLE}`)).toEqual({ arn: KEY_A, role: ROLE });
    expect(kmsSpecFromArnString(KEY_A, { app: 'web' }, 'dev')).toEqual({ arn: KEY_A, context: { app: 'web' }, awsProfile: 'dev' });
  });

  it('parses --encryption-context k:v pairs and refuses a malformed one', async () => {
    expect(parseEncryptionContext('app:web,env:prod')).toEqual({ app: 'web', env: 'prod' });
    expect(parseEncryptionContext('')).toBeUndefined();
    const err = await caught(() => parseEncryptionContext('app=web'));
    expect(err.code).toBe('KMS_CONTEXT_INVALID');
  });

  it('names STS sessions sops@HOST with characters AWS refuses removed, at most 64 characters', () => {
    expect(stsSessionName('some-hostname')).toBe('sops@somehostname');
    expect(stsSessionName('web_01.example.com')).toBe('sops@web_01.example.com');
    expect(stsSessionName('a'.repeat(100))).toHaveLength(64);
  });

  it('builds --kms keys with the context and profile flags, and falls back to SOPS_KMS_ARN', () => {
    const keys = masterKeysFrom({ kms: [`${KEY_A},${KEY_B}+${ROLE}`], encryptionContext: 'app:web' }, {});
    expect(keys.map((k) => `${k.kind} ${k.id}`)).toEqual([`kms ${KEY_A}`, `kms ${KEY_B}+${ROLE}`]);
    expect(masterKeysFrom({}, { SOPS_KMS_ARN: KEY_B }).map((k) => k.id)).toEqual([KEY_B]);
  });
});

describe('wrapping and opening a data key with KMS', () => {
  it('stores base64 of the KMS ciphertext with arn, context and created_at, and opens it again', async () => {
    const dataKey = randomBytes(32);
    const stored = (await kmsMasterKey({ arn: KEY_A, context: { app: 'web' } }, env()).wrap(dataKey)) as KmsStoredKey;
    expect(stored).toMatchObject({ kind: 'kms', arn: KEY_A, context: { app: 'web' } });
    expect(stored.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Buffer.from(stored.enc, 'base64').includes(dataKey)).toBe(false);
    expect(Buffer.from(await unwrapKms(stored, env()))).toEqual(dataKey);
    const encrypt = server.calls.find((c) => c.action === 'Encrypt' && c.keyId === KEY_A);
    expect(encrypt).toMatchObject({ accessKeyId: user.accessKeyId, region: 'us-east-1', encryptionContext: { app: 'web' } });
  });

  it('refuses a data key whose stored encryption context was changed', async () => {
    const stored = (await kmsMasterKey({ arn: KEY_A, context: { app: 'web' } }, env()).wrap(randomBytes(32))) as KmsStoredKey;
    const tampered: KmsStoredKey = { ...stored, context: { app: 'admin' } };
    const err = await caught(unwrapDataKey(meta([tampered]), env()));
    expect(err.exitCode).toBe(128);
    expect(err.details).toEqual([
      `kms ${KEY_A}: KMS refused the ciphertext (InvalidCiphertextException): the stored key or its encryption context was changed`,
    ]);
  });

  it('lists access denied per key, and opens the data key with the next key that works', async () => {
    const dataKey = randomBytes(32);
    const locked = await kmsMasterKey({ arn: LOCKED }, env({ AWS_ACCESS_KEY_ID: outsider.accessKeyId })).wrap(dataKey);
    const open = await kmsMasterKey({ arn: KEY_B }, env()).wrap(dataKey);
    const before = server.calls.length;
    expect(Buffer.from(await unwrapDataKey(meta([locked, open]), env()))).toEqual(dataKey);
    const denied = server.calls.slice(before).filter((c) => c.error === 'AccessDeniedException');
    expect(denied).toHaveLength(1); // not retried
    const err = await caught(unwrapDataKey(meta([locked]), env()));
    expect(err.code).toBe('NO_KEY_COULD_DECRYPT');
    expect(err.exitCode).toBe(128);
    expect(err.details).toHaveLength(1);
    expect(err.details[0]).toMatch(new RegExp(`^kms ${LOCKED}: access denied: User: ${user.accessKeyId} is not authorized to perform: kms:Decrypt`));
  });

  it('retries throttled calls with backoff and then succeeds', async () => {
    const dataKey = randomBytes(32);
    const stored = await kmsMasterKey({ arn: KEY_A }, env()).wrap(dataKey);
    server.throttleNext(2);
    const before = server.calls.length;
    expect(Buffer.from(await unwrapDataKey(meta([stored]), env()))).toEqual(dataKey);
    expect(server.calls.slice(before).map((c) => c.error ?? 'ok')).toEqual(['ThrottlingException', 'ThrottlingException', 'ok']);
  });

  it('gives up on throttling after AWS_MAX_ATTEMPTS and says so', async () => {
    const stored = await kmsMasterKey({ arn: KEY_A }, env()).wrap(randomBytes(32));
    server.throttleNext(5);
    const err = await caught(unwrapDataKey(meta([stored]), env({ AWS_MAX_ATTEMPTS: '2' })));
    server.throttleNext(0);
    expect(err.details[0]).toMatch(/: throttled by KMS \(after 2 attempts\): Rate exceeded$/);
  });

  it('says the key does not exist when KMS answers NotFoundException', async () => {
    const ghost = arn('us-east-1', 'ghost');
    const err = await caught(kmsMasterKey({ arn: ghost }, env()).wrap(randomBytes(32)));
    expect(err.code).toBe('KMS_ENCRYPT_FAILED');
    expect(err.exitCode).toBe(128);
    expect(err.message).toBe(`cannot encrypt the data key with AWS KMS key ${ghost}: NotFoundException: Key '${ghost}' does not exist`);
  });

  it('assumes the key role through STS (session sops@host) and uses its temporary credentials', async () => {
    const dataKey = randomBytes(32);
    // The role key only accepts credentials handed out by AssumeRole.
    const key = kmsMasterKey({ arn: ROLE_KEY, role: ROLE }, env());
    const stored = (await key.wrap(dataKey)) as KmsStoredKey;
    expect(stored.role).toBe(ROLE);
    expect(server.assumed.at(-1)).toMatchObject({ roleArn: ROLE, sessionName: stsSessionName() });
    const assumeCall = server.calls.find((c) => c.action === 'AssumeRole');
    expect(assumeCall).toMatchObject({ accessKeyId: user.accessKeyId, region: 'us-east-1' });
    const encrypt = server.calls.filter((c) => c.action === 'Encrypt' && c.keyId === ROLE_KEY).at(-1);
    expect(encrypt?.accessKeyId).toBe(server.assumed.at(-1)?.accessKeyId);
    expect(encrypt?.withSessionToken).toBe(true);
    expect(Buffer.from(await unwrapKms(stored, env()))).toEqual(dataKey);
    // Without the role, the user's own credentials are refused.
    const err = await caught(unwrapDataKey(meta([{ ...stored, role: undefined }]), env()));
    expect(err.details[0]).toMatch(/access denied/);
  });

  it('reports a role that cannot be assumed per key', async () => {
    const stored = await kmsMasterKey({ arn: KEY_A }, env()).wrap(randomBytes(32));
    const otherRole = `arn:aws:iam::${ACCOUNT}:role/nobody`;
    const err = await caught(unwrapDataKey(meta([{ ...(stored as KmsStoredKey), role: otherRole }]), env()));
    expect(err.details[0]).toMatch(new RegExp(`^kms ${KEY_A}: cannot assume role ${otherRole}: access denied: `));
  });

  it('fails within the deadline, with the endpoint named, when KMS never answers', async () => {
    const silent = await startSilentServer();
    try {
      const stored: KmsStoredKey = { kind: 'kms', arn: KEY_A, createdAt: '2024-01-01T00:00:00Z', enc: 'AQID' };
      const started = Date.now();
      const err = await caught(
        unwrapDataKey(meta([stored]), env({ AWS_ENDPOINT_URL: silent.url, SEALGUARD_AWS_TIMEOUT_MS: '300', AWS_MAX_ATTEMPTS: '2' })),
      );
      expect(Date.now() - started).toBeLessThan(8000);
      expect(err.details[0]).toMatch(new RegExp(`^kms ${KEY_A}: no answer from KMS at ${silent.url} within 0.3 s`));
    } finally {
      await silent.close();
    }
  });

  it('says KMS cannot be reached when nothing listens at the endpoint', async () => {
    const silent = await startSilentServer();
    const url = silent.url;
    await silent.close();
    const stored: KmsStoredKey = { kind: 'kms', arn: KEY_A, createdAt: '2024-01-01T00:00:00Z', enc: 'AQID' };
    const err = await caught(unwrapDataKey(meta([stored]), env({ AWS_ENDPOINT_URL: url, AWS_MAX_ATTEMPTS: '2' })));
    expect(err.details[0]).toBe(`kms ${KEY_A}: cannot reach KMS at ${url}: ECONNREFUSED (after 2 attempts)`);
  });

  it('prefers AWS_ENDPOINT_URL_KMS over AWS_ENDPOINT_URL', async () => {
    const dataKey = randomBytes(32);
    const stored = await kmsMasterKey({ arn: KEY_A }, env({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_KMS: server.url })).wrap(dataKey);
    expect(stored.kind).toBe('kms');
  });

  it('reports a stored KMS key that is not base64 without calling KMS', async () => {
    const before = server.calls.length;
    const stored: KmsStoredKey = { kind: 'kms', arn: KEY_A, createdAt: '2024-01-01T00:00:00Z', enc: 'not base64!' };
    const err = await caught(unwrapDataKey(meta([stored]), env()));
    expect(err.details).toEqual([`kms ${KEY_A}: the stored KMS key is not valid base64`]);
    expect(server.calls.length).toBe(before);
  });

  it('the test server answers GenerateDataKey with a plaintext key and a blob that Decrypt opens', async () => {
    const { KMSClient, GenerateDataKeyCommand, DecryptCommand } = await import('@aws-sdk/client-kms');
    const client = new KMSClient({ region: 'us-east-1', endpoint: server.url, credentials: user });
    try {
      const out = await client.send(new GenerateDataKeyCommand({ KeyId: KEY_A, KeySpec: 'AES_256', EncryptionContext: { a: 'b' } }));
      expect(out.Plaintext).toHaveLength(32);
      const back = await client.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { a: 'b' } }));
      expect(Buffer.from(back.Plaintext ?? [])).toEqual(Buffer.from(out.Plaintext ?? []));
      expect(back.KeyId).toBe(KEY_A);
    } finally {
      client.destroy();
    }
  });

  it('rebuilds a KMS master key from a stored one, with its role, context and profile', () => {
    const stored: KmsStoredKey = {
      kind: 'kms',
      arn: KEY_A,
      role: ROLE,
      context: { app: 'web' },
      awsProfile: 'dev',
      createdAt: '2024-01-01T00:00:00Z',
      enc: 'AQID',
    };
    const key = masterKeyFromStored(stored, env());
    expect(key).toMatchObject({ kind: 'kms', id: `${KEY_A}+${ROLE}` });
    expect(masterKeyFromStored({ kind: 'foreign', list: 'gcp_kms', raw: {} })).toBeUndefined();
  });
});
