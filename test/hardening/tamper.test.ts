/**
 * Tampering with an encrypted file is refused before any plaintext is printed: flipped bytes in
 * every ENC field, the MAC and lastmodified, broken key entries, values moved between keys, lists
 * reordered. Random documents in-process (fast-check) and each kind once through the CLI. What the
 * format does NOT authenticate (the type tag among valid types, comment removal, recipient labels)
 * is shown as it is, and stated in the README's security notes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempDirs } from '../helpers/git-repo.js';
import { newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';
import { decryptText, encryptText } from '../../src/sops/file.js';
import { envFor } from './fixture.js';

const temp = tempDirs();
let key: AgeKey;
let stranger: AgeKey;
beforeAll(async () => {
  key = await newAgeKey();
  stranger = await newAgeKey();
});

const ENC = /ENC\[AES256_GCM,data:([^,]*),iv:([^,]*),tag:([^,]*),type:([a-z]+)\]/g;

interface EncSpot {
  readonly start: number;
  readonly text: string;
  readonly fields: { data: string; iv: string; tag: string; type: string };
  /** The MAC (inside the sops block) rather than a value. */
  readonly isMac: boolean;
}

function encSpots(doc: string): EncSpot[] {
  const sopsAt = doc.lastIndexOf('\nsops:');
  return [...doc.matchAll(ENC)].map((m) => ({
    start: m.index,
    text: m[0],
    fields: { data: m[1], iv: m[2], tag: m[3], type: m[4] },
    isMac: m.index > sopsAt,
  }));
}

/** Flip one bit of one decoded byte (so the bytes really change; base64 padding bits would not). */
function flipB64(b64: string, byteIndex: number, bit: number): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[byteIndex % bytes.length] ^= 1 << bit;
  return bytes.toString('base64');
}

function replaceAt(doc: string, spot: EncSpot, replacement: string): string {
  return doc.slice(0, spot.start) + replacement + doc.slice(spot.start + spot.text.length);
}

function withField(spot: EncSpot, field: 'data' | 'iv' | 'tag' | 'type', value: string): string {
  const f = { ...spot.fields, [field]: value };
  return `ENC[AES256_GCM,data:${f.data},iv:${f.iv},tag:${f.tag},type:${f.type}]`;
}

async function refused(doc: string, plaintexts: readonly string[]): Promise<void> {
  let out: string | undefined;
  try {
    out = (await decryptText(doc, 'doc.yaml', { env: { SOPS_AGE_KEY: key.identity } })).output;
  } catch (e) {
    const err = e as Error;
    for (const p of plaintexts) {
      expect(err.message).not.toContain(p);
      expect(String(err.stack)).not.toContain(p);
    }
    return;
  }
  throw new Error(`tampered document was accepted:\n${out}`);
}

/** Random documents whose every leaf is unique, so any move or reorder changes what the MAC covers. */
const docArb = fc
  .array(
    fc.record({
      key: fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/),
      shape: fc.constantFrom('str', 'int', 'list', 'map'),
      size: fc.integer({ min: 2, max: 4 }),
      text: fc.stringMatching(/^[A-Za-z0-9 .,-]{1,12}$/),
    }),
    { minLength: 2, maxLength: 6 },
  )
  .map((entries) => {
    let n = 0;
    const uniq = (t: string) => `u${n++}-${t.trim() || 'x'}`;
    const obj: Record<string, unknown> = {};
    for (const e of entries) {
      if (e.key in obj) continue;
      if (e.shape === 'str') obj[e.key] = uniq(e.text);
      else if (e.shape === 'int') obj[e.key] = 1000 + n++;
      else if (e.shape === 'list') obj[e.key] = Array.from({ length: e.size }, () => uniq(e.text));
      else obj[e.key] = Object.fromEntries(Array.from({ length: e.size }, (_, i) => [`k${i}`, uniq(e.text)]));
    }
    return obj;
  });

