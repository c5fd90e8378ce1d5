import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { parse } from 'yaml';
import { createUnwrapper, masterKeysFrom, unwrapDataKey } from '../../../src/sops/keys/unwrap.js';
import { masterKeyGroupsFromRule } from '../../../src/sops/keys/master-keys.js';
import { ageMasterKey } from '../../../src/sops/keys/age.js';
import { parseSopsConfig } from '../../../src/sops/config/parse.js';
import { SealguardError } from '../../../src/shared/errors.js';
import type { SopsMetadata, StoredKey } from '../../../src/sops/metadata.js';
import { SOPS_TEST_KEYS, createTempGnupgHome, type TempGnupgHome } from '../../helpers/gpg.js';
import { caught } from '../../helpers/errors.js';

const VECTORS = path.resolve(import.meta.dirname, '../../../../shared/sops-vectors');
const KEY1 = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const KEY2 = 'D7229043384BCC60326C6FB9D8720D957C3D3074';
const KEY3_PUBLIC_ONLY = 'B611A2F9F11D0FF82568805119F9B5DAEA91FF86';
const examplePgp = (parse(readFileSync(path.join(VECTORS, 'example.yaml'), 'utf8')) as {
  sops: { pgp: { fp: string; enc: string; created_at: string }[] };
}).sops.pgp;
const key1Stored: StoredKey = { kind: 'pgp', fp: KEY1, createdAt: '2019-12-10T22:45:53Z', enc: examplePgp[0].enc };

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

