import { afterAll, describe, expect, test } from 'vitest';
import { binaryStore } from '../../../src/sops/stores/binary.js';
import { caught } from '../../helpers/errors.js';
import { disposeVectorKeys } from '../../helpers/sops-vectors.js';
import { encryptWith, openVector, openWith, roundTrip } from './store-roundtrip.js';

afterAll(disposeVectorKeys);

describe('binary files', () => {
  test('example.txt (sops 3.5.0) decrypts to its text, two trailing newlines included', async () => {
    const { file } = await openVector(binaryStore, 'example.txt');
    const out = binaryStore.emit(file);
    expect(out.startsWith('Welcome to SOPS!')).toBe(true);
    expect(out.endsWith('\n\n')).toBe(true);
    expect(out.endsWith('\n\n\n')).toBe(false);
  });

  test('the whole content is one "data" string inside a JSON envelope with the sops object', () => {
    const plain = 'line 1\r\nno final newline \u00e9\u{1F600}\ttab';
    const { text, key } = encryptWith(binaryStore, plain);
    const json = JSON.parse(text) as { data: string; sops: { mac: string } };
    expect(Object.keys(json)).toEqual(['data', 'sops']);
    expect(json.data).toMatch(/^ENC\[AES256_GCM,data:[^\]]*,type:str\]$/);
    expect(binaryStore.emit(openWith(binaryStore, text, key).file)).toBe(plain);
  });

  test('content that looks like JSON, or is empty, round-trips byte for byte', () => {
    for (const plain of ['{"a": 1}\n', '', '\n\n', '{"sops": 1}']) {
      expect(roundTrip(binaryStore, plain).decrypted).toBe(plain);
    }
  });

  test('a plain file is not mistaken for an encrypted one', () => {
    expect(binaryStore.parse('{"data": "x"}').metadata).toBeUndefined();
    expect(binaryStore.parse('not json').metadata).toBeUndefined();
  });

  test('writing a tree without a "data" key as binary says what is missing', async () => {
    const err = await caught(() => binaryStore.emit({ documents: [{ kind: 'map', items: [] }] }));
    expect(err.message).toContain('"data"');
  });
});
