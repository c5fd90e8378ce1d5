import { createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as openpgp from 'openpgp';
import { parse } from 'yaml';
import { normalizeFingerprint, pgpMasterKey, unwrapPgp } from '../../../src/sops/keys/pgp.js';
import { SealguardError } from '../../../src/shared/errors.js';
import type { PgpStoredKey } from '../../../src/sops/metadata.js';
import { SOPS_TEST_KEYS, createTempGnupgHome, type TempGnupgHome } from '../../helpers/gpg.js';
import { caught } from '../../helpers/errors.js';

const VECTORS = path.resolve(import.meta.dirname, '../../../../shared/sops-vectors');
const KEY1 = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const KEY3_PUBLIC_ONLY = 'B611A2F9F11D0FF82568805119F9B5DAEA91FF86';

interface ExampleSops {
  lastmodified: string;
  mac: string;
  pgp: { fp: string; enc: string }[];
}
const example = parse(readFileSync(path.join(VECTORS, 'example.yaml'), 'utf8')) as { sops: ExampleSops };
const key1Enc = example.sops.pgp.find((k) => k.fp === KEY1)!.enc;

/** Opens the vector's MAC with a data key: proves the 32 bytes are the file's real data key. */
function openMac(dataKey: Uint8Array): string {
  const m = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]*),tag:([^,]*),type:str\]$/.exec(example.sops.mac)!;
  const d = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(m[2], 'base64'));
  d.setAAD(Buffer.from(example.sops.lastmodified));
  d.setAuthTag(Buffer.from(m[3], 'base64'));
  return Buffer.concat([d.update(Buffer.from(m[1], 'base64')), d.final()]).toString();
}

let home: TempGnupgHome;
let tmp: string;
/** No gpg at all: only the key-file path can work. */
let noGpg: NodeJS.ProcessEnv;

beforeAll(async () => {
  home = await createTempGnupgHome([SOPS_TEST_KEYS]);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sg-pgp-'));
  noGpg = { ...home.env, SOPS_GPG_EXEC: path.join(tmp, 'no-such-gpg') };
}, 60_000);
afterAll(async () => {
  await home?.cleanup();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});