let home: TempGnupgHome;
let empty: TempGnupgHome;
let tmp: string;
beforeAll(async () => {
  home = await createTempGnupgHome([SOPS_TEST_KEYS]);
  empty = await createTempGnupgHome();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sg-unwrap-'));
}, 60_000);
afterAll(async () => {
  await home?.cleanup();
  await empty?.cleanup();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

/** Environment with no age keys anywhere (HOME and XDG inside the temp folder). */
function envWith(base: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, HOME: path.join(tmp, 'home'), XDG_CONFIG_HOME: path.join(tmp, 'xdg'), ...extra };
  for (const k of ['SOPS_AGE_KEY', 'SOPS_AGE_KEY_FILE', 'SOPS_AGE_KEY_CMD']) if (!(k in extra)) delete env[k];
  return env;
}


describe('recovering a file data key', () => {
  it('opens the example.yaml data key with Key 1 from the GnuPG keyring', async () => {
    const stored = examplePgp.map((k): StoredKey => ({ kind: 'pgp', fp: k.fp, createdAt: k.created_at, enc: k.enc }));
    const key = await unwrapDataKey(meta(stored), envWith(home.env));
    expect(key).toHaveLength(32);
  });

  it('uses the first key that works: a later age key when the PGP key cannot be opened', async () => {
    const identity = await generateX25519Identity();
    const dataKey = randomBytes(32);
    const age = await ageMasterKey(await identityToRecipient(identity)).wrap(dataKey);
    const key = await unwrapDataKey(meta([key1Stored, age]), envWith(empty.env, { SOPS_AGE_KEY: identity }));
    expect(Buffer.from(key)).toEqual(dataKey);
  });

  it('lists every key tried and why each failed, with exit status 128', async () => {
    const someoneElse = await generateX25519Identity();
    const age = await ageMasterKey(await identityToRecipient(await generateX25519Identity())).wrap(randomBytes(32));
    const gcp: StoredKey = { kind: 'foreign', list: 'gcp_kms', raw: { resource_id: 'projects/p/keyRings/r/cryptoKeys/k' } };
    const err = await caught(
      unwrapDataKey(meta([age, key1Stored, gcp]), envWith(empty.env, { SOPS_AGE_KEY: someoneElse })),
    );
    expect(err.code).toBe('NO_KEY_COULD_DECRYPT');
    expect(err.exitCode).toBe(128);
    expect(err.message).toBe('could not decrypt the data key with any of the 3 keys');
    expect(err.details).toEqual([
      `age ${(age as { recipient: string }).recipient}: no identity matched (tried 1 age identity)`,
      `pgp ${KEY1}: gpg: decryption failed: No secret key; SEALGUARD_PGP_KEY_FILE not set`,
      'gcp_kms projects/p/keyRings/r/cryptoKeys/k: gcp_kms keys are not supported in this build',
    ]);
    expect(JSON.stringify(err.details)).not.toContain('AGE-SECRET-KEY');
  });

  it('says no age identity was found, and where it looked, when there is none', async () => {
    const age = await ageMasterKey(await identityToRecipient(await generateX25519Identity())).wrap(randomBytes(32));
    const env = envWith(empty.env);
    const err = await caught(unwrapDataKey(meta([age]), env));
    expect(err.details[0]).toMatch(/: no age identity found \(looked in SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD, .*keys\.txt\)$/);
  });

  it('refuses a key that opens to something other than 32 bytes', async () => {
    const identity = await generateX25519Identity();
    const short = await ageMasterKey(await identityToRecipient(identity)).wrap(new Uint8Array(4));
    const err = await caught(unwrapDataKey(meta([short]), envWith(empty.env, { SOPS_AGE_KEY: identity })));
    expect(err.details[0]).toMatch(/opened, but holds 4 bytes instead of a 32-byte data key$/);
  });

  it('runs SOPS_AGE_KEY_CMD once however many age keys the file has, and not at all for PGP-only files', async () => {
    const identity = await generateX25519Identity();
    const counter = path.join(tmp, 'cmd-runs');
    const idFile = path.join(tmp, 'cmd-id');
    await fs.writeFile(idFile, `${identity}\n`);
    const env = envWith(empty.env, { SOPS_AGE_KEY_CMD: `echo run >> '${counter}'; cat '${idFile}'` });
    const other = await ageMasterKey(await identityToRecipient(await generateX25519Identity())).wrap(randomBytes(32));
    const dataKey = randomBytes(32);
    const mine = await ageMasterKey(await identityToRecipient(identity)).wrap(dataKey);
    expect(Buffer.from(await unwrapDataKey(meta([other, mine]), env))).toEqual(dataKey);
    expect((await fs.readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(1);
    await caught(unwrapDataKey(meta([key1Stored]), env, createUnwrapper(env)));
    expect((await fs.readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(1);
  });
});

describe('master keys from command-line flags and the environment', () => {
  let r1: string;
  let r2: string;
  beforeAll(async () => {
    r1 = await identityToRecipient(await generateX25519Identity());
    r2 = await identityToRecipient(await generateX25519Identity());
  });

  it('splits comma-separated flag values and drops duplicates, age first then PGP', () => {
    const keys = masterKeysFrom({ age: [`${r1}, ${r2}`, r1], pgp: [`${KEY1},${KEY2}`] }, {});
    expect(keys.map((k) => `${k.kind} ${k.id}`)).toEqual([`age ${r1}`, `age ${r2}`, `pgp ${KEY1}`, `pgp ${KEY2}`]);
  });

  it('falls back to SOPS_AGE_RECIPIENTS and SOPS_PGP_FP when a flag is absent', () => {
    const env = { SOPS_AGE_RECIPIENTS: `${r1},${r2}`, SOPS_PGP_FP: KEY1 };
    expect(masterKeysFrom({}, env).map((k) => k.id)).toEqual([r1, r2, KEY1]);
    expect(masterKeysFrom({ age: [r2] }, env).map((k) => k.id)).toEqual([r2, KEY1]);
  });

  it('refuses an invalid recipient before anything is encrypted', async () => {
    expect((await caught(() => masterKeysFrom({ age: ['age1nope'] }, {}))).code).toBe('AGE_RECIPIENT_INVALID');
  });

  it('refuses a --kms or SOPS_KMS_ARN value that is not a KMS key ARN before anything is encrypted', async () => {
    const err = await caught(() => masterKeysFrom({}, { SOPS_KMS_ARN: 'arn:aws:iam::000000000000:role/x' }));
    expect(err.code).toBe('KMS_ARN_INVALID');
  });

  it('builds one group per key_groups entry from a creation rule, and wraps with them', async () => {
    const config = parseSopsConfig(
      `creation_rules:\n  - path_regex: a\n    key_groups:\n      - age: [${r1}]\n        pgp: [${KEY1}]\n      - pgp: [${KEY3_PUBLIC_ONLY}]\n  - age: ${r1},${r2}\n`,
      path.join(tmp, '.sops.yaml'),
    );
    const groups = masterKeyGroupsFromRule(config.creationRules[0], home.env);
    expect(groups.map((g) => g.map((k) => k.id))).toEqual([[r1, KEY1], [KEY3_PUBLIC_ONLY]]);
    const flat = masterKeyGroupsFromRule(config.creationRules[1], home.env);
    expect(flat.map((g) => g.map((k) => k.id))).toEqual([[r1, r2]]);
    const stored = await Promise.all(groups[0].map((k) => k.wrap(randomBytes(32))));
    expect(stored.map((s) => s.kind)).toEqual(['age', 'pgp']);
  });

  it('names the rule when a recipient in .sops.yaml is invalid, or a key kind is unsupported', async () => {
    const config = parseSopsConfig(
      'creation_rules:\n  - age: age1typo\n  - gcp_kms: projects/p/locations/global/keyRings/r/cryptoKeys/k\n',
      path.join(tmp, '.sops.yaml'),
    );
    const bad = await caught(() => masterKeyGroupsFromRule(config.creationRules[0], {}));
    expect(bad.message).toBe('creation_rules[0]: invalid age recipient "age1typo" (bad checksum or length)');
    const gcp = await caught(() => masterKeyGroupsFromRule(config.creationRules[1], {}));
    expect(gcp.message).toBe('creation_rules[1] uses gcp_kms, not supported in this build');
  });
});
