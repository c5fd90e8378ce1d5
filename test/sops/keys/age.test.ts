import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import {
  ageMasterKey,
  defaultAgeKeyFile,
  generateAgeKeyFile,
  loadAgeIdentities,
  parseAgeRecipient,
  unwrapAge,
} from '../../../src/sops/keys/age.js';
import { SealguardError } from '../../../src/shared/errors.js';
import type { AgeStoredKey } from '../../../src/sops/metadata.js';
import { caught } from '../../helpers/errors.js';

const VECTORS = path.resolve(import.meta.dirname, '../../../../shared/sops-vectors');
const VECTOR_IDENTITY_FILE = path.join(VECTORS, 'age-test-identity.txt');
const VECTOR_ENC = readFileSync(path.join(VECTORS, 'age-test-encrypted-key.age'), 'utf8');
const VECTOR_RECIPIENT = /# public key: (age1\S+)/.exec(readFileSync(VECTOR_IDENTITY_FILE, 'utf8'))![1];
const hasAgeCli = spawnSync('sh', ['-c', 'command -v age'], { encoding: 'utf8' }).status === 0;

let tmp: string;
/** An environment with no age configuration at all: HOME and XDG point into the temp folder. */
let cleanEnv: NodeJS.ProcessEnv;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sg-age-'));
  cleanEnv = { PATH: process.env.PATH, HOME: path.join(tmp, 'home'), XDG_CONFIG_HOME: path.join(tmp, 'xdg') };
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});


describe('age data-key wrapping', () => {
  it('opens the sops test vector with its identity file and gets the 4 bytes "data"', async () => {
    const ids = await loadAgeIdentities({ ...cleanEnv, SOPS_AGE_KEY_FILE: VECTOR_IDENTITY_FILE });
    expect(ids.identities).toHaveLength(1);
    const plain = await unwrapAge({ enc: VECTOR_ENC }, ids);
    expect(new TextDecoder().decode(plain)).toBe('data');
  });

  it('wraps a 32-byte data key as an armored age file that the matching identity opens', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const dataKey = randomBytes(32);
    const stored = (await ageMasterKey(recipient).wrap(dataKey)) as AgeStoredKey;
    expect(stored).toMatchObject({ kind: 'age', recipient });
    expect(stored.enc.startsWith('-----BEGIN AGE ENCRYPTED FILE-----\n')).toBe(true);
    expect(stored.enc.trimEnd().endsWith('-----END AGE ENCRYPTED FILE-----')).toBe(true);
    expect(Buffer.from(await unwrapAge(stored, [identity]))).toEqual(dataKey);
  });

  it('tries every identity: the second of two identities opens the key', async () => {
    const other = await generateX25519Identity();
    const mine = await generateX25519Identity();
    const dataKey = randomBytes(32);
    const stored = await ageMasterKey(await identityToRecipient(mine)).wrap(dataKey);
    expect(Buffer.from(await unwrapAge(stored as AgeStoredKey, [other, mine]))).toEqual(dataKey);
  });

  it('says "no identity matched" for a key wrapped to someone else, without printing any identity', async () => {
    const wrong = await generateX25519Identity();
    const err = await caught(unwrapAge({ enc: VECTOR_ENC }, [wrong]));
    expect(err.code).toBe('AGE_NO_MATCH');
    expect(err.message).toMatch(/no identity matched/);
    expect(err.message).not.toContain('AGE-SECRET-KEY');
  });

  it('says where it looked when no identity is found anywhere', async () => {
    const ids = await loadAgeIdentities(cleanEnv);
    const err = await caught(unwrapAge({ enc: VECTOR_ENC }, ids));
    expect(err.code).toBe('AGE_NO_IDENTITY');
    expect(err.message).toBe(
      `no age identity found (looked in SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD, ${path.join(tmp, 'xdg', 'sops', 'age', 'keys.txt')})`,
    );
  });

  it('reports a corrupted age file as invalid rather than as a missing identity', async () => {
    const identity = await generateX25519Identity();
    const broken = VECTOR_ENC.replace('YWdl', 'AAAA');
    const err = await caught(unwrapAge({ enc: broken }, [identity]));
    expect(err.code).toMatch(/^AGE_(ENC_INVALID|DECRYPT_FAILED)$/);
  });

  it.runIf(hasAgeCli)('writes age files the age command-line tool decrypts (age -d -i)', async () => {
    const identity = await generateX25519Identity();
    const idFile = path.join(tmp, 'id.txt');
    await fs.writeFile(idFile, `${identity}\n`, { mode: 0o600 });
    const dataKey = randomBytes(32);
    const stored = (await ageMasterKey(await identityToRecipient(identity)).wrap(dataKey)) as AgeStoredKey;
    const out = execFileSync('age', ['-d', '-i', idFile], { input: stored.enc });
    expect(out).toEqual(dataKey);
  });

  it.runIf(hasAgeCli)('opens a data key the age command-line tool encrypted (age -a -r)', async () => {
    const identity = await generateX25519Identity();
    const dataKey = randomBytes(32);
    const enc = execFileSync('age', ['-a', '-r', await identityToRecipient(identity)], { input: dataKey }).toString();
    expect(Buffer.from(await unwrapAge({ enc }, [identity]))).toEqual(dataKey);
  });
});

