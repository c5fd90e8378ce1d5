/**
 * The file MAC: SHA-512 (hex, upper case) of the canonical plaintext of every leaf, stored
 * encrypted as a `str` with the exact `lastmodified` string as authenticated data, so neither the
 * values nor the timestamp can change unnoticed.
 */
import { Buffer } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { ExitCode, SealguardError } from '../../shared/errors.js';
import { decryptValue, encryptValue } from './aes.js';

/** Characters of text gathered before they go to the hash in one call. */
const FLUSH_AT = 16384;

export class MacHasher {
  readonly #hash: Hash = createHash('sha512');
  /**
   * Texts not yet hashed. The hash of a sequence of inputs is that of their concatenation, so
   * many short values go to native code in one call rather than one call each.
   */
  #pending = '';

  /** Hash bytes, or a string's UTF-8 bytes (no Buffer needed for the common case). */
  add(data: Uint8Array | string): void {
    if (typeof data === 'string') {
      this.#pending += data;
      if (this.#pending.length >= FLUSH_AT) this.#flush();
      return;
    }
    this.#flush();
    this.#hash.update(data);
  }

  #flush(): void {
    if (this.#pending === '') return;
    this.#hash.update(this.#pending, 'utf8');
    this.#pending = '';
  }

  /** Upper-case hex, as sops formats it (`%X`). */
  digest(): string {
    this.#flush();
    return this.#hash.digest('hex').toUpperCase();
  }
}

/** Encrypt a MAC for the metadata's `mac` field. `iv` only for tests. */
export function encryptMac(mac: string, key: Uint8Array, lastModified: string, iv?: Uint8Array): string {
  return encryptValue(Buffer.from(mac, 'utf8'), 'str', key, lastModified, iv);
}

function macError(message: string): SealguardError {
  return new SealguardError('MAC_MISMATCH', message, { exitCode: ExitCode.macMismatch });
}

/** Decrypt the stored MAC. Throws MAC_MISMATCH when it cannot be opened (tampered MAC or lastmodified). */
export function decryptMac(encMac: string, key: Uint8Array, lastModified: string): string {
  try {
    return decryptValue(encMac, key, lastModified).plaintext.toString('utf8');
  } catch {
    throw macError('cannot decrypt the stored MAC: the mac or lastmodified metadata was altered, or the data key is wrong');
  }
}

/** Compare a recomputed MAC with the stored one. Throws MAC_MISMATCH (exit 51) when they differ. */
export function verifyMac(computed: string, encMac: string, key: Uint8Array, lastModified: string): void {
  const stored = decryptMac(encMac, key, lastModified);
  if (stored.toUpperCase() !== computed.toUpperCase()) {
    throw macError('MAC mismatch: the file was modified outside sealguard/sops (values, their order or their keys changed)');
  }
}
