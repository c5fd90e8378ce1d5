import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { decryptSops } from 'sops-age';
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
  work = mkdtempSync(path.join(tmpdir(), 'sealguard-sops-formats-'));
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});
afterAll(async () => {
  await gnupg.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** Environment with no key of the developer's own machine leaking into the test. */
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => isolatedEnv(work, extra);

function write(name: string, content: string): string {
  const f = path.join(work, name);
  writeFileSync(f, content);
  return f;
}

describe('decrypting dotenv, INI and binary files written by sops', () => {
  const expected: [string, string][] = [
    ['res-format.enc.env', 'foo = bar\n'],
    ['res-format.enc.ini', '[foo]\nbar = baz\n'],
    ['res-format-2.enc.ini', '[foo]\nbar = baz\n'],
  ];
  for (const [file, plain] of expected) {
    it(`decrypts ${file} to exactly ${JSON.stringify(plain)}`, () => {
      const out = runCli(['decrypt', path.join(vectors, file)], { cwd: work, env: env({ GNUPGHOME: gnupg.dir }) });
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      expect(out.stdout).toBe(plain);
    });
  }

  it('decrypts example.ini, comment and _unencrypted key included', () => {
    const out = runCli(['decrypt', path.join(vectors, 'example.ini')], { cwd: work, env: env({ GNUPGHOME: gnupg.dir }) });
    expect(out.code).toBe(0);
    expect(out.stdout).not.toContain('ENC[');
    expect(out.stdout).toMatch(/^; \S/);
    expect(out.stdout).toContain('[name]\nfirstName = John\n');
    expect(out.stdout).toContain('[not private]\nnotsecret_unencrypted = hi there!\n');
  });

  it('decrypts example.txt (binary) to its text with both trailing newlines', () => {
    const out = runCli(['decrypt', path.join(vectors, 'example.txt')], { cwd: work, env: env({ GNUPGHOME: gnupg.dir }) });
    expect(out.code).toBe(0);
    expect(out.stdout.startsWith('Welcome to SOPS!')).toBe(true);
    expect(out.stdout.endsWith('\n\n')).toBe(true);
  });

  it('extracts one INI value and one dotenv value with --extract', () => {
    const ini = runCli(['decrypt', '--extract', '["foo"]["bar"]', path.join(vectors, 'res-format.enc.ini')], { cwd: work, env: env({ GNUPGHOME: gnupg.dir }) });
    expect(ini.stdout).toBe('baz');
    const dotenv = runCli(['decrypt', '--extract', '["foo "]', path.join(vectors, 'res-format.enc.env')], { cwd: work, env: env({ GNUPGHOME: gnupg.dir }) });
    expect(dotenv.stdout).toBe(' bar');
  });

  it('decrypts an INI file to JSON with --output-type json', () => {
    const out = runCli(['decrypt', '--output-type', 'json', path.join(vectors, 'res-format.enc.ini')], { cwd: work, env: env({ GNUPGHOME: gnupg.dir }) });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ DEFAULT: {}, foo: { bar: 'baz' } });
  });
});