describe('age recipients', () => {
  it('accepts the sops test recipient and trims surrounding spaces', () => {
    expect(parseAgeRecipient(`  ${VECTOR_RECIPIENT} `)).toBe(VECTOR_RECIPIENT);
    expect(ageMasterKey(VECTOR_RECIPIENT)).toMatchObject({ kind: 'age', id: VECTOR_RECIPIENT });
  });

  it('refuses a recipient with a typo (bad checksum)', async () => {
    const typo = VECTOR_RECIPIENT.slice(0, -1) + (VECTOR_RECIPIENT.endsWith('n') ? 'm' : 'n');
    const err = await caught(() => ageMasterKey(typo));
    expect(err.code).toBe('AGE_RECIPIENT_INVALID');
    expect(err.message).toMatch(/bad checksum or length/);
  });

  it('refuses a secret key given as a recipient and does not echo it', async () => {
    const identity = await generateX25519Identity();
    const err = await caught(() => ageMasterKey(identity));
    expect(err.message).toMatch(/secret key was given where a recipient/);
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(identity.slice(16));
  });

  it('refuses things that are not X25519 recipients (a PGP fingerprint, a post-quantum recipient)', async () => {
    expect((await caught(() => ageMasterKey('FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4'))).message).toMatch(
      /not an age X25519 recipient: "FBC7B9E2A4F9…"/,
    );
    expect((await caught(() => ageMasterKey('age1pq1' + 'q'.repeat(60)))).code).toBe('AGE_RECIPIENT_INVALID');
  });
});