describe('opening the data key of a file sops wrote (example.yaml, Key 1)', () => {
  it('gpg decrypts it to the 32-byte data key that opens the file MAC', async () => {
    const dataKey = await unwrapPgp({ enc: key1Enc }, home.env);
    expect(dataKey).toHaveLength(32);
    expect(openMac(dataKey)).toMatch(/^[0-9A-F]{128}$/);
  });

  it('without gpg, the armored secret key in SEALGUARD_PGP_KEY_FILE gives the same data key', async () => {
    const viaGpg = await unwrapPgp({ enc: key1Enc }, home.env);
    const viaFile = await unwrapPgp({ enc: key1Enc }, { ...noGpg, SEALGUARD_PGP_KEY_FILE: SOPS_TEST_KEYS });
    expect(Buffer.from(viaFile)).toEqual(Buffer.from(viaGpg));
  });

  it('when gpg has no secret key, falls back to SEALGUARD_PGP_KEY_FILE', async () => {
    const empty = await createTempGnupgHome();
    try {
      const key = await unwrapPgp({ enc: key1Enc }, { ...empty.env, SEALGUARD_PGP_KEY_FILE: SOPS_TEST_KEYS });
      expect(openMac(key)).toMatch(/^[0-9A-F]{128}$/);
    } finally {
      await empty.cleanup();
    }
  });

  it('says why each path failed when neither gpg nor a key file can open it', async () => {
    const empty = await createTempGnupgHome();
    try {
      const err = await caught(unwrapPgp({ enc: key1Enc }, empty.env));
      expect(err.code).toBe('PGP_DECRYPT_FAILED');
      expect(err.message).toMatch(/^gpg: decryption failed: No secret key; SEALGUARD_PGP_KEY_FILE not set$/);
    } finally {
      await empty.cleanup();
    }
  });

  it('says gpg is not installed when SOPS_GPG_EXEC names a missing program', async () => {
    const err = await caught(unwrapPgp({ enc: key1Enc }, noGpg));
    expect(err.message).toBe(`${noGpg.SOPS_GPG_EXEC}: not installed; SEALGUARD_PGP_KEY_FILE not set`);
  });

  it('stops a gpg that never answers at the deadline and says so', async () => {
    const hang = path.join(tmp, 'hanging-gpg');
    await fs.writeFile(hang, '#!/bin/sh\nsleep 30\n', { mode: 0o755 });
    const started = Date.now();
    const err = await caught(unwrapPgp({ enc: key1Enc }, { ...home.env, SOPS_GPG_EXEC: hang }, { timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err.message).toMatch(/hanging-gpg gave no answer within 300 ms \(stopped\); SEALGUARD_PGP_KEY_FILE not set/);
  });
});

describe('wrapping a data key for a PGP key', () => {
  it('takes the public key from the GnuPG keyring; real gpg --decrypt gives back the same 32 bytes', async () => {
    const dataKey = randomBytes(32);
    const stored = (await pgpMasterKey(KEY1.toLowerCase(), { env: home.env }).wrap(dataKey)) as PgpStoredKey;
    expect(stored.kind).toBe('pgp');
    expect(stored.fp).toBe(KEY1);
    expect(stored.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(stored.enc.startsWith('-----BEGIN PGP MESSAGE-----')).toBe(true);
    expect(home.gpg(['--quiet', '--decrypt'], stored.enc)).toEqual(dataKey);
    expect(Buffer.from(await unwrapPgp(stored, home.env))).toEqual(dataKey);
  });

  it('takes the public key from an armored key file when one is given, without any keyring', async () => {
    const dataKey = randomBytes(32);
    const key = pgpMasterKey(KEY1, { env: noGpg, publicKeyFile: SOPS_TEST_KEYS });
    const stored = (await key.wrap(dataKey)) as PgpStoredKey;
    expect(home.gpg(['--quiet', '--decrypt'], stored.enc)).toEqual(dataKey);
  });

  it('reads SEALGUARD_PGP_PUBKEY_FILE when no file option is given', async () => {
    const stored = await pgpMasterKey(KEY1, { env: { ...noGpg, SEALGUARD_PGP_PUBKEY_FILE: SOPS_TEST_KEYS } }).wrap(
      randomBytes(32),
    );
    expect(stored.kind).toBe('pgp');
  });

  it('wraps for a public-only key; opening it later fails with gpg\'s "No secret key"', async () => {
    const stored = await pgpMasterKey(KEY3_PUBLIC_ONLY, { env: home.env }).wrap(randomBytes(32));
    const err = await caught(unwrapPgp(stored as PgpStoredKey, home.env));
    expect(err.message).toContain('No secret key');
  });

  it('says where it looked when the public key is nowhere', async () => {
    const unknown = 'AB'.repeat(20);
    const err = await caught(pgpMasterKey(unknown, { env: home.env, publicKeyFile: SOPS_TEST_KEYS }).wrap(randomBytes(32)));
    expect(err.code).toBe('PGP_KEY_NOT_FOUND');
    expect(err.message).toBe(`public key for PGP ${unknown} not found`);
    expect(err.details).toEqual([
      `${SOPS_TEST_KEYS} has no key with that fingerprint`,
      'gpg keyring: not in the GnuPG keyring',
      'import it (gpg --import KEY.asc) or point SEALGUARD_PGP_PUBKEY_FILE at an armored public key',
    ]);
  });

  it('refuses a reference that is not a fingerprint or key ID', async () => {
    expect(normalizeFingerprint('0x fbc7 b9e2 a4f9 289a c0c1  d484 3d16 cee4 a273 81b4')).toBe(KEY1);
    expect((await caught(() => pgpMasterKey('alice@example.com'))).code).toBe('PGP_FINGERPRINT_INVALID');
    expect((await caught(() => pgpMasterKey(KEY1.slice(1)))).code).toBe('PGP_FINGERPRINT_INVALID');
  });
});

describe('a fresh key generated by gpg, end to end', () => {
  it('wraps with the keyring key, opens with gpg, and opens with the exported secret key file', async () => {
    const fp = home.generateKey('Sealguard Test <sealguard-test@example.invalid>');
    const dataKey = randomBytes(32);
    const stored = (await pgpMasterKey(fp, { env: home.env }).wrap(dataKey)) as PgpStoredKey;
    expect(Buffer.from(await unwrapPgp(stored, home.env))).toEqual(dataKey);
    const secretFile = path.join(tmp, 'fresh-secret.asc');
    await fs.writeFile(secretFile, home.gpg(['--armor', '--export-secret-keys', fp]), { mode: 0o600 });
    const viaFile = await unwrapPgp(stored, { ...noGpg, SEALGUARD_PGP_KEY_FILE: secretFile });
    expect(Buffer.from(viaFile)).toEqual(dataKey);
  }, 60_000);
});

describe('passphrase-protected keys in SEALGUARD_PGP_KEY_FILE', () => {
  it('needs SEALGUARD_PGP_PASSPHRASE, says so, and never prints the passphrase', async () => {
    const passphrase = randomBytes(9).toString('base64');
    const { privateKey, publicKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: 'Locked Test' }],
      passphrase,
      format: 'armored',
    });
    const fp = (await openpgp.readKey({ armoredKey: publicKey })).getFingerprint().toUpperCase();
    const pubFile = path.join(tmp, 'locked.pub.asc');
    const secFile = path.join(tmp, 'locked.sec.asc');
    await fs.writeFile(pubFile, publicKey);
    await fs.writeFile(secFile, privateKey);
    const dataKey = randomBytes(32);
    const stored = (await pgpMasterKey(fp, { env: noGpg, publicKeyFile: pubFile }).wrap(dataKey)) as PgpStoredKey;

    const env = { ...noGpg, SEALGUARD_PGP_KEY_FILE: secFile };
    const missing = await caught(unwrapPgp(stored, env));
    expect(missing.message).toContain(`${fp} is passphrase-protected and SEALGUARD_PGP_PASSPHRASE is not set`);

    const wrong = await caught(unwrapPgp(stored, { ...env, SEALGUARD_PGP_PASSPHRASE: `${passphrase}x` }));
    expect(wrong.message).toContain(`SEALGUARD_PGP_PASSPHRASE does not unlock ${fp}`);
    expect(wrong.message).not.toContain(passphrase);

    const ok = await unwrapPgp(stored, { ...env, SEALGUARD_PGP_PASSPHRASE: passphrase });
    expect(Buffer.from(ok)).toEqual(dataKey);
  });
});
