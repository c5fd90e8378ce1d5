/**
 * Encrypt → text → parse → decrypt through one store with a fresh data key, the way file.ts does
 * it but without key wrapping, so store tests can check what a user gets back.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decryptTreeVerified, encryptMac, encryptTree } from '../../../src/sops/cipher/index.js';
import type { EncryptionSelector, SopsMetadata } from '../../../src/sops/metadata.js';
import { metadataFromObject, metadataToObject } from '../../../src/sops/metadata-codec.js';
import type { Store } from '../../../src/sops/stores/types.js';
import type { ParsedFile } from '../../../src/sops/tree.js';
import { vectorDataKey } from '../../helpers/sops-vectors.js';

export const VECTORS = path.resolve(import.meta.dirname, '../../../../shared/sops-vectors');
export const readVectorText = (name: string): string => readFileSync(path.join(VECTORS, name), 'utf8');

/** An armored age stanza look-alike: multi-line, as real `enc` values are. */
const FAKE_AGE_ENC = ['-----BEGIN AGE ENCRYPTED FILE-----', 'YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBmYWtl', '-----END AGE ENCRYPTED FILE-----', ''].join('\n');

export function metadataFor(mac: string, key: Uint8Array, selector: EncryptionSelector, lastModified = '2026-01-02T03:04:05Z'): SopsMetadata {
  return {
    keyGroups: [[{ kind: 'age', recipient: 'age1' + 'q'.repeat(58), enc: FAKE_AGE_ENC }]],
    lastModified,
    mac: encryptMac(mac, key, lastModified),
    selector,
    version: '3.13.2',
    usesKeyGroups: false,
  };
}

export interface Encrypted {
  readonly text: string;
  readonly key: Buffer;
}

export function encryptWith(store: Store, plaintext: string, selector: EncryptionSelector = { unencryptedSuffix: '_unencrypted' }): Encrypted {
  const key = randomBytes(32);
  const parsed = store.parse(plaintext);
  const { mac } = encryptTree(parsed.file, key, selector);
  return { text: store.emit(parsed.file, metadataToObject(metadataFor(mac, key, selector))), key };
}

/** Parse an encrypted text and decrypt it in place, MAC checked. */
export function openWith(store: Store, text: string, key: Uint8Array): { file: ParsedFile; metadata: SopsMetadata } {
  const parsed = store.parse(text);
  if (!parsed.metadata) throw new Error('no metadata');
  const metadata = metadataFromObject(parsed.metadata);
  decryptTreeVerified(parsed.file, key, { mac: metadata.mac, lastModified: metadata.lastModified, selector: metadata.selector });
  return { file: parsed.file, metadata };
}

export function roundTrip(store: Store, plaintext: string): { encrypted: string; decrypted: string } {
  const { text, key } = encryptWith(store, plaintext);
  const { file } = openWith(store, text, key);
  return { encrypted: text, decrypted: store.emit(file) };
}

/** Decrypt an upstream vector with its real data key (unwrapped by gpg). */
export async function openVector(store: Store, name: string): Promise<{ file: ParsedFile; metadata: SopsMetadata; text: string }> {
  const text = readVectorText(name);
  const key = await vectorDataKey(name);
  return { ...openWith(store, text, key), text };
}

/** The tree without store-private origins, for readable comparisons. */
export function shape(file: ParsedFile): unknown {
  return JSON.parse(JSON.stringify(file.documents, (k, v: unknown) => (k === 'origin' ? undefined : v)));
}
