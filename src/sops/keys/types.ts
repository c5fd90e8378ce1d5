import type { StoredKey } from '../metadata.js';

/**
 * One master key a data key can be wrapped with: an age recipient, a PGP key, a KMS key.
 * Implementations live one per file in this folder; nothing here knows about files or stores.
 */
export interface MasterKey {
  readonly kind: 'age' | 'pgp' | 'kms';
  /** What a user recognises in messages: the recipient, fingerprint or ARN. Never key material. */
  readonly id: string;
  /** Wrap the 32-byte data key for this key. */
  wrap(dataKey: Uint8Array): Promise<StoredKey>;
}

/**
 * Tries to unwrap a stored key with whatever identities the environment provides. Returns the
 * 32-byte data key, or throws an Error whose message says why this key could not be used
 * (no identity, wrong identity, gpg failed …) — never containing key material.
 */
export type KeyUnwrapper = (stored: StoredKey) => Promise<Uint8Array>;
