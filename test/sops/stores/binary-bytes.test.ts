import { describe, expect, it } from 'vitest';
import { createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { binaryStore } from '../../../src/sops/stores/binary.js';
import { encryptTree, decryptTree } from '../../../src/sops/cipher/tree-crypt.js';
import { macBytes, plaintextToScalar, scalarToPlaintext } from '../../../src/sops/cipher/values.js';
import { bytesOfText, isRawBytesText, rawBytesText, type MapEntry, type ParsedFile } from '../../../src/sops/tree.js';

function dataValue(file: ParsedFile): string {
  const entry = file.documents[0]?.items[0] as MapEntry;
  if (entry.value.kind !== 'scalar' || entry.value.scalar.type !== 'str') throw new Error('no data string');
  return entry.value.scalar.value;
}

/** Opens an ENC value with node:crypto only, independently of the cipher module. */
function openEnc(enc: string, key: Uint8Array, aad: string): Buffer {
  const m = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:str\]$/.exec(enc);
  if (!m) throw new Error('not a str ENC value');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(m[2] as string, 'base64'));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(Buffer.from(m[3] as string, 'base64'));
  return Buffer.concat([d.update(Buffer.from(m[1] as string, 'base64')), d.final()]);
}

describe('raw bytes in the string-based tree', () => {
  it('valid UTF-8 (a BOM and CRLF included) stays plain text, as before', () => {
    const bytes = Buffer.from('\uFEFFline\r\n\u00e9\u{10000}\n', 'utf8');
    const text = rawBytesText(bytes);
    expect(text).toBe(bytes.toString('utf8'));
    expect(isRawBytesText(text)).toBe(false);
    expect(bytesOfText(text).equals(bytes)).toBe(true);
  });

  it('text starting with a character outside the BMP (a surrogate pair) is not taken for raw bytes', () => {
    expect(isRawBytesText('\u{10000}abc')).toBe(false);
    expect(scalarToPlaintext({ type: 'str', value: '\u{10000}' }).plaintext.equals(Buffer.from('\u{10000}', 'utf8'))).toBe(true);
  });

  it('bytes that are not UTF-8 are kept one for one and come back exactly (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = rawBytesText(bytes);
        expect(bytesOfText(text).equals(Buffer.from(bytes))).toBe(true);
        expect(isRawBytesText(text)).toBe(!Buffer.from(bytes).equals(Buffer.from(Buffer.from(bytes).toString('utf8'), 'utf8')));
      }),
    );
  });

  it('the cipher encrypts and MACs the raw bytes, and a decrypted value that is not UTF-8 keeps its bytes', () => {
    const bytes = Buffer.from([0x61, 0xff, 0x00, 0xc3]);
    const scalar = { type: 'str', value: rawBytesText(bytes) } as const;
    expect(scalarToPlaintext(scalar).plaintext.equals(bytes)).toBe(true);
    expect(macBytes(scalar).equals(bytes)).toBe(true);
    const back = plaintextToScalar('str', bytes);
    expect(back.type === 'str' && bytesOfText(back.value).equals(bytes)).toBe(true);
  });
});

describe('binary store with bytes of any value', () => {
  it('parse → encrypt → decrypt → emit gives back the file bytes; the ENC plaintext and MAC are over the raw bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
        const key = randomBytes(32);
        const parsed = binaryStore.parse(rawBytesText(bytes));
        expect(parsed.metadata).toBeUndefined();
        const { mac } = encryptTree(parsed.file, key, {});
        expect(mac).toBe(createHash('sha512').update(bytes).digest('hex').toUpperCase());
        expect(openEnc(dataValue(parsed.file), key, 'data:').equals(Buffer.from(bytes))).toBe(true);
        const dec = decryptTree(parsed.file, key, {});
        expect(dec.mac).toBe(mac);
        expect(bytesOfText(binaryStore.emit(parsed.file)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('an encrypted envelope is still recognised after being read as bytes', () => {
    const key = randomBytes(32);
    const parsed = binaryStore.parse(rawBytesText(Buffer.from([0xde, 0xad, 0xbe, 0xef])));
    encryptTree(parsed.file, key, {});
    const envelope = binaryStore.emit(parsed.file, { version: '3.9.0' });
    expect(binaryStore.parse(rawBytesText(Buffer.from(envelope, 'utf8'))).metadata).toBeDefined();
  });
});
