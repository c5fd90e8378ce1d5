import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { decodeFile } from 'sops-decoder';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { runCliAsync } from '../helpers/cli-async.js';
import { isolatedEnv } from '../helpers/sops-cli-env.js';
import { fakeAwsCredentials, startKmsServer, startSilentServer, type KmsTestServer } from '../helpers/kms-server.js';

const ACCOUNT = '2109' + '87654321';
const arn = (region: string, id: string): string => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
const KEY = arn('us-east-1', 'cli-main');
const KEY_EU = arn('eu-central-1', 'cli-eu');
const LOCKED = arn('us-east-1', 'cli-locked');
const ROLE_KEY = arn('us-east-1', 'cli-role-only');
const PROFILE_KEY = arn('us-east-1', 'cli-profile-only');
const ROLE = `arn:aws:iam::${ACCOUNT}:role/sops-cli`;

const user = fakeAwsCredentials('cliuser');
const dev = fakeAwsCredentials('devprofile');
const someoneElse = fakeAwsCredentials('else');
let server: KmsTestServer;
let work: string;

const PLAIN_YAML = '# database settings\ndb:\n  user: app\n  password: s3cr3t-value\n  port: 5432\n';

beforeAll(async () => {
  server = await startKmsServer({
    keys: [
      { arn: KEY },
      { arn: KEY_EU },
      { arn: LOCKED, allow: [someoneElse.accessKeyId] },
      { arn: ROLE_KEY, allow: [ROLE] },
      { arn: PROFILE_KEY, allow: [dev.accessKeyId] },
    ],
    roles: [{ arn: ROLE, allow: [user.accessKeyId] }],
  });
  work = mkdtempSync(path.join(tmpdir(), 'sealguard-kms-cli-'));
  writeFileSync(
    path.join(work, 'aws-credentials'),
    `[dev]\naws_access_key_id = ${dev.accessKeyId}\naws_secret_access_key = ${dev.secretAccessKey}\n`,
  );
});
afterAll(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A user with static AWS credentials, pointed at the test server; nothing from the machine leaks in. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return isolatedEnv(work, {
    AWS_PROFILE: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_ACCESS_KEY_ID: user.accessKeyId,
    AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
    AWS_CONFIG_FILE: path.join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: server.url,
    AWS_ENDPOINT_URL_KMS: undefined,
    AWS_ENDPOINT_URL_STS: undefined,
    AWS_MAX_ATTEMPTS: '3',
    SEALGUARD_AWS_TIMEOUT_MS: '3000',
    ...extra,
  });
}