async function encryptDoc(obj: Record<string, unknown>): Promise<{ doc: string; leaves: string[] }> {
  const plain = stringify(obj);
  const doc = (await encryptText(plain, 'doc.yaml', { keys: { age: [key.recipient] }, env: {} })).output;
  const leaves = JSON.stringify(obj).match(/u\d+-[^"]*/g) ?? [];
  return { doc, leaves };
}

describe('tampering, on random documents (in-process)', () => {
  it('a flipped byte in the data, iv or tag of any value, or of the MAC, is refused', async () => {
    await fc.assert(
      fc.asyncProperty(docArb, fc.nat(), fc.constantFrom('data', 'iv', 'tag'), fc.nat(), fc.integer({ min: 0, max: 7 }), async (obj, which, field, byte, bit) => {
        const { doc, leaves } = await encryptDoc(obj);
        const spots = encSpots(doc);
        const spot = spots[which % spots.length];
        await refused(replaceAt(doc, spot, withField(spot, field, flipB64(spot.fields[field], byte, bit))), leaves);
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it('a type tag that is not a sops type is refused', async () => {
    await fc.assert(
      fc.asyncProperty(docArb, fc.nat(), fc.constantFrom('strr', 'integer', 'bytez', 'x'), async (obj, which, type) => {
        const { doc, leaves } = await encryptDoc(obj);
        const spots = encSpots(doc).filter((s) => !s.isMac);
        const spot = spots[which % spots.length];
        await refused(replaceAt(doc, spot, withField(spot, 'type', type)), leaves);
      }),
      { numRuns: 20 },
    );
  }, 60_000);

  it('a value moved to another place (two values swapped, including list items reordered) is refused', async () => {
    await fc.assert(
      fc.asyncProperty(docArb, fc.nat(), fc.nat(), async (obj, a, b) => {
        const { doc, leaves } = await encryptDoc(obj);
        const spots = encSpots(doc).filter((s) => !s.isMac);
        const i = a % spots.length;
        const j = b % spots.length;
        fc.pre(i !== j);
        const [first, second] = i < j ? [spots[i], spots[j]] : [spots[j], spots[i]];
        const swapped = doc.slice(0, first.start) + second.text + doc.slice(first.start + first.text.length, second.start) + first.text + doc.slice(second.start + second.text.length);
        await refused(swapped, leaves);
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it('any change to lastmodified is refused', async () => {
    await fc.assert(
      fc.asyncProperty(docArb, fc.integer({ min: 1, max: 100_000 }), async (obj, shift) => {
        const { doc, leaves } = await encryptDoc(obj);
        const m = /lastmodified: "([^"]+)"/.exec(doc);
        if (!m) throw new Error('no lastmodified');
        const moved = new Date(Date.parse(m[1]) + shift * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        await refused(doc.replace(m[0], `lastmodified: "${moved}"`), leaves);
      }),
      { numRuns: 20 },
    );
  }, 60_000);
});

describe('tampering, through the CLI: nothing on stdout, non-zero exit', () => {
  const plain = 'db:\n  user: tamper-user-7\n  password: tamper-pw-8\nhosts:\n  - tamper-host-a\n  - tamper-host-b\n# tamper-comment-9\n';
  const secrets = ['tamper-user-7', 'tamper-pw-8', 'tamper-host-a', 'tamper-host-b', 'tamper-comment-9'];
  let doc: string;
  beforeAll(async () => {
    doc = (await encryptText(plain, 'f.yaml', { keys: { age: [key.recipient] }, env: {} })).output;
  });

  const spot = (pred: (s: EncSpot) => boolean): EncSpot => {
    const s = encSpots(doc).find(pred);
    if (!s) throw new Error('no such ENC value');
    return s;
  };
  const cases: { name: string; make: () => string; code: number }[] = [
    { name: 'a flipped byte in a value\'s data', make: () => { const s = spot((x) => !x.isMac); return replaceAt(doc, s, withField(s, 'data', flipB64(s.fields.data, 0, 0))); }, code: 0 },
    { name: 'a flipped byte in a value\'s iv', make: () => { const s = spot((x) => !x.isMac); return replaceAt(doc, s, withField(s, 'iv', flipB64(s.fields.iv, 5, 3))); }, code: 0 },
    { name: 'a flipped byte in a value\'s tag', make: () => { const s = spot((x) => !x.isMac); return replaceAt(doc, s, withField(s, 'tag', flipB64(s.fields.tag, 15, 7))); }, code: 0 },
    { name: 'an unknown type tag', make: () => { const s = spot((x) => !x.isMac); return replaceAt(doc, s, withField(s, 'type', 'blob')); }, code: 0 },
    { name: 'a flipped byte in the MAC', make: () => { const s = spot((x) => x.isMac); return replaceAt(doc, s, withField(s, 'data', flipB64(s.fields.data, 3, 1))); }, code: 0 },
    { name: 'lastmodified a second later', make: () => doc.replace(/lastmodified: "([^"]+)"/, (_m, t: string) => `lastmodified: "${new Date(Date.parse(t) + 1000).toISOString().replace(/\.\d+Z$/, 'Z')}"`), code: 0 },
    { name: 'the password moved to the user key', make: () => { const [u, p] = encSpots(doc); return doc.replace(u.text, 'SWAP').replace(p.text, u.text).replace('SWAP', p.text); }, code: 0 },
    { name: 'the list reordered', make: () => { const s = encSpots(doc); const [a, b] = [s[2], s[3]]; return doc.replace(a.text, 'SWAP').replace(b.text, a.text).replace('SWAP', b.text); }, code: 0 },
    { name: 'the age recipient entry removed', make: () => doc.replace(/\n {4}age:\n(?: {8}.*\n)+/, '\n'), code: 0 },
    { name: 'the age enc changed (one byte of the armored stanza)', make: () => doc.replace(/(-----BEGIN AGE ENCRYPTED FILE-----\n\s+)(\S)/, (_m, h: string, c: string) => h + (c === 'A' ? 'B' : 'A')), code: 128 },
  ];

  for (const c of cases) {
    it(`decrypt refuses ${c.name}`, () => {
      const tampered = c.make();
      expect(tampered).not.toBe(doc);
      const dir = temp.dir('sealguard-tamper-');
      writeFileSync(path.join(dir, 'f.yaml'), tampered);
      const env = envFor(dir, { SOPS_AGE_KEY: key.identity });
      for (const args of [['decrypt', 'f.yaml'], ['decrypt', '--extract', '["db"]["user"]', 'f.yaml'], ['exec-env', 'f.yaml', 'echo ran']]) {
        const r = runCli(args, { cwd: dir, env });
        expect(r.stdout).toBe('');
        expect(r.code).not.toBe(0);
        if (c.code === 128) expect(r.code).toBe(128);
        for (const s of secrets) expect(r.stderr).not.toContain(s);
      }
    });
  }
});

describe('what the format does not authenticate (documented in the README)', () => {
  it('changing type:str to type:int on "123" is accepted and prints it as a number', async () => {
    const doc = (await encryptText('port: "123"\n', 'f.yaml', { keys: { age: [key.recipient] }, env: {} })).output;
    const changed = doc.replace('type:str]', 'type:int]');
    expect(changed).not.toBe(doc);
    const out = await decryptText(changed, 'f.yaml', { env: { SOPS_AGE_KEY: key.identity } });
    expect((await decryptText(doc, 'f.yaml', { env: { SOPS_AGE_KEY: key.identity } })).output).toBe('port: "123"\n');
    expect(out.output).toBe('port: 123\n');
  });

  it('removing an encrypted comment, or editing a plain one, is accepted (comments are outside the MAC)', async () => {
    const doc = (await encryptText('# note\na: 1\n', 'f.yaml', { keys: { age: [key.recipient] }, env: {} })).output;
    const dropped = doc.split('\n').filter((l) => !l.startsWith('#ENC[')).join('\n');
    expect(dropped).not.toBe(doc);
    expect((await decryptText(dropped, 'f.yaml', { env: { SOPS_AGE_KEY: key.identity } })).output).toBe('a: 1\n');
  });

  it('an encrypted comment whose ciphertext was changed is kept as ciphertext with a warning, as sops does; values still decrypt', () => {
    const dir = temp.dir('sealguard-comment-');
    const env = envFor(dir, { SOPS_AGE_KEY: key.identity });
    writeFileSync(path.join(dir, 'f.yaml'), '# note-secret-3\na: 1\n');
    expect(runCli(['encrypt', '-i', '--age', key.recipient, 'f.yaml'], { cwd: dir, env }).code).toBe(0);
    const doc = runCli(['filestatus', 'f.yaml'], { cwd: dir, env }).stdout;
    expect(doc).toContain('true');
    const text = readFileSync(path.join(dir, 'f.yaml'), 'utf8');
    const s = encSpots(text).find((x) => x.fields.type === 'comment');
    if (!s) throw new Error('no comment');
    writeFileSync(path.join(dir, 'f.yaml'), replaceAt(text, s, withField(s, 'data', flipB64(s.fields.data, 0, 2))));
    const r = runCli(['decrypt', 'f.yaml'], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#ENC\[AES256_GCM,.*type:comment\]\na: 1\n$/);
    expect(r.stdout).not.toContain('note-secret-3');
    expect(r.stderr).toContain('could not be decrypted');
  });

  it('an extra recipient entry is not noticed by decrypt, and rotate then wraps the new data key for it too', async () => {
    const doc = (await encryptText('a: rot-secret-1\n', 'f.yaml', { keys: { age: [key.recipient] }, env: {} })).output;
    const other = (await encryptText('b: 2\n', 'g.yaml', { keys: { age: [stranger.recipient] }, env: {} })).output;
    const strangerEntry = /\n {8}- recipient: [\s\S]*?-----END AGE ENCRYPTED FILE-----\n/.exec(other)?.[0];
    if (!strangerEntry) throw new Error('no entry');
    const injected = doc.replace(/\n {4}age:\n/, `\n    age:${strangerEntry}`);
    expect(injected).toContain(stranger.recipient);
    const dir = temp.dir('sealguard-inject-');
    writeFileSync(path.join(dir, 'f.yaml'), injected);
    const env = envFor(dir, { SOPS_AGE_KEY: key.identity });
    expect(runCli(['decrypt', 'f.yaml'], { cwd: dir, env }).stdout).toBe('a: rot-secret-1\n');
    expect(runCli(['rotate', '-i', 'f.yaml'], { cwd: dir, env }).code).toBe(0);
    const rotated = runCli(['decrypt', 'f.yaml'], { cwd: dir, env: envFor(dir, { SOPS_AGE_KEY: stranger.identity }) });
    expect(rotated.stdout).toBe('a: rot-secret-1\n');
  });
});
