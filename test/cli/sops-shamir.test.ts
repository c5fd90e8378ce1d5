import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { runCli } from '../helpers/cli.js';
import { createTempGnupgHome, SOPS_TEST_KEYS, type TempGnupgHome } from '../helpers/gpg.js';
import { isolatedEnv } from '../helpers/sops-cli-env.js';

/** Key 1 of the sops functional-test keys: its secret key is in SOPS_TEST_KEYS. */
const PGP_KEY1 = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const PLAIN = 'db:\n  # who connects\n  user: app\n  password: hunter2-hunter2\nreplicas: 3\n';

let work: string;
let gnupg: TempGnupgHome;
let ids: string[];
let recipients: string[];

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'sealguard-shamir-cli-'));
  gnupg = await createTempGnupgHome([SOPS_TEST_KEYS]);
  ids = await Promise.all([0, 1, 2].map(() => generateX25519Identity()));
  recipients = await Promise.all(ids.map((i) => identityToRecipient(i)));
}, 60_000);
afterAll(async () => {
  await gnupg?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Only the keys a test hands over: no age key file, GnuPG home or recipients of the machine. */
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => isolatedEnv(work, extra);

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(work, 'p-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

type Sops = { shamir_threshold?: number; key_groups?: Record<string, { recipient?: string; fp?: string; enc: string }[]>[]; age?: unknown };
const sopsOf = (text: string): Sops => (parseYaml(text) as { sops: Sops }).sops;

const threeAgeGroups = (): string =>
  [
    'creation_rules:',
    '  - path_regex: secrets/.*\\.yaml$',
    '    shamir_threshold: 2',
    '    key_groups:',
    ...recipients.map((r) => `      - age: [${r}]`),
    '',
  ].join('\n');

describe('key groups with Shamir secret sharing', () => {
  it('3 age groups, threshold 2: writes key_groups and shamir_threshold as sops, any 2 groups decrypt', () => {
    const dir = project({ '.sops.yaml': threeAgeGroups() });
    const secretsDir = path.join(dir, 'secrets');
    mkdirSync(secretsDir);
    writeFileSync(path.join(secretsDir, 'app.yaml'), PLAIN);
    const ok = runCli(['encrypt', '-i', 'secrets/app.yaml'], { cwd: dir, env: env() });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const text = readFileSync(path.join(secretsDir, 'app.yaml'), 'utf8');
    expect(text).not.toContain('hunter2');
    const sops = sopsOf(text);
    expect(sops.shamir_threshold).toBe(2);
    expect(sops.age).toBeUndefined();
    expect(sops.key_groups?.map((g) => Object.keys(g))).toEqual([['age'], ['age'], ['age']]);
    expect(sops.key_groups?.map((g) => g.age?.[0].recipient)).toEqual(recipients);
    expect(text).toMatch(/\nsops:\n {4}shamir_threshold: 2\n {4}key_groups:\n {8}- age:\n {12}- recipient: age1/);

    for (const pair of [[0, 1], [0, 2], [1, 2]]) {
      const dec = runCli(['decrypt', 'secrets/app.yaml'], { cwd: dir, env: env({ SOPS_AGE_KEY: pair.map((i) => ids[i]).join('\n') }) });
      expect(dec.stderr).toBe('');
      expect(dec.code).toBe(0);
      expect(dec.stdout).toBe(PLAIN);
    }
  });

  it('with the identity of one group only, exits 128 and names the groups that failed and why', () => {
    const dir = project({ '.sops.yaml': threeAgeGroups() });
    mkdirSync(path.join(dir, 'secrets'));
    writeFileSync(path.join(dir, 'secrets', 'app.yaml'), PLAIN);
    expect(runCli(['encrypt', '-i', 'secrets/app.yaml'], { cwd: dir, env: env() }).code).toBe(0);
    const dec = runCli(['decrypt', 'secrets/app.yaml'], { cwd: dir, env: env({ SOPS_AGE_KEY: ids[1] }) });
    expect(dec.code).toBe(128);
    expect(dec.stdout).toBe('');
    expect(dec.stderr).toBe(
      [
        'sealguard: could not decrypt the data key: 1 of 3 key groups opened and 2 are needed (key groups 1, 3 failed)',
        `  key group 1: age ${recipients[0]}: no identity matched (tried 1 age identity)`,
        `  key group 3: age ${recipients[2]}: no identity matched (tried 1 age identity)`,
        '',
      ].join('\n'),
    );
    expect(dec.stderr).not.toContain('AGE-SECRET-KEY');
  });

  it('--shamir-secret-sharing-threshold overrides the rule, and a threshold above the group count is refused', () => {
    const dir = project({ '.sops.yaml': threeAgeGroups() });
    mkdirSync(path.join(dir, 'secrets'));
    writeFileSync(path.join(dir, 'secrets', 'app.yaml'), PLAIN);
    const all = runCli(['encrypt', '--shamir-secret-sharing-threshold', '3', 'secrets/app.yaml'], { cwd: dir, env: env() });
    expect(all.code).toBe(0);
    expect(sopsOf(all.stdout).shamir_threshold).toBe(3);
    writeFileSync(path.join(dir, 'secrets', 'all.yaml'), all.stdout);
    const two = runCli(['decrypt', 'secrets/all.yaml'], { cwd: dir, env: env({ SOPS_AGE_KEY: `${ids[0]}\n${ids[1]}` }) });
    expect(two.code).toBe(128);
    expect(two.stderr).toContain('2 of 3 key groups opened and 3 are needed (key group 3 failed)');

    const tooMany = runCli(['encrypt', '--shamir-secret-sharing-threshold', '4', 'secrets/app.yaml'], { cwd: dir, env: env() });
    expect(tooMany.code).toBe(5);
    expect(tooMany.stderr).toBe('sealguard: shamir_threshold is 4 but there are only 3 key groups: the file could never be decrypted\n');
  });

  it('round-trips a file split over a PGP group and an age group (both needed by default)', () => {
    const dir = project({
      '.sops.yaml': `creation_rules:\n  - key_groups:\n      - pgp: [${PGP_KEY1}]\n      - age: [${recipients[0]}]\n`,
      'app.yaml': PLAIN,
    });
    const enc = runCli(['encrypt', '-i', 'app.yaml'], { cwd: dir, env: env({ GNUPGHOME: gnupg.dir }) });
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    const sops = sopsOf(readFileSync(path.join(dir, 'app.yaml'), 'utf8'));
    expect(sops.shamir_threshold).toBe(2);
    expect(sops.key_groups?.map((g) => Object.keys(g))).toEqual([['pgp'], ['age']]);
    expect(sops.key_groups?.[0].pgp?.[0].fp).toBe(PGP_KEY1);

    const both = runCli(['decrypt', 'app.yaml'], { cwd: dir, env: env({ GNUPGHOME: gnupg.dir, SOPS_AGE_KEY: ids[0] }) });
    expect(both.stderr).toBe('');
    expect(both.code).toBe(0);
    expect(both.stdout).toBe(PLAIN);
    const viaKeyFile = runCli(['decrypt', 'app.yaml'], { cwd: dir, env: env({ SEALGUARD_PGP_KEY_FILE: SOPS_TEST_KEYS, SOPS_AGE_KEY: ids[0] }) });
    expect(viaKeyFile.stdout).toBe(PLAIN);

    const ageOnly = runCli(['decrypt', 'app.yaml'], { cwd: dir, env: env({ SOPS_AGE_KEY: ids[0] }) });
    expect(ageOnly.code).toBe(128);
    expect(ageOnly.stderr).toContain('1 of 2 key groups opened and 2 are needed (key group 1 failed)');
    expect(ageOnly.stderr).toContain(`  key group 1: pgp ${PGP_KEY1}: `);
  });

  it('writes one key group flat, without key_groups, as sops does', () => {
    const dir = project({ '.sops.yaml': `creation_rules:\n  - key_groups:\n      - age: [${recipients[0]}, ${recipients[1]}]\n`, 'app.yaml': PLAIN });
    const enc = runCli(['encrypt', 'app.yaml'], { cwd: dir, env: env() });
    expect(enc.code).toBe(0);
    const sops = sopsOf(enc.stdout);
    expect(sops.key_groups).toBeUndefined();
    expect(sops.shamir_threshold).toBeUndefined();
    expect((sops.age as unknown[]).length).toBe(2);
  });
});