describe('loading age identities as sops does', () => {
  it('reads one or more identities from SOPS_AGE_KEY, skipping comments and blank lines', async () => {
    const a = await generateX25519Identity();
    const b = await generateX25519Identity();
    const ids = await loadAgeIdentities({ ...cleanEnv, SOPS_AGE_KEY: `# mine\n${a}\n\n  ${b}  \r\n` });
    expect(ids.identities).toEqual([a, b]);
    expect(ids.sources).toEqual(['SOPS_AGE_KEY']);
  });

  it('combines SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD and the default key file', async () => {
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => generateX25519Identity()));
    const keyFile = path.join(tmp, 'k.txt');
    await fs.writeFile(keyFile, `${b}\n`);
    const cmdFile = path.join(tmp, 'cmd.txt');
    await fs.writeFile(cmdFile, `# from a password manager\n${c}\n`);
    const defaultFile = defaultAgeKeyFile(cleanEnv);
    await fs.mkdir(path.dirname(defaultFile), { recursive: true });
    await fs.writeFile(defaultFile, `# created: 2024-01-01T00:00:00Z\n${d}\n${a}\n`);
    const ids = await loadAgeIdentities({
      ...cleanEnv,
      SOPS_AGE_KEY: a,
      SOPS_AGE_KEY_FILE: keyFile,
      SOPS_AGE_KEY_CMD: `cat '${cmdFile}'`,
    });
    expect(ids.identities).toEqual([a, b, c, d]);
    expect(ids.sources).toEqual(['SOPS_AGE_KEY', `SOPS_AGE_KEY_FILE (${keyFile})`, 'SOPS_AGE_KEY_CMD', defaultFile]);
  });

  it('finds the default key file under $XDG_CONFIG_HOME, else under ~/.config on Linux', () => {
    expect(defaultAgeKeyFile({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/h' })).toBe('/x/cfg/sops/age/keys.txt');
    if (process.platform === 'linux') expect(defaultAgeKeyFile({ HOME: '/h' })).toBe('/h/.config/sops/age/keys.txt');
  });

  it('fails with the path when SOPS_AGE_KEY_FILE names a missing file', async () => {
    const missing = path.join(tmp, 'nope.txt');
    const err = await caught(loadAgeIdentities({ ...cleanEnv, SOPS_AGE_KEY_FILE: missing }));
    expect(err.code).toBe('AGE_KEY_FILE_UNREADABLE');
    expect(err.message).toContain(missing);
  });

  it('fails with the exit status when SOPS_AGE_KEY_CMD fails, without repeating its output', async () => {
    const err = await caught(
      loadAgeIdentities({ ...cleanEnv, SOPS_AGE_KEY_CMD: 'echo AGE-SECRET-KEY-1LEAKED; echo oops >&2; exit 3' }),
    );
    expect(err.message).toBe('SOPS_AGE_KEY_CMD failed with exit status 3');
  });

  it('names the line of a key file that is not an identity, but not its content', async () => {
    const keyFile = path.join(tmp, 'k.txt');
    const identity = await generateX25519Identity();
    await fs.writeFile(keyFile, `# ok\n${identity}\n${identity.slice(0, -3)}xyz\n`);
    const err = await caught(loadAgeIdentities({ ...cleanEnv, SOPS_AGE_KEY_FILE: keyFile }));
    expect(err.code).toBe('AGE_IDENTITY_INVALID');
    expect(err.message).toBe(`SOPS_AGE_KEY_FILE (${keyFile}), line 3: not an age identity (expected AGE-SECRET-KEY-1…)`);
  });

  it('ignores an unreadable-because-missing default key file when nothing is configured', async () => {
    const ids = await loadAgeIdentities(cleanEnv);
    expect(ids).toMatchObject({ identities: [], sources: [] });
    expect(ids.looked).toHaveLength(4);
  });
});

describe('generating an age key file (sealguard keygen)', () => {
  it('creates the default key file (folders too) with mode 0600, in the age-keygen layout', async () => {
    const recipient = await generateAgeKeyFile(undefined, cleanEnv);
    const file = defaultAgeKeyFile(cleanEnv);
    const text = await fs.readFile(file, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(lines[1]).toBe(`# public key: ${recipient}`);
    expect(lines[2]).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/);
    expect(lines[3]).toBe('');
    if (process.platform !== 'win32') expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await identityToRecipient(lines[2])).toBe(recipient);
    const ids = await loadAgeIdentities(cleanEnv);
    expect(ids.sources).toEqual([file]);
  });

  it('refuses to overwrite an existing key file and leaves it unchanged', async () => {
    const file = path.join(tmp, 'keys.txt');
    await generateAgeKeyFile(file, cleanEnv);
    const before = await fs.readFile(file, 'utf8');
    const err = await caught(generateAgeKeyFile(file, cleanEnv));
    expect(err.code).toBe('AGE_KEY_FILE_EXISTS');
    expect(err.message).toBe(`${file} already exists; not overwriting it`);
    expect(await fs.readFile(file, 'utf8')).toBe(before);
  });

  it('writes to SOPS_AGE_KEY_FILE when that is set, where sops will read it', async () => {
    const file = path.join(tmp, 'custom', 'age.txt');
    const recipient = await generateAgeKeyFile(undefined, { ...cleanEnv, SOPS_AGE_KEY_FILE: file });
    expect(await fs.readFile(file, 'utf8')).toContain(`# public key: ${recipient}`);
  });

  it.runIf(hasAgeCli)('writes a key file the age tool accepts as an identity file', async () => {
    const file = path.join(tmp, 'keys.txt');
    const recipient = await generateAgeKeyFile(file, cleanEnv);
    const enc = execFileSync('age', ['-r', recipient], { input: 'hello' });
    expect(execFileSync('age', ['-d', '-i', file], { input: enc }).toString()).toBe('hello');
  });
});