describe('encrypting dotenv, INI and binary files', () => {
  const dotenv = '# settings\nAPP_ENV=production\n\nDB_PASSWORD="p@ss word"\nMULTI=a\\nb\nNOTE_unencrypted=visible\n';
  const ini = '; service\n[db]\nhost     = db.internal\npassword = "with space "\n\n# api\n[api]\ntoken = abc ; inline\n';
  const binary = 'line one\r\n\ttab \u00e9\u{1F600}\n\n';

  for (const [name, content] of [
    ['app.env', dotenv],
    ['app.ini', ini],
    ['blob.bin', binary],
  ] as const) {
    it(`${name}: encrypt then decrypt gives back the exact bytes`, () => {
      const f = write(name, content);
      const enc = runCli(['encrypt', '--age', recipient, f], { cwd: work, env: env() });
      expect(enc.stderr).toBe('');
      expect(enc.code).toBe(0);
      expect(enc.stdout).not.toContain('p@ss');
      const encFile = write(`enc-${name}`, enc.stdout);
      const dec = runCli(['decrypt', encFile], { cwd: work, env: env({ SOPS_AGE_KEY: identity }) });
      expect(dec.code).toBe(0);
      expect(dec.stdout).toBe(content);
      expect(readFileSync(f, 'utf8')).toBe(content);
    });
  }

  it('writes dotenv metadata as sops_ lines and INI metadata as a [sops] section', () => {
    const envOut = runCli(['encrypt', '--age', recipient, write('m.env', 'A=1\n')], { cwd: work, env: env() }).stdout;
    expect(envOut).toMatch(/^A=ENC\[AES256_GCM,[^\n]+\nsops_age__list_0__map_enc=-----BEGIN AGE ENCRYPTED FILE-----\\n/);
    expect(envOut).toContain(`\nsops_age__list_0__map_recipient=${recipient}\n`);
    const iniOut = runCli(['encrypt', '--age', recipient, write('m.ini', '[a]\nb = c\n')], { cwd: work, env: env() }).stdout;
    expect(iniOut).toMatch(/^\[a\]\nb = ENC\[AES256_GCM,[^\n]+\n\n\[sops\]\nage__list_0__map_enc {7}= -----BEGIN AGE ENCRYPTED FILE-----\\n/);
    const binOut = runCli(['encrypt', '--age', recipient, write('m.dat', 'x')], { cwd: work, env: env() }).stdout;
    expect(Object.keys(JSON.parse(binOut) as object)).toEqual(['data', 'sops']);
  });

  it('refuses to encrypt an already encrypted dotenv or INI file (exit 203)', () => {
    for (const vector of ['res-format.enc.env', 'res-format.enc.ini']) {
      const out = runCli(['encrypt', '--age', recipient, path.join(vectors, vector)], { cwd: work, env: env() });
      expect(out.code).toBe(203);
    }
  });

  it('converts YAML to dotenv and INI with --output-type, and refuses nested YAML as dotenv with a one-line error', () => {
    const flat = write('flat.yaml', 'A: one\nB: two\n');
    const toEnv = runCli(['encrypt', '--age', recipient, '--output-type', 'dotenv', flat], { cwd: work, env: env() });
    expect(toEnv.code).toBe(0);
    const back = runCli(['decrypt', '--input-type', 'dotenv', write('flat.enc.env', toEnv.stdout)], { cwd: work, env: env({ SOPS_AGE_KEY: identity }) });
    expect(back.stdout).toBe('A=one\nB=two\n');

    const sections = write('sections.yaml', 'db:\n  user: admin\n  pass: secret-value\n');
    const toIni = runCli(['encrypt', '--age', recipient, '--output-type', 'ini', sections], { cwd: work, env: env() });
    expect(toIni.code).toBe(0);
    const iniBack = runCli(['decrypt', write('sections.enc.ini', toIni.stdout)], { cwd: work, env: env({ SOPS_AGE_KEY: identity }) });
    expect(iniBack.stdout).toBe('[db]\nuser = admin\npass = secret-value\n');

    const nested = write('nested.yaml', 'db:\n  password: hunter2-value\n');
    const bad = runCli(['encrypt', '--age', recipient, '--output-type', 'dotenv', nested], { cwd: work, env: env() });
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('"db"');
    expect(bad.stderr).not.toContain('hunter2');
  });
});

describe('interop: files sealguard encrypts open with the independent sops-age package', () => {
  it('decrypts a dotenv file sealguard encrypted to one age recipient', async () => {
    const enc = runCli(['encrypt', '--age', recipient, write('interop.env', 'DB_USER=admin\nDB_PASS=s3cret-value\n# a comment\n')], { cwd: work, env: env() });
    expect(enc.code).toBe(0);
    expect(await decryptSops(enc.stdout, { secretKey: identity, fileType: 'env' })).toEqual({ DB_USER: 'admin', DB_PASS: 's3cret-value' });
  });

  it('decrypts a binary file sealguard encrypted (its JSON envelope) to the same text', async () => {
    const content = 'raw text\nwith lines\n';
    const enc = runCli(['encrypt', '--age', recipient, write('interop.bin', content)], { cwd: work, env: env() });
    expect(enc.code).toBe(0);
    expect(await decryptSops(enc.stdout, { secretKey: identity, fileType: 'json' })).toEqual({ data: content });
  });
});
