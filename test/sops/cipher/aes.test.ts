import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64LengthAt, decodeBase64At, decryptValue, encTexts, encryptValue, formatEncValue, isEncValue, locateEncParts, parseEncValue } from '../../../src/sops/cipher/aes.js';
import { isSealguardError } from '../../../src/shared/errors.js';
import type { SopsType } from '../../../src/sops/tree.js';

const key = randomBytes(32);

function thrown(fn: () => unknown): { code: string; message: string; exitCode: number } {
  try {
    fn();
  } catch (e) {
    if (isSealguardError(e)) return e;
    throw e;
  }
  throw new Error('expected a throw');
}

/** What a parse gave: its value, or the message of what it threw. */
function attempt(f: () => unknown): { ok?: unknown; error?: string } {
  try {
    return { ok: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe('ENC value format', () => {
  it('an encrypted value looks exactly like sops writes it: 32-byte IV, 16-byte tag, padded base64', () => {
    const enc = encryptValue(Buffer.from('hello'), 'str', key, 'a:b:');
    expect(enc).toMatch(/^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:[A-Za-z0-9+/=]{44},tag:[A-Za-z0-9+/=]{24},type:str\]$/);
    const parsed = parseEncValue(enc);
    expect(parsed.iv).toHaveLength(32);
    expect(parsed.tag).toHaveLength(16);
    expect(parsed.data).toHaveLength(5);
    expect(isEncValue(enc)).toBe(true);
  });

  it.each(['str', 'int', 'float', 'bool', 'time', 'comment', 'bytes'] as SopsType[])('a %s value round-trips with its type', (type) => {
    const enc = encryptValue(Buffer.from('42'), type, key, 'x:');
    expect(decryptValue(enc, key, 'x:')).toMatchObject({ type, plaintext: Buffer.from('42') });
  });

  it('the same plaintext encrypts differently each time (fresh IV)', () => {
    const a = encryptValue(Buffer.from('same'), 'str', key, 'k:');
    const b = encryptValue(Buffer.from('same'), 'str', key, 'k:');
    expect(a).not.toBe(b);
  });

  it('a given IV gives a deterministic ciphertext, so an unchanged value can keep its ENC string', () => {
    const iv = randomBytes(32);
    expect(encryptValue(Buffer.from('v'), 'str', key, 'k:', iv)).toBe(encryptValue(Buffer.from('v'), 'str', key, 'k:', iv));
  });

  it('an empty plaintext is left empty, as sops leaves "" unencrypted', () => {
    expect(encryptValue(Buffer.alloc(0), 'str', key, 'k:')).toBe('');
  });

  it('files written with type int64 by older sops read back as int', () => {
    const enc = encryptValue(Buffer.from('7'), 'int', key, 'k:').replace('type:int]', 'type:int64]');
    expect(decryptValue(enc, key, 'k:').type).toBe('int');
  });

  it('unicode plaintext and AAD round-trip', () => {
    const enc = encryptValue(Buffer.from('pässwörd 🔑'), 'str', key, 'clé:ключ:');
    expect(decryptValue(enc, key, 'clé:ключ:').plaintext.toString()).toBe('pässwörd 🔑');
  });

  it('property: encrypt then decrypt is the identity for any bytes and AAD', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.string(), (bytes, aad) => {
        const enc = encryptValue(Buffer.from(bytes), 'str', key, aad);
        expect(decryptValue(enc, key, aad).plaintext.equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('refusing bad or tampered values', () => {
  const secretText = 'do-not-print-me';
  const good = encryptValue(Buffer.from(secretText), 'str', key, 'db:password:');

  it('the wrong path (AAD) is refused: a value moved to another key does not decrypt', () => {
    const e = thrown(() => decryptValue(good, key, 'db:user:'));
    expect(e.code).toBe('DECRYPT_FAILED');
    expect(e.message).toMatch(/authentication failed/);
  });

  it('the wrong data key is refused', () => {
    expect(thrown(() => decryptValue(good, randomBytes(32), 'db:password:')).code).toBe('DECRYPT_FAILED');
  });

  it('property: flipping any bit of data, iv or tag is refused', () => {
    const parsed = parseEncValue(good);
    fc.assert(
      fc.property(fc.constantFrom('data', 'iv', 'tag'), fc.nat(), fc.integer({ min: 0, max: 7 }), (field, index, bit) => {
        const parts = { data: Buffer.from(parsed.data), iv: Buffer.from(parsed.iv), tag: Buffer.from(parsed.tag) };
        const buf = parts[field as keyof typeof parts];
        buf[index % buf.length] = (buf[index % buf.length] as number) ^ (1 << bit);
        const tampered = `ENC[AES256_GCM,data:${parts.data.toString('base64')},iv:${parts.iv.toString('base64')},tag:${parts.tag.toString('base64')},type:str]`;
        expect(thrown(() => decryptValue(tampered, key, 'db:password:')).code).toBe('DECRYPT_FAILED');
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['not ENC at all', 'plain text'],
    ['missing type', 'ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==]'],
    ['unknown type', 'ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:blob]'],
    ['unpadded base64', 'ENC[AES256_GCM,data:AAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]'],
    ['a short tag', 'ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]'],
    ['an empty iv', 'ENC[AES256_GCM,data:AAAA,iv:,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]'],
    ['another algorithm', 'ENC[AES128_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]'],
  ])('a malformed value (%s) is refused as bad format', (_what, value) => {
    const e = thrown(() => decryptValue(value, key, 'k:'));
    expect(e.code).toBe('INVALID_ENC_VALUE');
  });

  it.each([
    ['a tag of 23 digits and one pad', 'ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAAA=,type:str]'],
    ['a tag of 24 digits', 'ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAAAA,type:str]'],
    ['a tag of 22 digits and one pad', 'ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA=,type:str]'],
    ['data of 4n+1 digits', 'ENC[AES256_GCM,data:AAAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]'],
    ['data padded after whole groups', 'ENC[AES256_GCM,data:AAAA=,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]'],
    ['digits after the padding', 'ENC[AES256_GCM,data:AA==AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]'],
    ['an iv of padding only', 'ENC[AES256_GCM,data:AAAA,iv:==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]'],
    ['a type holding a comma', 'ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:st,r]'],
    ['text after the closing bracket', 'ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]]'],
    ['url-safe digits', 'ENC[AES256_GCM,data:AA-_,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]'],
  ])('locating the parts refuses a value decoding refuses (%s), with the same complaint', (_what, value) => {
    const decoded = attempt(() => parseEncValue(value));
    expect(decoded.error).toBeDefined();
    const at: number[] = [];
    expect(attempt(() => locateEncParts(value, at)).error).toBe(decoded.error);
    expect(at).toHaveLength(0);
  });

  it.each([
    ['empty data', 'ENC[AES256_GCM,data:,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]', 0],
    ['data with one pad', 'ENC[AES256_GCM,data:AAA=,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]', 2],
    ['data with two pads', 'ENC[AES256_GCM,data:AAAAAA==,iv:AA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:comment]', 4],
  ])('locating the parts accepts %s as decoding does', (_what, value, bytes) => {
    const at: number[] = [];
    expect(locateEncParts(value, at)).toBe(parseEncValue(value).type);
    expect(base64LengthAt(value, at[0]!, at[1]!)).toBe(bytes);
  });

  it('property: locating the parts of a value accepts and refuses exactly what decoding it does, and the located parts decode to the same bytes', () => {
    const b64ish = fc.string({ unit: fc.constantFrom(...'AQgw+/=Zz09-_ ,]'.split('')), maxLength: 30 });
    const part = fc.oneof(b64ish, fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')));
    const tag = fc.oneof(part, fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')));
    const type = fc.constantFrom('str', 'int', 'int64', 'float', 'bool', 'time', 'bytes', 'comment', 'blob', '');
    fc.assert(
      fc.property(part, part, tag, type, (data, iv, t, ty) => {
        const value = `ENC[AES256_GCM,data:${data},iv:${iv},tag:${t},type:${ty}]`;
        const decoded = attempt(() => parseEncValue(value));
        const at: number[] = [];
        const located = attempt(() => locateEncParts(value, at));
        expect(located.error).toBe(decoded.error);
        if (decoded.ok && located.ok) {
          const full = decoded.ok as { data: Buffer; iv: Buffer; tag: Buffer; type: string };
          expect(located.ok).toBe(full.type);
          [full.data, full.iv, full.tag].forEach((want, k) => {
            const [start, end] = [at[2 * k]!, at[2 * k + 1]!];
            expect(base64LengthAt(value, start, end)).toBe(want.length);
            const got = Buffer.alloc(want.length);
            decodeBase64At(value, start, end, got, 0);
            expect(got.equals(want)).toBe(true);
          });
        } else expect(at).toHaveLength(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a batch of ENC texts spells every value as formatting it alone does', () => {
    const value = fc.record({
      data: fc.uint8Array({ minLength: 1, maxLength: 50 }),
      iv: fc.uint8Array({ minLength: 1, maxLength: 40 }),
      tag: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      type: fc.constantFrom('str' as const, 'int' as const, 'float' as const, 'bool' as const, 'time' as const, 'comment' as const),
    });
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 10 }), (values) => {
        const dataAt = new Int32Array(values.length);
        const ivAt = new Int32Array(values.length + 1);
        values.forEach((v, i) => {
          dataAt[i] = i === 0 ? 0 : dataAt[i - 1]! + values[i - 1]!.data.length;
          ivAt[i + 1] = ivAt[i]! + v.iv.length;
        });
        const texts = encTexts(
          {
            bytes: Buffer.concat(values.map((v) => v.data)),
            dataAt,
            lengths: Int32Array.from(values.map((v) => v.data.length)),
            tags: Buffer.concat(values.map((v) => v.tag)),
            ivs: { bytes: Buffer.concat(values.map((v) => v.iv)), at: ivAt },
          },
          values.map((v) => v.type),
        );
        expect(texts).toEqual(values.map((v) => formatEncValue(Buffer.from(v.data), v.iv, Buffer.from(v.tag), v.type)));
      }),
      { numRuns: 300 },
    );
  });

  it('a type field naming an inherited property of objects is refused', () => {
    for (const ty of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const value = `ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:${ty}]`;
      expect(thrown(() => parseEncValue(value)).code).toBe('INVALID_ENC_VALUE');
      expect(thrown(() => locateEncParts(value, [])).code).toBe('INVALID_ENC_VALUE');
    }
  });

  it('only the ENC[AES256_GCM,…] shape counts as an encrypted value', () => {
    expect(isEncValue('plain text')).toBe(false);
    expect(isEncValue('ENC[AES128_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]')).toBe(false);
    expect(isEncValue(good + ' ')).toBe(false);
    expect(isEncValue(good)).toBe(true);
  });

  it('error messages never contain the value, the plaintext or the key', () => {
    const messages = [
      thrown(() => decryptValue(good, key, 'other:')).message,
      thrown(() => decryptValue(good.replace('type:str', 'type:zzz'), key, 'db:password:')).message,
      thrown(() => decryptValue(good, Buffer.alloc(31), 'db:password:')).message,
    ];
    for (const m of messages) {
      expect(m).not.toContain(secretText);
      expect(m).not.toContain(parseEncValue(good).data.toString('base64'));
      expect(m).not.toContain(key.toString('base64'));
    }
  });

  it('a data key that is not 32 bytes is refused', () => {
    expect(thrown(() => encryptValue(Buffer.from('x'), 'str', Buffer.alloc(16), 'k:')).code).toBe('INVALID_DATA_KEY');
  });
});
