/**
 * When no key opens the data key, the error lists every key tried and why it failed — a wrong age
 * identity, a GnuPG home without the key, a gpg whose agent is not running, a KMS that denies or
 * never answers — and the command ends within a bounded time. A throttling KMS is retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCliAsync } from '../helpers/cli-async.js';
import { createTempGnupgHome, SOPS_TEST_KEYS, type TempGnupgHome } from '../helpers/gpg.js';
import { fakeAwsCredentials, startKmsServer, startSilentServer, type KmsTestServer } from '../helpers/kms-server.js';
import { newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';
import { script } from './fixture.js';

const ACCOUNT = '1234' + '56789012';
const KMS_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/hardening`;
const FP = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const owner = fakeAwsCredentials('hardening-owner');
const intruder = fakeAwsCredentials('hardening-intruder');
const PLAIN = 'db:\n  password: keyfail-secret-5\n';

let server: KmsTestServer;
let gnupg: TempGnupgHome;
let work: string;
let age: AgeKey;
let wrongAge: AgeKey;
let encrypted: string;

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: work,
    XDG_CONFIG_HOME: path.join(work, 'xdg'),
    GNUPGHOME: path.join(work, 'empty-gnupg'),
    SOPS_AGE_KEY: wrongAge.identity,
    SOPS_AGE_KEY_FILE: undefined,
    SOPS_AGE_KEY_CMD: undefined,
    SOPS_AGE_RECIPIENTS: undefined,
    SOPS_PGP_FP: undefined,
    SOPS_KMS_ARN: undefined,
    SOPS_GPG_EXEC: undefined,
    SEALGUARD_PGP_KEY_FILE: undefined,
    GPG_AGENT_INFO: undefined,
    AWS_PROFILE: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_ACCESS_KEY_ID: owner.accessKeyId,
    AWS_SECRET_ACCESS_KEY: owner.secretAccessKey,
    AWS_CONFIG_FILE: path.join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: server.url,
    AWS_ENDPOINT_URL_KMS: undefined,
    AWS_MAX_ATTEMPTS: '3',
    SEALGUARD_AWS_TIMEOUT_MS: '2000',
    ...extra,
  };
}

beforeAll(async () => {
  server = await startKmsServer({ keys: [{ arn: KMS_KEY, allow: [owner.accessKeyId] }] });
  gnupg = await createTempGnupgHome([SOPS_TEST_KEYS]);
  work = mkdtempSync(path.join(tmpdir(), 'sealguard-keyfail-'));
  age = await newAgeKey();
  wrongAge = await newAgeKey();
  writeFileSync(path.join(work, 'app.yaml'), PLAIN);
  const enc = await runCliAsync(['encrypt', '--age', age.recipient, '--pgp', FP, '--kms', KMS_KEY, 'app.yaml'], {
    cwd: work,
    env: env({ GNUPGHOME: gnupg.dir }),
  });
  expect(enc.stderr).toBe('');
  encrypted = enc.stdout;
  writeFileSync(path.join(work, 'app.enc.yaml'), encrypted);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await gnupg?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

function expectKeyList(stderr: string, kms: RegExp, pgp: RegExp): void {
  expect(stderr).toContain('could not decrypt the data key with any of the 3 keys');
  const lines = stderr.split('\n');
  expect(lines.find((l) => l.includes(`age ${age.recipient}:`))).toMatch(/no identity matched/);
  expect(lines.find((l) => l.includes(`pgp ${FP}:`))).toMatch(pgp);
  expect(lines.find((l) => l.includes(`kms ${KMS_KEY}:`))).toMatch(kms);
  expect(stderr).not.toContain('keyfail-secret-5');
}

describe('every key fails: one list, each reason, no hang', () => {
  it('wrong age identity, GnuPG home without the key, KMS access denied: exit 128 with all three reasons', async () => {
    const r = await runCliAsync(['decrypt', 'app.enc.yaml'], {
      cwd: work,
      env: env({ AWS_ACCESS_KEY_ID: intruder.accessKeyId, AWS_SECRET_ACCESS_KEY: intruder.secretAccessKey }),
      timeoutMs: 30_000,
    });
    expect(r.stdout).toBe('');
    expect(r.code).toBe(128);
    expectKeyList(r.stderr, /access denied/i, /gpg: decryption failed: No secret key/);
    expect(r.ms).toBeLessThan(15_000);
  }, 40_000);

  it('gpg agent not running (gpg --no-autostart) and a KMS endpoint that never answers: exit 128, within the deadlines', async () => {
    const silent = await startSilentServer();
    try {
      // The key is in this home, but its agent is stopped and may not be started: gpg cannot use it.
      gnupg.gpg(['--list-secret-keys']);
      const { spawnSync } = await import('node:child_process');
      spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: gnupg.env });
      const noAgentGpg = script(path.join(work, 'bin'), 'gpg-no-agent', 'exec gpg --no-autostart "$@"');
      const r = await runCliAsync(['decrypt', 'app.enc.yaml'], {
        cwd: work,
        env: env({
          GNUPGHOME: gnupg.dir,
          SOPS_GPG_EXEC: noAgentGpg,
          AWS_ENDPOINT_URL: silent.url,
          SEALGUARD_AWS_TIMEOUT_MS: '400',
          AWS_MAX_ATTEMPTS: '2',
        }),
        timeoutMs: 40_000,
      });
      expect(r.stdout).toBe('');
      expect(r.code).toBe(128);
      expectKeyList(r.stderr, /no answer from KMS .* within 0\.4 s/, /gpg: decryption failed: No secret key/);
      expect(r.ms).toBeLessThan(15_000);
    } finally {
      await silent.close();
    }
  }, 50_000);

  it('a KMS that throttles twice is retried and then opens the file, after the age and pgp keys failed', async () => {
    server.throttleNext(2);
    const before = server.calls.length;
    const r = await runCliAsync(['decrypt', 'app.enc.yaml'], { cwd: work, env: env(), timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(PLAIN);
    expect(r.code).toBe(0);
    expect(server.calls.slice(before).map((c) => c.error ?? 'ok')).toEqual(['ThrottlingException', 'ThrottlingException', 'ok']);
  }, 40_000);

  it('a KMS that keeps throttling gives up after the configured attempts with the reason, not a hang', async () => {
    server.throttleNext(50);
    const r = await runCliAsync(['decrypt', 'app.enc.yaml'], { cwd: work, env: env(), timeoutMs: 30_000 });
    server.throttleNext(0);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(128);
    expectKeyList(r.stderr, /throttl|rate/i, /gpg: decryption failed: No secret key/);
    expect(r.ms).toBeLessThan(15_000);
  }, 40_000);
});
