/**
 * Encrypt and decrypt a whole parsed file in place, computing the MAC on the way, exactly as sops'
 * Tree.Encrypt/Tree.Decrypt: leaves become ENC strings (or back), the AAD of each leaf is its key
 * path, and the MAC hashes every leaf's canonical plaintext in document order.
 */
import { Buffer } from 'node:buffer';
import { ExitCode, SealguardError, isSealguardError } from '../../shared/errors.js';
import type { EncryptionSelector } from '../metadata.js';
import type { ParsedFile, SopsType } from '../tree.js';
import { decryptValue, encryptValue, isEncValue } from './aes.js';
import { MacHasher, verifyMac } from './mac.js';
import { compileSelector } from './selector.js';
import { walkFile } from './tree-walk.js';
import { macInput, plaintextToScalar, scalarToPlaintext, type NonNullScalar } from './values.js';

/**
 * Nonces of the values a decrypt opened, keyed by (path AAD, type, plaintext). Re-encrypting with
 * it gives an unchanged value its exact old ciphertext (same key, nonce, AAD and plaintext), so an
 * edit's diff shows only what changed. A value moved to another key has another AAD: no reuse.
 * Safe under a new data key too: the same nonce with another key is a fresh encryption.
 */
export type IvStash = Map<string, Uint8Array>;

function stashKey(aad: string, type: SopsType, plaintext: Buffer): string {
  return `${aad}\u0000${type}\u0000${plaintext.toString('base64')}`;
}

export interface EncryptTreeOptions {
  /** From `decryptTree`: reuse the nonce of values that did not change. */
  readonly previous?: IvStash;
}

export interface EncryptTreeResult {
  /** Plaintext MAC (upper-case hex SHA-512); encrypt it with `encryptMac`. */
  readonly mac: string;
}

export interface DecryptTreeResult {
  /** MAC recomputed from the decrypted values; compare with the stored one (`verifyMac`). */
  readonly mac: string;
  /** Nonces to pass back to `encryptTree` so unchanged values keep their ciphertext. */
  readonly stash: IvStash;
  /** Comments that could not be decrypted and were kept as they are (sops does the same). No text. */
  readonly warnings: readonly string[];
}

/** Prefix an error from a leaf with the leaf's key path (keys are plaintext in the file; values never appear). */
function atPath(e: unknown, aad: string, fallbackCode: string, exitCode: number): SealguardError {
  if (isSealguardError(e)) {
    return new SealguardError(e.code, `${e.message} (at "${aad}")`, { exitCode: e.exitCode, details: e.details, cause: e });
  }
  return new SealguardError(fallbackCode, `cannot process the value at "${aad}"`, { exitCode, cause: e });
}

/**
 * Encrypt every selected leaf of `file` in place and return the MAC of the plaintext.
 * Empty strings and empty comments stay empty; nulls are untouched.
 */
export function encryptTree(
  file: ParsedFile,
  key: Uint8Array,
  selector: EncryptionSelector,
  options: EncryptTreeOptions = {},
): EncryptTreeResult {
  const select = compileSelector(selector);
  const mac = new MacHasher();
  const seal = (plaintext: Buffer, type: SopsType, aad: string): string =>
    encryptValue(plaintext, type, key, aad, options.previous?.get(stashKey(aad, type, plaintext)));

  walkFile(file, {
    scalar(node, path, comments, aad) {
      try {
        const scalar = node.scalar as NonNullScalar;
        const encrypted = select.value(path, comments);
        if (!select.macOnlyEncrypted || encrypted) mac.add(macInput(scalar));
        if (!encrypted) return;
        const { type, plaintext } = scalarToPlaintext(scalar);
        if (plaintext.length === 0) return;
        node.scalar = { type: 'str', value: seal(plaintext, type, aad) };
      } catch (e) {
        throw atPath(e, aad, 'ENCRYPT_FAILED', ExitCode.errorEncryptingValue);
      }
    },
    comment(node, path, comments, aad) {
      const text = node.text;
      if (text !== '' && select.comment(path, comments, text)) {
        node.text = seal(Buffer.from(text, 'utf8'), 'comment', aad);
      }
      return text;
    },
  });
  return { mac: mac.digest() };
}

