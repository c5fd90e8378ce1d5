/**
 * Encrypt and decrypt a whole parsed file in place, computing the MAC on the way, exactly as sops'
 * Tree.Encrypt/Tree.Decrypt: leaves become ENC strings (or back), the AAD of each leaf is its key
 * path, and the MAC hashes every leaf's canonical plaintext in document order.
 */
import { Buffer, isAscii } from 'node:buffer';
import { ExitCode, SealguardError, isSealguardError } from '../../shared/errors.js';
import type { EncryptionSelector } from '../metadata.js';
import type { CommentNode, ParsedFile, ScalarNode, SopsType } from '../tree.js';
import { IV_BYTES, authFailed, checkKey, encTexts, isEncValue, locateEncParts, parseEncValue } from './aes.js';
import { GcmBatch } from './gcm-batch.js';
import { MacHasher, verifyMac } from './mac.js';
import { compileSelector } from './selector.js';
import { walkFile } from './tree-walk.js';
import { macInput, plaintextOf, plaintextTextToScalar, plaintextToScalarAt, type NonNullScalar } from './values.js';

/**
 * Nonces of the values a decrypt opened, keyed by (path AAD, type, plaintext). Re-encrypting with
 * it gives an unchanged value its exact old ciphertext (same key, nonce, AAD and plaintext), so an
 * edit's diff shows only what changed. A value moved to another key has another AAD: no reuse.
 * Safe under a new data key too: the same nonce with another key is a fresh encryption.
 */
export type IvStash = Map<string, Uint8Array>;

/** The stash's key for a value: its AAD, type and the base64 of its plaintext bytes. */
function stashKey(aad: string, type: SopsType, plaintextBase64: string): string {
  return `${aad}\u0000${type}\u0000${plaintextBase64}`;
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
  checkKey(key);
  const select = compileSelector(selector);
  const mac = new MacHasher();
  const previous = options.previous;
  // Values are collected in document order, as columns, and encrypted in one batch after the walk.
  const targets: (ScalarNode | CommentNode)[] = [];
  const plaintexts: (string | Buffer)[] = [];
  const types: SopsType[] = [];
  const aads: string[] = [];
  const ivs: (Uint8Array | undefined)[] = [];
  const queue = (target: ScalarNode | CommentNode, plaintext: string | Buffer, type: SopsType, aad: string): void => {
    const iv = previous?.get(stashKey(aad, type, (typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext).toString('base64')));
    if (iv !== undefined && iv.length === 0) {
      throw new SealguardError('INVALID_ENC_VALUE', 'not a valid sops encrypted value: empty iv', { exitCode: ExitCode.errorEncryptingValue });
    }
    targets.push(target);
    plaintexts.push(plaintext);
    types.push(type);
    aads.push(aad);
    ivs.push(iv);
  };

  walkFile(file, {
    scalar(node, path, comments, aad) {
      try {
        const scalar = node.scalar as NonNullScalar;
        const encrypted = select.value(path, comments);
        if (!select.macOnlyEncrypted || encrypted) mac.add(macInput(scalar));
        if (!encrypted) return;
        const plaintext = plaintextOf(scalar);
        if (plaintext.length === 0) return;
        queue(node, plaintext, scalar.type, aad);
      } catch (e) {
        throw atPath(e, aad, 'ENCRYPT_FAILED', ExitCode.errorEncryptingValue);
      }
    },
    comment(node, path, comments, aad) {
      const text = node.text;
      if (text !== '' && select.comment(path, comments, text)) queue(node, text, 'comment', aad);
      return text;
    },
  });

  const batch = new GcmBatch(key);
  try {
    const texts = encTexts(batch.sealColumns(plaintexts, aads, ivs, IV_BYTES), types);
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as ScalarNode | CommentNode;
      if (target.kind === 'comment') target.text = texts[i] as string;
      else target.scalar = { type: 'str', value: texts[i] as string };
    }
  } finally {
    batch.wipe();
  }
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
  checkKey(key);
  const select = compileSelector(selector);
  const stash: IvStash = new Map();
  // Only a file that will be written again needs its nonces; a plain decrypt skips the bookkeeping.
  const keep = options.keepNonces !== false;
  const warnings: string[] = [];
  const batch = new GcmBatch(key);
  // Values are collected in document order, as columns, and decrypted in one batch after the
  // walk; comments are opened as they come, because later comment selections look at their plaintext.
  const nodes: ScalarNode[] = [];
  const aads: string[] = [];
  const texts: string[] = [];
  /** Six offsets per value: where its data, iv and tag are in its ENC text. */
  const parts: number[] = [];
  const types: SopsType[] = [];
  const macNodes: ScalarNode[] = [];

  try {
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
              types.push(locateEncParts(current.value, parts));
              nodes.push(node);
              aads.push(aad);
              texts.push(current.value);
            }
          }
          if (!select.macOnlyEncrypted || encrypted) macNodes.push(node);
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
        const enc = parseEncValue(text);
        const [plaintext] = batch.open([{ data: enc.data, iv: enc.iv, tag: enc.tag, aad }]);
        if (plaintext) {
          node.text = plaintext.toString('utf8');
          if (keep) stash.set(stashKey(aad, 'comment', plaintext.toString('base64')), enc.iv);
        } else {
          warnings.push(`comment at "${aad}" could not be decrypted; kept as is`);
        }
        return node.text;
      },
    });

    const { plain, at, lengths, ok } = batch.openTextColumns(texts, parts, aads);
    // All ASCII (the usual case): decoded once, each value is then a slice of that text rather
    // than a decode of its own (measured: one native call per value).
    const ascii = isAscii(plain) ? plain.toString('latin1') : undefined;
    for (let i = 0; i < nodes.length; i++) {
      const aad = aads[i] as string;
      if (ok[i] !== 1) throw atPath(authFailed(), aad, 'DECRYPT_FAILED', ExitCode.errorDecryptingValue);
      const type = types[i] as SopsType;
      const start = at[i] as number;
      const end = start + (lengths[i] as number);
      try {
        (nodes[i] as ScalarNode).scalar =
          ascii === undefined ? plaintextToScalarAt(type, plain, start, end) : plaintextTextToScalar(type, ascii.slice(start, end));
      } catch (e) {
        throw atPath(e, aad, 'DECRYPT_FAILED', ExitCode.errorDecryptingValue);
      }
      if (keep) stash.set(stashKey(aad, type, plain.toString('base64', start, end)), Buffer.from((texts[i] as string).slice(parts[6 * i + 2], parts[6 * i + 3]), 'base64'));
    }
  } finally {
    batch.wipe();
  }

  const mac = new MacHasher();
  for (let i = 0; i < macNodes.length; i++) mac.add(macInput((macNodes[i] as ScalarNode).scalar as NonNullScalar));
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
