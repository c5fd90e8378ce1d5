import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createDecipheriv, createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { Decrypter, armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { cliPath, sharedDir } from '../helpers/cli.js';
import { createTempGnupgHome, SOPS_TEST_KEYS, type TempGnupgHome } from '../helpers/gpg.js';

let work: string;
let identity: string;
let recipient: string;
let counter = 0;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'sealguard-binary-bytes-'));
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface RawResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** The built CLI with stdout kept as bytes: the point of these tests is the exact bytes. */
function run(args: string[], extra: NodeJS.ProcessEnv = {}): RawResult {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: work,
    input: '',
    env: {
      ...process.env,
      NO_COLOR: '1',
      GNUPGHOME: path.join(work, 'no-gnupg'),
      XDG_CONFIG_HOME: path.join(work, 'xdg'),
      HOME: work,
      SOPS_AGE_KEY: identity,
      SOPS_AGE_KEY_FILE: undefined,
      SOPS_AGE_RECIPIENTS: undefined,
      SOPS_PGP_FP: undefined,
      ...extra,
    },
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

function fresh(name: string, bytes: Uint8Array): string {
  const f = path.join(work, `${counter++}-${name}`);
  writeFileSync(f, bytes);
  return f;
}

/** Encrypt `bytes` as file `name` with --output; returns the encrypted file's path. */
function encryptBytes(name: string, bytes: Uint8Array): string {
  const plain = fresh(name, bytes);
  const out = `${plain}.enc`;
  const r = run(['encrypt', '--age', recipient, '--output', out, plain]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return out;
}

/** An ENC[AES256_GCM,…] value opened with node:crypto alone. */
function openEnc(enc: string, key: Uint8Array, aad: string): Buffer {
  const m = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:(\w+)\]$/.exec(enc);
  if (!m) throw new Error('not an ENC value');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(m[2] as string, 'base64'));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(Buffer.from(m[3] as string, 'base64'));
  return Buffer.concat([d.update(Buffer.from(m[1] as string, 'base64')), d.final()]);
}

/** The data key and the raw `data` plaintext and MAC of an encrypted binary file, without sealguard. */
async function independentlyOpen(encFile: string): Promise<{ data: Buffer; mac: string }> {
  const doc = JSON.parse(readFileSync(encFile, 'utf8')) as { data: string; sops: { age: { enc: string }[]; mac: string; lastmodified: string } };
  const dec = new Decrypter();
  dec.addIdentity(identity);
  const stanza = doc.sops.age[0]?.enc as string;
  const key = await dec.decrypt(armor.decode(stanza), 'uint8array');
  expect(key.length).toBe(32);
  // As sops, an empty value is stored as is, not encrypted.
  const data = doc.data === '' ? Buffer.alloc(0) : openEnc(doc.data, key, 'data:');
  return { data, mac: openEnc(doc.sops.mac, key, doc.sops.lastmodified).toString('utf8') };
}

const sha512Upper = (b: Uint8Array): string => createHash('sha512').update(b).digest('hex').toUpperCase();

const fixed: [string, number[]][] = [
  ['empty file', []],
  ['NUL bytes', [0, 0, 65, 0]],
  ['every byte 0x80-0xFF', Array.from({ length: 128 }, (_, i) => 0x80 + i)],
  ['a lone continuation byte and a truncated sequence', [0x61, 0x80, 0x62, 0xe2, 0x82]],
  ['an overlong NUL and a surrogate encoded in UTF-8', [0xc0, 0x80, 0xed, 0xa0, 0x80]],
  ['a UTF-8 BOM before text', [0xef, 0xbb, 0xbf, 0x68, 0x69, 0x0a]],
  ['CRLF line ends', [0x61, 0x0d, 0x0a, 0x62, 0x0d, 0x0a]],
  ['a PKCS#12-like header', [0x30, 0x82, 0x0a, 0x1f, 0x02, 0x01, 0x03, 0x30, 0x82, 0xff, 0xfe]],
];