/**
 * Decrypt every selected leaf of `file` in place and return the recomputed MAC. Does not check
 * it: use `decryptTreeVerified` (or `verifyMac`) before showing any plaintext.
 */
export function decryptTree(
  file: ParsedFile,
  key: Uint8Array,
  selector: EncryptionSelector,
  options: { readonly keepNonces?: boolean } = {},
): DecryptTreeResult {
  const select = compileSelector(selector);
  const mac = new MacHasher();
  const stash: IvStash = new Map();
  // Only a file that will be written again needs its nonces; a plain decrypt skips the bookkeeping.
  const keep = options.keepNonces !== false;
  const warnings: string[] = [];

  walkFile(file, {
    scalar(node, path, comments, aad) {
      try {
        const encrypted = select.value(path, comments);
        if (encrypted) {
          const current = node.scalar;
          if (current.type !== 'str') {
            throw new SealguardError('NOT_ENCRYPTED', `a ${current.type} value is not encrypted but should be`, {
              exitCode: ExitCode.errorDecryptingValue,
            });
          }
          if (current.value !== '') {
            const opened = decryptValue(current.value, key, aad);
            node.scalar = plaintextToScalar(opened.type, opened.plaintext);
            if (keep) stash.set(stashKey(aad, opened.type, opened.plaintext), opened.iv);
          }
        }
        if (!select.macOnlyEncrypted || encrypted) mac.add(macInput(node.scalar as NonNullScalar));
      } catch (e) {
        throw atPath(e, aad, 'DECRYPT_FAILED', ExitCode.errorDecryptingValue);
      }
    },
    comment(node, path, comments, aad) {
      const text = node.text;
      if (text === '') return text;
      const selected = select.comment(path, comments, text);
      if (!isEncValue(text)) {
        if (selected) warnings.push(`comment at "${aad}" is not encrypted; kept as is`);
        return text;
      }
      // Decide on the ciphertext's authenticity, not on the selector: a comment selector may
      // happen to match the ENC text itself (e.g. a regex "e"), which would hide a real comment.
      try {
        const opened = decryptValue(text, key, aad);
        node.text = opened.plaintext.toString('utf8');
        if (keep) stash.set(stashKey(aad, 'comment', opened.plaintext), opened.iv);
      } catch {
        warnings.push(`comment at "${aad}" could not be decrypted; kept as is`);
      }
      return node.text;
    },
  });
  return { mac: mac.digest(), stash, warnings };
}

export interface StoredMac {
  /** ENC[...] of the MAC, from the metadata. */
  readonly mac: string;
  /** Exact lastmodified string, from the metadata. */
  readonly lastModified: string;
  readonly selector: EncryptionSelector;
}

/**
 * Decrypt `file` in place and check its MAC; throws MAC_MISMATCH (exit 51) unless `ignoreMac`.
 * On a throw the caller must discard `file`: it may hold plaintext.
 */
export function decryptTreeVerified(
  file: ParsedFile,
  key: Uint8Array,
  stored: StoredMac,
  options: { readonly ignoreMac?: boolean; readonly keepNonces?: boolean } = {},
): DecryptTreeResult {
  const result = decryptTree(file, key, stored.selector, { keepNonces: options.keepNonces });
  if (options.ignoreMac !== true) verifyMac(result.mac, stored.mac, key, stored.lastModified);
  return result;
}

/** MAC of a plaintext tree without encrypting it (e.g. to tell whether an edit changed anything). */
export function plaintextMac(file: ParsedFile, selector: EncryptionSelector): string {
  const select = compileSelector(selector);
  const mac = new MacHasher();
  walkFile(file, {
    scalar(node, path, comments) {
      if (!select.macOnlyEncrypted || select.value(path, comments)) mac.add(macInput(node.scalar as NonNullScalar));
    },
    comment: (node) => node.text,
  });
  return mac.digest();
}
