/**
 * Files sealguard writes, opened by code that is not sealguard's: the `sops-age` npm package for age,
 * and for PGP the real gpg binary plus a small decryptor written here from the format facts alone
 * (ENC layout, AAD = key path + ':', MAC = SHA-512 of the plaintexts, AAD of the MAC = lastmodified).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecipheriv, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { decryptSops } from 'sops-age';
import { repoDir, runCli } from '../helpers/cli.js';
import { createTempGnupgHome, type TempGnupgHome } from '../helpers/gpg.js';

let work: string;
let gnupg: TempGnupgHome;
beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'sealguard-interop-'));
  gnupg = await createTempGnupgHome();
});
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await gnupg.cleanup();
});

const document = {
  service: { name: 'billing', token: 'tok-0123456789', port: 8443, debug: false, weights: [3, 'x', true] },
  owners: ['ops', 'sec'],
  note_unencrypted: 'visible',
};

describe('age: files sealguard encrypts open with the independent sops-age package', () => {
  it('decrypts a YAML file sealguard encrypted to one age recipient', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const f = path.join(work, 'age.yaml');
    writeFileSync(f, `service:\n  name: billing\n  token: tok-0123456789\n  port: 8443\n  debug: false\n  weights: [3, x, true]\nowners:\n  - ops\n  - sec\nnote_unencrypted: visible\n`);
    const enc = runCli(['encrypt', '--age', recipient, f], { cwd: work, env: { SOPS_AGE_RECIPIENTS: undefined } });
    expect(enc.code).toBe(0);
    const decrypted = await decryptSops(enc.stdout, { secretKey: identity, fileType: 'yaml' });
    expect(decrypted).toEqual(document);
  });

  it('decrypts a JSON file sealguard encrypted to one age recipient', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const f = path.join(work, 'age.json');
    writeFileSync(f, JSON.stringify(document, null, 2));
    const enc = runCli(['encrypt', '--age', recipient, f], { cwd: work });
    expect(enc.code).toBe(0);
    expect(await decryptSops(enc.stdout, { secretKey: identity, fileType: 'json' })).toEqual(document);
  });
});

/** Independent reading of one ENC value. */
function openEnc(enc: string, key: Buffer, aad: string): { type: string; plaintext: Buffer } {
  const m = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:([a-z]+)\]$/.exec(enc);
  if (!m) throw new Error('not an ENC value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(m[2], 'base64'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(m[3], 'base64'));
  return { type: m[4], plaintext: Buffer.concat([decipher.update(Buffer.from(m[1], 'base64')), decipher.final()]) };
}

type SopsJson = Record<string, unknown> & { sops: { pgp: { fp: string; enc: string }[]; lastmodified: string; mac: string } };

/**
 * Decrypts every value of a parsed sops file from the format facts alone and checks the MAC.
 * Values come back as the YAML/JSON scalar they were: int and float as numbers, bool as booleans.
 */
function specDecrypt(file: SopsJson, dataKey: Buffer): Record<string, unknown> {
  const hash = createHash('sha512');
  const plain: Record<string, unknown> = {};
  const walk = (node: unknown, keys: string[], out: Record<string, unknown> | unknown[], slot: string | number): void => {
    if (Array.isArray(node)) {
      const list: unknown[] = [];
      node.forEach((item, i) => walk(item, keys, list, i));
      (out as Record<string | number, unknown>)[slot] = list;
    } else if (node !== null && typeof node === 'object') {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) walk(v, [...keys, k], obj, k);
      (out as Record<string | number, unknown>)[slot] = obj;
    } else if (node === null || node === '') {
      (out as Record<string | number, unknown>)[slot] = node;
    } else if (keys.some((k) => k.endsWith('_unencrypted'))) {
      hash.update(String(node));
      (out as Record<string | number, unknown>)[slot] = node;
    } else {
      const { type, plaintext } = openEnc(String(node), dataKey, keys.join(':') + ':');
      hash.update(plaintext);
      const text = plaintext.toString();
      (out as Record<string | number, unknown>)[slot] = type === 'int' || type === 'float' ? Number(text) : type === 'bool' ? text === 'True' : text;
    }
  };
  for (const [k, v] of Object.entries(file)) if (k !== 'sops') walk(v, [k], plain, k);
  const mac = openEnc(file.sops.mac, dataKey, file.sops.lastmodified);
  expect(mac.plaintext.toString()).toBe(hash.digest('hex').toUpperCase());
  return plain;
}

describe('pgp: files sealguard encrypts open with gpg and a from-the-spec decryptor', () => {
  it('every value and the MAC check out', () => {
    const fp = gnupg.generateKey('Interop Test <interop@example.invalid>');
    const f = path.join(work, 'pgp.json');
    writeFileSync(f, JSON.stringify(document, null, 2));
    const enc = runCli(['encrypt', '--pgp', fp, f], { cwd: work, env: { GNUPGHOME: gnupg.dir } });
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    const file = JSON.parse(enc.stdout) as SopsJson;
    expect(file.sops.pgp[0].fp).toBe(fp.toUpperCase());
    const dataKey = gnupg.gpg(['--decrypt'], file.sops.pgp[0].enc);
    expect(dataKey).toHaveLength(32);

    const plain = specDecrypt(file, dataKey);
    expect(plain).toEqual(document);
  });

  it('a YAML file with anchors, aliases and merge keys reads as sops reads it: a copy at every alias, each value and the MAC checking out', () => {
    const fp = gnupg.generateKey('Alias Test <alias@example.invalid>');
    const source = readFileSync(path.join(repoDir, 'test/fixtures/yaml-corpus/gitlab-ci.yaml'), 'utf8');
    const f = path.join(work, 'aliases.yaml');
    writeFileSync(f, source);
    const enc = runCli(['encrypt', '--pgp', fp, f], { cwd: work, env: { GNUPGHOME: gnupg.dir } });
    expect(enc.code).toBe(0);
    expect(enc.stdout).not.toMatch(/: \*[a-z]/);
    // go-yaml (sops) resolves aliases and keeps `<<` as a key; so does the yaml package's default 1.2 schema.
    const file = parseYaml(enc.stdout) as SopsJson;
    const dataKey = gnupg.gpg(['--decrypt'], file.sops.pgp[0].enc);
    expect(specDecrypt(file, dataKey)).toEqual(parseYaml(source));
    writeFileSync(f, enc.stdout);
    const dec = runCli(['decrypt', f], { cwd: work, env: { GNUPGHOME: gnupg.dir } });
    expect(dec.code).toBe(0);
    expect(dec.stdout).toBe(source);
  });

  it('a YAML file encrypted to a PGP key keeps the sops metadata layout sops reads', () => {
    const fp = gnupg.generateKey('Layout Test <layout@example.invalid>');
    const f = path.join(work, 'pgp.yaml');
    writeFileSync(f, 'a: 1\n');
    const enc = runCli(['encrypt', '--pgp', fp, f], { cwd: work, env: { GNUPGHOME: gnupg.dir } });
    expect(enc.code).toBe(0);
    const meta = (parseYaml(enc.stdout) as { sops: Record<string, unknown> }).sops;
    expect(Object.keys(meta)).toEqual(expect.arrayContaining(['pgp', 'lastmodified', 'mac', 'version']));
    expect(meta.lastmodified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(String((meta.pgp as { enc: string }[])[0].enc)).toContain('-----BEGIN PGP MESSAGE-----');
  });
});
