import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { runCli, sharedDir } from '../helpers/cli.js';
import { createTempGnupgHome, SOPS_TEST_KEYS, type TempGnupgHome } from '../helpers/gpg.js';
import { isolatedEnv } from '../helpers/sops-cli-env.js';

const vectors = path.join(sharedDir, 'sops-vectors');
let gnupg: TempGnupgHome;
let work: string;
let identity: string;
let recipient: string;

beforeAll(async () => {
  gnupg = await createTempGnupgHome([SOPS_TEST_KEYS]);
  work = mkdtempSync(path.join(tmpdir(), 'sealguard-sops-cli-'));
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});
afterAll(async () => {
  await gnupg.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** Environment with no key of the developer's own machine leaking into the test. */
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => isolatedEnv(work, extra);

const expectedPlain: Record<string, string> = {
  'res-format.enc.yaml': 'foo: bar',
  'res-format.enc.json': '"foo"',
};

describe('decrypting files written by sops', () => {
  for (const file of ['example.yaml', 'example.json', 'res-format.enc.yaml', 'res-format.enc.json', 'res-comments.enc.yaml']) {
    it(`decrypts ${file} through gpg and through SEALGUARD_PGP_KEY_FILE to the same plaintext`, () => {
      const viaGpg = runCli(['decrypt', path.join(vectors, file)], { cwd: work, env: env({ GNUPGHOME: gnupg.dir }) });
      expect(viaGpg.stderr).toBe('');
      expect(viaGpg.code).toBe(0);
      const viaFile = runCli(['decrypt', path.join(vectors, file)], { cwd: work, env: env({ SEALGUARD_PGP_KEY_FILE: SOPS_TEST_KEYS }) });
      expect(viaFile.code).toBe(0);
      expect(viaFile.stdout).toBe(viaGpg.stdout);
      expect(viaGpg.stdout).not.toContain('ENC[');
      const parsed = parseYaml(viaGpg.stdout) as Record<string, unknown>;
      expect(Object.keys(parsed)).not.toContain('sops');
      if (expectedPlain[file]) expect(viaGpg.stdout).toContain(expectedPlain[file]);
    });
  }

  it('gives back the plaintext of res-comments.yaml, comments included', () => {
    const out = runCli(['decrypt', path.join(vectors, 'res-comments.enc.yaml')], { cwd: work, env: env({ GNUPGHOME: gnupg.dir }) });
    expect(out.code).toBe(0);
    expect(parseYaml(out.stdout)).toEqual(parseYaml(readFileSync(path.join(vectors, 'res-comments.yaml'), 'utf8')));
    for (const line of readFileSync(path.join(vectors, 'res-comments.yaml'), 'utf8').split('\n')) {
      if (line.trim().startsWith('#')) expect(out.stdout).toContain(line.trim());
    }
  });

  it('extracts one value with --extract', () => {
    const out = runCli(['decrypt', '--extract', '["foo"]', path.join(vectors, 'res-format.enc.yaml')], {
      cwd: work,
      env: env({ GNUPGHOME: gnupg.dir }),
    });
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toBe('bar');
  });

  it('exits 128 and lists every key tried when no key can open the data key', () => {
    const out = runCli(['decrypt', path.join(vectors, 'example.yaml')], { cwd: work, env: env() });
    expect(out.code).toBe(128);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4');
    expect(out.stderr).toContain('D7229043384BCC60326C6FB9D8720D957C3D3074');
  });
});

describe('encrypting with age', () => {
  const secretValue = 'correct-horse-battery-staple';
  const plain = `# database settings\ndb:\n  user: app # the login\n  password: "${secretValue}"\n  port: 5432\n  replicas: [a, b]\nenabled: true\nratio: 1.5\n`;

  it('encrypts with --age, decrypts with SOPS_AGE_KEY back to the exact input bytes', () => {
    const f = path.join(work, 'secrets.yaml');
    writeFileSync(f, plain);
    const enc = runCli(['encrypt', '--age', recipient, f], { cwd: work, env: env() });
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    expect(enc.stdout).not.toContain(secretValue);
    expect(enc.stdout).toContain('ENC[AES256_GCM,data:');
    expect(enc.stdout).toContain('-----BEGIN AGE ENCRYPTED FILE-----');
    const encFile = path.join(work, 'secrets.enc.yaml');
    writeFileSync(encFile, enc.stdout);
    const dec = runCli(['decrypt', encFile], { cwd: work, env: env({ SOPS_AGE_KEY: identity }) });
    expect(dec.code).toBe(0);
    expect(dec.stdout).toBe(plain);
  });

  it('encrypts in place with -i using the .sops.yaml creation rule, and refuses to encrypt twice (exit 203)', () => {
    const dir = mkdtempSync(path.join(work, 'proj-'));
    writeFileSync(path.join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: ${recipient}\n`);
    const f = path.join(dir, 'secrets', 'prod.yaml');
    mkdirSync(path.dirname(f));
    writeFileSync(f, plain);
    const enc = runCli(['encrypt', '-i', 'secrets/prod.yaml'], { cwd: dir, env: env() });
    expect(enc.code).toBe(0);
    expect(enc.stdout).toBe('');
    const written = readFileSync(f, 'utf8');
    expect(written).not.toContain(secretValue);
    expect(readdirSync(path.dirname(f))).toEqual(['prod.yaml']);
    const again = runCli(['encrypt', '-i', 'secrets/prod.yaml'], { cwd: dir, env: env() });
    expect(again.code).toBe(203);
    expect(readFileSync(f, 'utf8')).toBe(written);
    const status = runCli(['filestatus', 'secrets/prod.yaml'], { cwd: dir, env: env() });
    expect(JSON.parse(status.stdout)).toEqual({ encrypted: true });
  });

  it('refuses a tampered value with exit 51 or a decryption error, printing no plaintext', () => {
    const f = path.join(work, 'tamper.yaml');
    writeFileSync(f, 'a: first-value\nb: second-value\n');
    const enc = runCli(['encrypt', '--age', recipient, f], { cwd: work, env: env() }).stdout;
    // Swap the two ciphertexts: each still authenticates under its own key path only.
    const doc = enc.split('\n');
    const ia = doc.findIndex((l) => l.startsWith('a: '));
    const ib = doc.findIndex((l) => l.startsWith('b: '));
    const swapped = [...doc];
    swapped[ia] = 'a: ' + doc[ib].slice(3);
    swapped[ib] = 'b: ' + doc[ia].slice(3);
    const t = path.join(work, 'tampered.yaml');
    writeFileSync(t, swapped.join('\n'));
    const dec = runCli(['decrypt', t], { cwd: work, env: env({ SOPS_AGE_KEY: identity }) });
    expect(dec.code).not.toBe(0);
    expect(dec.stdout).toBe('');
    expect(dec.stderr).not.toContain('first-value');
    expect(dec.stderr).not.toContain('second-value');

    // A MAC from another encryption of the same keys: refused with exit 51.
    const other = runCli(['encrypt', '--age', recipient, f], { cwd: work, env: env() }).stdout;
    const macLine = (s: string) => s.split('\n').find((l) => l.trim().startsWith('mac:'))!;
    const wrongMac = enc.replace(macLine(enc), macLine(other));
    writeFileSync(t, wrongMac);
    const bad = runCli(['decrypt', t], { cwd: work, env: env({ SOPS_AGE_KEY: identity }) });
    expect(bad.code).toBe(51);
    expect(bad.stdout).toBe('');
  });

  it('exits 100 for a file that does not exist and 2 for malformed YAML, writing nothing', () => {
    expect(runCli(['encrypt', '--age', recipient, 'missing.yaml'], { cwd: work, env: env() }).code).toBe(100);
    const f = path.join(work, 'broken.yaml');
    writeFileSync(f, 'a: [unclosed\n');
    const before = statSync(f).mtimeMs;
    const out = runCli(['encrypt', '-i', '--age', recipient, f], { cwd: work, env: env() });
    expect(out.code).toBe(2);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(f, 'utf8')).toBe('a: [unclosed\n');
    expect(statSync(f).mtimeMs).toBe(before);
  });
});

describe('sealguard keygen', () => {
  it('writes a 0600 identity to the sops default path, prints the recipient, and never overwrites', () => {
    const home = mkdtempSync(path.join(work, 'home-'));
    const e = env({ HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') });
    const out = runCli(['keygen'], { cwd: home, env: e });
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toMatch(/^age1[0-9a-z]{58}$/);
    const keyFile = path.join(home, '.config', 'sops', 'age', 'keys.txt');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const content = readFileSync(keyFile, 'utf8');
    expect(content).toContain(`# public key: ${out.stdout.trim()}`);
    const again = runCli(['keygen'], { cwd: home, env: e });
    expect(again.code).not.toBe(0);
    expect(readFileSync(keyFile, 'utf8')).toBe(content);
  });
});
