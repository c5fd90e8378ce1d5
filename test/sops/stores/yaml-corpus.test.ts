import { describe, expect, test } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { yamlStore } from '../../../src/sops/stores/yaml.js';
import { FAKE_METADATA, fakeDecrypt, fakeEncrypt, trail, values } from './yaml-helpers.js';

const CORPUS = path.resolve(import.meta.dirname, '../../fixtures/yaml-corpus');
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();

/**
 * Files whose decrypted bytes cannot match: the spelling lost is not part of the value, and only
 * the value travels inside ENC. Each still round-trips in meaning (checked below).
 */
const INEXACT: Record<string, string> = {
  'sops-config.yaml': 'a folded (>) scalar wrapped by hand: where the lines were wrapped is not part of the value',
};

describe('YAML corpus round trip', () => {
  test('the corpus has at least 20 files', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  test.each(files)('%s: parse then emit without changes gives the file back byte for byte', (name) => {
    const text = readFileSync(path.join(CORPUS, name), 'utf8');
    const { file, metadata } = yamlStore.parse(text);
    expect(metadata).toBeUndefined();
    expect(yamlStore.emit(file)).toBe(text);
  });

  test.each(files)('%s: encrypt, re-read, decrypt gives the file back byte for byte', (name) => {
    const text = readFileSync(path.join(CORPUS, name), 'utf8');
    const plain = yamlStore.parse(text).file;
    const before = values(plain);
    const places = trail(plain);
    const changed = fakeEncrypt(plain);
    expect(changed).toBeGreaterThan(0);
    const encrypted = yamlStore.emit(plain, FAKE_METADATA);

    const reread = yamlStore.parse(encrypted);
    expect(reread.metadata).toEqual(FAKE_METADATA);
    // Same leaves and comments under the same paths: the AAD used to decrypt matches encryption.
    expect(trail(reread.file)).toEqual(places);
    expect(fakeDecrypt(reread.file)).toBe(changed);
    const decrypted = yamlStore.emit(reread.file);
    expect(values(yamlStore.parse(decrypted).file)).toEqual(before);
    if (INEXACT[name] === undefined) expect(decrypted).toBe(text);
    else expect(decrypted).not.toBe(text);
  });
});
