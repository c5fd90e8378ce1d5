import { describe, expect, test } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { decryptTree, encryptTree } from '../../../src/sops/cipher/index.js';
import { yamlStore } from '../../../src/sops/stores/yaml.js';
import { FAKE_METADATA, trail } from './yaml-helpers.js';

const CORPUS = path.resolve(import.meta.dirname, '../../fixtures/yaml-corpus');
const INEXACT = new Set(['sops-config.yaml']);
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml') && !INEXACT.has(f)).sort();
const selector = { unencryptedSuffix: '_unencrypted' };

describe('YAML store with the real cipher', () => {
  test.each(files)('%s: sealguard decrypt of sealguard encrypt gives the file back byte for byte', (name) => {
    const text = readFileSync(path.join(CORPUS, name), 'utf8');
    const key = randomBytes(32);
    const plain = yamlStore.parse(text).file;
    const places = trail(plain);
    const { mac } = encryptTree(plain, key, selector);
    const encrypted = yamlStore.emit(plain, FAKE_METADATA);
    expect(encrypted).toContain('ENC[AES256_GCM,');

    const reread = yamlStore.parse(encrypted);
    expect(trail(reread.file)).toEqual(places);
    const result = decryptTree(reread.file, key, selector);
    expect(result.mac).toBe(mac);
    expect(result.warnings).toEqual([]);
    expect(yamlStore.emit(reread.file)).toBe(text);
  });
});
