/**
 * An open encrypted file that will be written again: edit, set, unset, updatekeys, rotate and the
 * git merge driver. Opening recovers the data key and decrypts in memory (MAC verified); sealing
 * re-encrypts a changed tree with the same data key, so every value the user did not change keeps
 * its exact ciphertext and the git diff shows only real changes.
 */
import { randomBytes } from 'node:crypto';
import { ExitCode, SealguardError } from '../shared/errors.js';
import type { SopsMetadata, StoredKey } from './metadata.js';
import { SOPS_VERSION, lastModifiedNow } from './metadata.js';
import { metadataFromObject, metadataToObject } from './metadata-codec.js';
import { decryptTreeVerified, encryptMac, encryptTree, type IvStash } from './cipher/index.js';
import { unwrapDataKey } from './keys/unwrap.js';
import type { Store, StoreFormat } from './stores/types.js';
import { formatFromPath, storeFor } from './stores/index.js';
import type { ParsedFile } from './tree.js';

export interface OpenOptions {
  /** Read as this format instead of the one the file name implies. */
  readonly inputType?: StoreFormat;
  readonly ignoreMac?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Only reading: skip remembering nonces for unchanged values (seal then gives fresh ciphertext). */
  readonly readOnly?: boolean;
}

export interface SealOptions {
  /** Write in another format than the file was read in. */
  readonly store?: Store;
  readonly now?: Date;
  /** New wrapped keys (updatekeys, rotate); default: the file's own. */
  readonly keyGroups?: readonly (readonly StoredKey[])[];
  readonly shamirThreshold?: number;
  /** A new data key (rotate); `keyGroups` must then wrap this key. Unchanged values still get fresh ciphertext. */
  readonly dataKey?: Uint8Array;
}

export interface SopsSession {
  /** The decrypted tree as opened. Callers may change it or parse a new one and pass it to `seal`. */
  readonly file: ParsedFile;
  readonly metadata: SopsMetadata;
  /** The store the file was read with. */
  readonly store: Store;
  /** Things the user should know (undecryptable comments …). No values. */
  readonly warnings: readonly string[];
  /** Re-encrypt `tree` (mutated in place) and render it with the metadata. */
  seal(tree: ParsedFile, options?: SealOptions): string;
  /** Run `fn` with the data key (e.g. to wrap it for new recipients). Do not keep the key. */
  withDataKey<T>(fn: (dataKey: Uint8Array) => T): T;
  /** Zero the data key. The session cannot seal afterwards. */
  close(): void;
}

/** A fresh 32-byte data key, for `rotate`. */
export function newDataKey(): Uint8Array {
  return randomBytes(32);
}

/** The unwrap started from the store's metadata hint, and the hint it was started from. */
function earlyUnwrap(store: Store, text: string, env: NodeJS.ProcessEnv): { key: Promise<Uint8Array>; seen: string } | undefined {
  const hint = store.peekMetadata?.(text);
  if (hint === undefined) return undefined;
  let metadata: SopsMetadata;
  try {
    metadata = metadataFromObject(hint);
  } catch {
    return undefined;
  }
  const key = unwrapDataKey(metadata, env);
  // Not awaited on every path before it settles; its error, if it is used, is awaited there.
  key.catch(() => undefined);
  return { key, seen: JSON.stringify(hint) };
}

/** Wait for an unwrap that will not be used and zero the key it gives. */
async function discardKey(key: Promise<Uint8Array> | undefined): Promise<void> {
  if (key === undefined) return;
  try {
    (await key).fill(0);
  } catch {
    // Its error is not the one to report.
  }
}

/**
 * Open `text` (the content of `file`) for rewriting. Throws before returning anything when a value,
 * the MAC or the key cannot be trusted. Call `close()` when done, on every path.
 */
export async function openSession(text: string, file: string, opts: OpenOptions = {}): Promise<SopsSession> {
  const store = storeFor(opts.inputType ?? formatFromPath(file));
  const env = opts.env ?? process.env;
  // The data key is recovered while the file is parsed when the store can find the metadata
  // alone: gpg or KMS then works alongside the parse (measured: gpg took about 40 ms after it).
  const early = earlyUnwrap(store, text, env);
  let metadata: SopsMetadata;
  let parsed: ReturnType<Store['parse']>;
  try {
    parsed = store.parse(text);
    if (parsed.metadata === undefined) {
      throw new SealguardError('NOT_ENCRYPTED', `${file} has no sops metadata: it is not encrypted`, { exitCode: ExitCode.notEncrypted });
    }
    metadata = metadataFromObject(parsed.metadata);
  } catch (e) {
    await discardKey(early?.key);
    throw e;
  }
  let keyPromise: Promise<Uint8Array>;
  if (early !== undefined && early.seen === JSON.stringify(parsed.metadata)) keyPromise = early.key;
  else {
    await discardKey(early?.key);
    keyPromise = unwrapDataKey(metadata, env);
  }
  // A view, not a copy: zeroing dataKey then clears the bytes unwrapDataKey returned, not only a copy of them.
  const raw = await keyPromise;
  const dataKey = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let stash: IvStash;
  let warnings: readonly string[];
  try {
    const result = decryptTreeVerified(
      parsed.file,
      dataKey,
      { mac: metadata.mac, lastModified: metadata.lastModified, selector: metadata.selector },
      { ignoreMac: opts.ignoreMac, keepNonces: opts.readOnly !== true },
    );
    stash = result.stash;
    warnings = result.warnings;
  } catch (e) {
    dataKey.fill(0);
    throw e;
  }
  let open = true;
  const liveKey = (): Buffer => {
    if (!open) throw new SealguardError('INTERNAL', 'the sops session was already closed');
    return dataKey;
  };

  return {
    file: parsed.file,
    metadata,
    store,
    warnings,
    seal(tree: ParsedFile, options: SealOptions = {}): string {
      const key = options.dataKey ?? liveKey();
      const lastModified = lastModifiedNow(options.now);
      // Nonce reuse is only for the same key: under a new key every value gets a fresh nonce.
      const { mac } = encryptTree(tree, key, metadata.selector, { previous: options.dataKey ? undefined : stash });
      const sealed: SopsMetadata = {
        ...metadata,
        keyGroups: options.keyGroups ?? metadata.keyGroups,
        shamirThreshold: options.keyGroups ? options.shamirThreshold : metadata.shamirThreshold,
        lastModified,
        mac: encryptMac(mac, key, lastModified),
        version: SOPS_VERSION,
      };
      return (options.store ?? store).emit(tree, metadataToObject(sealed));
    },
    withDataKey<T>(fn: (dataKey: Uint8Array) => T): T {
      return fn(liveKey());
    },
    close(): void {
      open = false;
      dataKey.fill(0);
    },
  };
}