describe('binary files of any bytes round-trip exactly', () => {
  it.each(fixed)('%s: decrypt prints exactly the original bytes; ENC plaintext and MAC are over the raw bytes', async (_name, list) => {
    const bytes = Uint8Array.from(list);
    const enc = encryptBytes('file.p12', bytes);
    const dec = run(['decrypt', enc]);
    expect(dec.stderr).toBe('');
    expect(dec.code).toBe(0);
    expect(Buffer.compare(dec.stdout, Buffer.from(bytes))).toBe(0);
    const opened = await independentlyOpen(enc);
    expect(Buffer.compare(opened.data, Buffer.from(bytes))).toBe(0);
    expect(opened.mac).toBe(sha512Upper(bytes));
  });

  it('random byte files (property): encrypt then decrypt gives back the same bytes, and the ENC plaintext is those bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const enc = encryptBytes('blob.bin', bytes);
        const dec = run(['decrypt', enc]);
        expect(dec.code).toBe(0);
        expect(Buffer.compare(dec.stdout, Buffer.from(bytes))).toBe(0);
        const opened = await independentlyOpen(enc);
        expect(Buffer.compare(opened.data, Buffer.from(bytes))).toBe(0);
        expect(opened.mac).toBe(sha512Upper(bytes));
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it('encrypt -i and decrypt -i turn a keystore into its envelope and back to the same bytes', () => {
    const bytes = Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0x80, 0xff, 0x0d, 0x0a]);
    const f = fresh('keystore.jks', bytes);
    expect(run(['encrypt', '--age', recipient, '-i', f]).code).toBe(0);
    expect(readFileSync(f, 'utf8').startsWith('{')).toBe(true);
    const dec = run(['decrypt', '-i', f]);
    expect(dec.stderr).toBe('');
    expect(dec.code).toBe(0);
    expect(Buffer.compare(readFileSync(f), bytes)).toBe(0);
  });

  it('decrypt --output writes exactly the original bytes', () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0xff]);
    const enc = encryptBytes('image.png', bytes);
    const out = path.join(work, 'image-out.png');
    const dec = run(['decrypt', '--output', out, enc]);
    expect(dec.code).toBe(0);
    expect(dec.stdout.length).toBe(0);
    expect(Buffer.compare(readFileSync(out), bytes)).toBe(0);
  });

  it('--extract ["data"] prints the raw bytes', () => {
    const bytes = Buffer.from([1, 2, 0x80, 0xc3]);
    const dec = run(['decrypt', '--extract', '["data"]', encryptBytes('x.bin', bytes)]);
    expect(dec.code).toBe(0);
    expect(Buffer.compare(dec.stdout, bytes)).toBe(0);
  });

  it('decrypt --output-type yaml of bytes that are not UTF-8 fails with one line and writes nothing', () => {
    const enc = encryptBytes('x.bin', Buffer.from([0x61, 0xff, 0x62]));
    const out = path.join(work, 'converted.yaml');
    const dec = run(['decrypt', '--output-type', 'yaml', '--output', out, enc]);
    expect(dec.code).toBe(4);
    expect(dec.stderr).toMatch(/not valid UTF-8/);
    expect(dec.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('decrypt --output-type yaml of a UTF-8 binary file still writes data: <text>', () => {
    const dec = run(['decrypt', '--output-type', 'yaml', encryptBytes('x.bin', Buffer.from('hello\n'))]);
    expect(dec.code).toBe(0);
    expect(dec.stdout.toString('utf8')).toMatch(/^data: /);
  });

  it('exec-file hands the command a file with the exact bytes', () => {
    const bytes = Buffer.from([0, 0xff, 0xfe, 0x80, 0x0a]);
    const enc = encryptBytes('x.bin', bytes);
    const copy = path.join(work, 'exec-copy.bin');
    const r = run(['exec-file', '--no-fifo', enc, '--', 'cp', '{}', copy]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Buffer.compare(readFileSync(copy), bytes)).toBe(0);
  });

  it('textconv prints the exact decrypted bytes', () => {
    const bytes = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0xa0, 0]);
    const r = run(['textconv', encryptBytes('x.bin', bytes)]);
    expect(r.code).toBe(0);
    expect(Buffer.compare(r.stdout, bytes)).toBe(0);
  });

  it('edit gives the editor the raw bytes and re-encrypts the bytes it saves', () => {
    const bytes = Buffer.from([0x00, 0xc3, 0x28, 0xff, 0x0d, 0x0a]);
    const enc = encryptBytes('x.bin', bytes);
    const seen = path.join(work, 'editor-saw.bin');
    const editor = path.join(work, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\ncp "$1" "${seen}"\nprintf '\\376\\001' >> "$1"\n`);
    chmodSync(editor, 0o755);
    const r = run(['edit', enc], { EDITOR: editor, SOPS_EDITOR: undefined });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Buffer.compare(readFileSync(seen), bytes)).toBe(0);
    const dec = run(['decrypt', enc]);
    expect(Buffer.compare(dec.stdout, Buffer.concat([bytes, Buffer.from([0xfe, 0x01])]))).toBe(0);
  });
});

describe('sops-written binary files', () => {
  let gnupg: TempGnupgHome;
  beforeAll(async () => {
    gnupg = await createTempGnupgHome([SOPS_TEST_KEYS]);
  });
  afterAll(async () => {
    await gnupg.cleanup();
  });

  it('example.txt still decrypts to its text with both trailing newlines', () => {
    const r = run(['decrypt', path.join(sharedDir, 'sops-vectors', 'example.txt')], { GNUPGHOME: gnupg.dir, SOPS_AGE_KEY: undefined });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString('utf8').endsWith('\n\n')).toBe(true);
    expect(r.stdout.includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(false);
  });
});

describe('text formats stay UTF-8 text', () => {
  it('encrypting YAML that is not valid UTF-8 fails with one line pointing to --input-type binary', () => {
    const f = fresh('bad.yaml', Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]));
    const r = run(['encrypt', '--age', recipient, f]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not valid UTF-8 yaml.*--input-type binary/);
    expect(r.stdout.length).toBe(0);
  });

  it('the same YAML bytes encrypt with --input-type binary and decrypt back exactly', () => {
    const bytes = Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]);
    const f = fresh('bad.yaml', bytes);
    const out = path.join(work, 'bad.enc.bin');
    expect(run(['encrypt', '--age', recipient, '--input-type', 'binary', '--output', out, f]).code).toBe(0);
    const dec = run(['decrypt', out]);
    expect(Buffer.compare(dec.stdout, bytes)).toBe(0);
  });

  it('a UTF-8 BOM in YAML survives encrypt and decrypt byte for byte', () => {
    const bytes = Buffer.from('\uFEFFa: 1\nb: text\n', 'utf8');
    const f = fresh('bom.yaml', bytes);
    const enc = run(['encrypt', '--age', recipient, f]);
    expect(enc.code).toBe(0);
    const encFile = fresh('bom.enc.yaml', enc.stdout);
    const dec = run(['decrypt', encFile]);
    expect(dec.code).toBe(0);
    expect(Buffer.compare(dec.stdout, bytes)).toBe(0);
  });

  it('JSON starting with a UTF-8 BOM is refused with one line, as sops refuses it', () => {
    const f = fresh('bom.json', Buffer.from('\uFEFF{"a": 1}\n', 'utf8'));
    const r = run(['encrypt', '--age', recipient, f]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/byte order mark/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