/** A fresh folder holding `files`; returns its path. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(work, 'p-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

type KmsEntry = { arn: string; role?: string; context?: Record<string, string>; created_at: string; enc: string; aws_profile: string };
function sopsOf(text: string): { kms?: KmsEntry[]; key_groups?: { kms?: KmsEntry[] }[] } {
  return (parseYaml(text) as { sops: ReturnType<typeof sopsOf> }).sops;
}

describe('encrypting and decrypting with AWS KMS', () => {
  it('encrypts with the kms key of a .sops.yaml rule and decrypts back to the same file', async () => {
    const dir = project({ '.sops.yaml': `creation_rules:\n  - path_regex: \\.yaml$\n    kms: ${KEY}\n`, 'app.yaml': PLAIN_YAML });
    const enc = await runCliAsync(['encrypt', '-i', 'app.yaml'], { cwd: dir, env: env() });
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    const text = readFileSync(path.join(dir, 'app.yaml'), 'utf8');
    expect(text).not.toContain('s3cr3t-value');
    const kms = sopsOf(text).kms ?? [];
    expect(kms).toHaveLength(1);
    expect(kms[0]).toMatchObject({ arn: KEY, aws_profile: '' });
    expect(kms[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Buffer.from(kms[0].enc, 'base64').length).toBeGreaterThan(32);
    // Field order and layout as sops writes a kms entry.
    expect(text).toMatch(/\nsops:\n {4}kms:\n {8}- arn: .*\n {10}created_at: .*\n {10}enc: .*\n {10}aws_profile: ""\n {4}lastmodified:/);

    const dec = await runCliAsync(['decrypt', 'app.yaml'], { cwd: dir, env: env() });
    expect(dec.stderr).toBe('');
    expect(dec.code).toBe(0);
    expect(dec.stdout).toBe(PLAIN_YAML);
  });

  it('encrypts with --kms and --encryption-context, stores the context, and sends it on decrypt', async () => {
    const dir = project({ 'app.yaml': PLAIN_YAML });
    const enc = await runCliAsync(['encrypt', '--kms', `${KEY},${KEY_EU}`, '--encryption-context', 'app:web,env:prod', 'app.yaml'], {
      cwd: dir,
      env: env(),
    });
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    const kms = sopsOf(enc.stdout).kms ?? [];
    expect(kms.map((k) => [k.arn, k.context])).toEqual([
      [KEY, { app: 'web', env: 'prod' }],
      [KEY_EU, { app: 'web', env: 'prod' }],
    ]);
    const eu = server.calls.filter((c) => c.action === 'Encrypt' && c.keyId === KEY_EU).at(-1);
    expect(eu).toMatchObject({ region: 'eu-central-1', encryptionContext: { app: 'web', env: 'prod' } });
    writeFileSync(path.join(dir, 'app.enc.yaml'), enc.stdout);
    const before = server.calls.length;
    const dec = await runCliAsync(['decrypt', 'app.enc.yaml'], { cwd: dir, env: env() });
    expect(dec.code).toBe(0);
    expect(dec.stdout).toBe(PLAIN_YAML);
    expect(server.calls.slice(before)[0]).toMatchObject({ action: 'Decrypt', encryptionContext: { app: 'web', env: 'prod' } });
  });

  it('takes the key from SOPS_KMS_ARN when no key flag is given', async () => {
    const dir = project({ 'app.json': '{"token": "abc"}' });
    const enc = await runCliAsync(['encrypt', 'app.json'], { cwd: dir, env: env({ SOPS_KMS_ARN: KEY }) });
    expect(enc.code).toBe(0);
    expect((JSON.parse(enc.stdout) as { sops: { kms: KmsEntry[] } }).sops.kms[0].arn).toBe(KEY);
  });

  it('refuses to decrypt when the encryption context stored in the file was changed (exit 128)', async () => {
    const dir = project({ 'app.yaml': PLAIN_YAML });
    const enc = await runCliAsync(['encrypt', '--kms', KEY, '--encryption-context', 'app:web', 'app.yaml'], { cwd: dir, env: env() });
    expect(enc.code).toBe(0);
    expect(enc.stdout).toContain('app: web');
    writeFileSync(path.join(dir, 'tampered.yaml'), enc.stdout.replace('app: web', 'app: admin'));
    const dec = await runCliAsync(['decrypt', 'tampered.yaml'], { cwd: dir, env: env() });
    expect(dec.code).toBe(128);
    expect(dec.stdout).toBe('');
    expect(dec.stderr).toContain(`kms ${KEY}: KMS refused the ciphertext (InvalidCiphertextException)`);
  });

  it('lists each key and why it failed when access is denied, with exit status 128', async () => {
    const dir = project({ 'app.yaml': PLAIN_YAML });
    const enc = await runCliAsync(['encrypt', '--kms', LOCKED, 'app.yaml'], {
      cwd: dir,
      env: env({ AWS_ACCESS_KEY_ID: someoneElse.accessKeyId, AWS_SECRET_ACCESS_KEY: someoneElse.secretAccessKey }),
    });
    expect(enc.code).toBe(0);
    writeFileSync(path.join(dir, 'app.enc.yaml'), enc.stdout);
    const dec = await runCliAsync(['decrypt', 'app.enc.yaml'], { cwd: dir, env: env() });
    expect(dec.code).toBe(128);
    expect(dec.stderr).toContain('sealguard: could not decrypt the data key with any of the 1 key\n');
    expect(dec.stderr).toContain(`  kms ${LOCKED}: access denied: User: ${user.accessKeyId} is not authorized to perform: kms:Decrypt`);
  });

  it('fails to encrypt with exit 128 when KMS refuses a --kms key, writing nothing', async () => {
    const dir = project({ 'app.yaml': PLAIN_YAML });
    const enc = await runCliAsync(['encrypt', '-i', '--kms', LOCKED, 'app.yaml'], { cwd: dir, env: env() });
    expect(enc.code).toBe(128);
    expect(enc.stderr).toContain(`cannot encrypt the data key with AWS KMS key ${LOCKED}: access denied`);
    expect(readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toBe(PLAIN_YAML);
  });

  it('retries when KMS throttles, then decrypts', async () => {
    const dir = project({ 'app.yaml': PLAIN_YAML });
    const enc = await runCliAsync(['encrypt', '--kms', KEY, 'app.yaml'], { cwd: dir, env: env() });
    writeFileSync(path.join(dir, 'app.enc.yaml'), enc.stdout);
    server.throttleNext(2);
    const before = server.calls.length;
    const dec = await runCliAsync(['decrypt', 'app.enc.yaml'], { cwd: dir, env: env() });
    expect(dec.stderr).toBe('');
    expect(dec.code).toBe(0);
    expect(dec.stdout).toBe(PLAIN_YAML);
    expect(server.calls.slice(before).map((c) => c.error ?? 'ok')).toEqual(['ThrottlingException', 'ThrottlingException', 'ok']);
  });

  it('gives a clear error, quickly, when the KMS endpoint never answers', async () => {
    const silent = await startSilentServer();
    try {
      const dir = project({ 'app.yaml': PLAIN_YAML });
      const enc = await runCliAsync(['encrypt', '--kms', KEY, 'app.yaml'], { cwd: dir, env: env() });
      writeFileSync(path.join(dir, 'app.enc.yaml'), enc.stdout);
      const dec = await runCliAsync(['decrypt', 'app.enc.yaml'], {
        cwd: dir,
        env: env({ AWS_ENDPOINT_URL_KMS: silent.url, SEALGUARD_AWS_TIMEOUT_MS: '400', AWS_MAX_ATTEMPTS: '2' }),
        timeoutMs: 20_000,
      });
      expect(dec.code).toBe(128);
      expect(dec.stderr).toContain(`kms ${KEY}: no answer from KMS at ${silent.url} within 0.4 s`);
      expect(dec.ms).toBeLessThan(10_000);
    } finally {
      await silent.close();
    }
  });

  it('assumes the role named after the ARN (ARN+ROLE) through STS and stores it as role', async () => {
    const dir = project({ '.sops.yaml': `creation_rules:\n  - kms: ${ROLE_KEY}+${ROLE}\n`, 'app.yaml': PLAIN_YAML });
    const assumedBefore = server.assumed.length;
    const enc = await runCliAsync(['encrypt', 'app.yaml'], { cwd: dir, env: env() });
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    expect(sopsOf(enc.stdout).kms?.[0]).toMatchObject({ arn: ROLE_KEY, role: ROLE });
    const session = server.assumed.at(-1);
    expect(server.assumed.length).toBe(assumedBefore + 1);
    expect(session?.sessionName).toMatch(/^sops@[a-zA-Z0-9=,.@\-_[\]\\^]*$/);
    const encrypt = server.calls.filter((c) => c.action === 'Encrypt' && c.keyId === ROLE_KEY).at(-1);
    expect(encrypt).toMatchObject({ accessKeyId: session?.accessKeyId, withSessionToken: true });

    writeFileSync(path.join(dir, 'app.enc.yaml'), enc.stdout);
    const dec = await runCliAsync(['decrypt', 'app.enc.yaml'], { cwd: dir, env: env() });
    expect(dec.code).toBe(0);
    expect(dec.stdout).toBe(PLAIN_YAML);
  });

  it('uses the aws_profile of a key_groups entry, and --aws-profile for --kms keys', async () => {
    const dir = project({
      '.sops.yaml': `creation_rules:\n  - key_groups:\n      - kms:\n          - arn: ${PROFILE_KEY}\n            aws_profile: dev\n            context:\n              team: ops\n`,
      'app.yaml': PLAIN_YAML,
    });
    const enc = await runCliAsync(['encrypt', 'app.yaml'], { cwd: dir, env: env() });
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    // One key group is written flat, as sops writes it.
    expect(sopsOf(enc.stdout).kms?.[0]).toMatchObject({ arn: PROFILE_KEY, aws_profile: 'dev', context: { team: 'ops' } });
    expect(server.calls.filter((c) => c.keyId === PROFILE_KEY).at(-1)?.accessKeyId).toBe(dev.accessKeyId);
    writeFileSync(path.join(dir, 'app.enc.yaml'), enc.stdout);
    const dec = await runCliAsync(['decrypt', 'app.enc.yaml'], { cwd: dir, env: env() });
    expect(dec.code).toBe(0);
    expect(dec.stdout).toBe(PLAIN_YAML);

    const flag = await runCliAsync(['encrypt', '--kms', PROFILE_KEY, '--aws-profile', 'dev', 'app.yaml'], { cwd: dir, env: env() });
    expect(flag.code).toBe(0);
    expect(sopsOf(flag.stdout).kms?.[0]).toMatchObject({ arn: PROFILE_KEY, aws_profile: 'dev' });
  });

  it('refuses a malformed --encryption-context and an ARN that is not a KMS key, before calling KMS', async () => {
    const dir = project({ 'app.yaml': PLAIN_YAML });
    const before = server.calls.length;
    const ctx = await runCliAsync(['encrypt', '--kms', KEY, '--encryption-context', 'app=web', 'app.yaml'], { cwd: dir, env: env() });
    expect(ctx.code).toBe(2);
    expect(ctx.stderr).toContain('invalid KMS encryption context "app=web"');
    const bad = await runCliAsync(['encrypt', '--kms', 'arn:aws:s3:::bucket', 'app.yaml'], { cwd: dir, env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not an AWS KMS key ARN: "arn:aws:s3:::bucket"');
    expect(server.calls.length).toBe(before);
  });
});

describe('KMS in key groups (Shamir)', () => {
  it('splits the data key over a KMS group and an age group; both shares are needed to decrypt', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const dir = project({
      '.sops.yaml': `creation_rules:\n  - key_groups:\n      - kms:\n          - arn: ${KEY}\n            context: {team: ops}\n      - age: [${recipient}]\n`,
      'app.yaml': PLAIN_YAML,
    });
    const enc = await runCliAsync(['encrypt', '-i', 'app.yaml'], { cwd: dir, env: env() });
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    const sops = sopsOf(readFileSync(path.join(dir, 'app.yaml'), 'utf8'));
    expect(sops.key_groups?.[0].kms?.[0]).toMatchObject({ arn: KEY, context: { team: 'ops' }, aws_profile: '' });

    const both = await runCliAsync(['decrypt', 'app.yaml'], { cwd: dir, env: env({ SOPS_AGE_KEY: identity }) });
    expect(both.stderr).toBe('');
    expect(both.stdout).toBe(PLAIN_YAML);
    const kmsOnly = await runCliAsync(['decrypt', 'app.yaml'], { cwd: dir, env: env() });
    expect(kmsOnly.code).toBe(128);
    expect(kmsOnly.stderr).toContain('1 of 2 key groups opened and 2 are needed (key group 2 failed)');
  });
});

describe('interoperability with sops-decoder', () => {
  it('a JSON file sealguard encrypts with a KMS key is decrypted by sops-decoder against the same server', async () => {
    const plain = { db: { password: 'pa55-word', port: 5432, ratio: 1.5, enabled: true, hosts: ['a', 'b'] }, note_unencrypted: 'visible' };
    const dir = project({ 'app.json': JSON.stringify(plain, null, 2) });
    const enc = await runCliAsync(['encrypt', '--kms', KEY, '--encryption-context', 'app:web', '-i', 'app.json'], { cwd: dir, env: env() });
    expect(enc.code).toBe(0);

    // sops-decoder builds its own SDK clients from process.env: point them at the test server.
    const saved = { ...process.env };
    const vars = env();
    for (const name of Object.keys(vars).filter((k) => k.startsWith('AWS_'))) process.env[name] = vars[name];
    process.env.AWS_ENDPOINT_URL_KMS = server.url;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    delete process.env.AWS_PROFILE;
    try {
      const before = server.calls.length;
      const decoded = await decodeFile(path.join(dir, 'app.json'));
      expect(decoded).toEqual(plain);
      expect(server.calls.slice(before).map((c) => c.action)).toEqual(['Decrypt']);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });
});
