/**
 * The `sops` metadata block, in memory. Stores serialise it in their own layout (nested map for
 * YAML/JSON, flattened keys for INI/dotenv); `metadata-codec.ts` converts between this and the
 * plain nested object sops writes.
 */

export interface AgeStoredKey {
  readonly kind: 'age';
  readonly recipient: string;
  /** Armored age file holding the data key. */
  readonly enc: string;
}

export interface PgpStoredKey {
  readonly kind: 'pgp';
  readonly fp: string;
  readonly createdAt: string;
  /** Armored OpenPGP message holding the data key. */
  readonly enc: string;
}

export interface KmsStoredKey {
  readonly kind: 'kms';
  readonly arn: string;
  readonly role?: string;
  readonly context?: Readonly<Record<string, string>>;
  readonly awsProfile?: string;
  readonly createdAt: string;
  /** Base64 KMS ciphertext blob. */
  readonly enc: string;
}

/** Keys of kinds this build cannot use (gcp_kms, azure_kv, hc_vault …), kept so they survive a rewrite. */
export interface ForeignStoredKey {
  readonly kind: 'foreign';
  /** sops metadata list name, e.g. 'gcp_kms'. */
  readonly list: string;
  readonly raw: Readonly<Record<string, unknown>>;
}

export type StoredKey = AgeStoredKey | PgpStoredKey | KmsStoredKey | ForeignStoredKey;

/** Which values are encrypted. At most one of the four selectors is set (sops rule). */
export interface EncryptionSelector {
  readonly unencryptedSuffix?: string;
  readonly encryptedSuffix?: string;
  readonly unencryptedRegex?: string;
  readonly encryptedRegex?: string;
  readonly unencryptedCommentRegex?: string;
  readonly encryptedCommentRegex?: string;
  readonly macOnlyEncrypted?: boolean;
}

/**
 * The six selectors: our field name and the name sops writes in metadata and `.sops.yaml`, in the
 * order sops writes them. At most one may be set.
 */
export const SELECTOR_NAMES = [
  ['unencryptedSuffix', 'unencrypted_suffix'],
  ['encryptedSuffix', 'encrypted_suffix'],
  ['unencryptedRegex', 'unencrypted_regex'],
  ['encryptedRegex', 'encrypted_regex'],
  ['unencryptedCommentRegex', 'unencrypted_comment_regex'],
  ['encryptedCommentRegex', 'encrypted_comment_regex'],
] as const;

export interface SopsMetadata {
  /** One inner array per key group. Without key_groups in the file there is exactly one group. */
  readonly keyGroups: readonly (readonly StoredKey[])[];
  /** Present when the file has more than one key group. */
  readonly shamirThreshold?: number;
  /** Exact RFC 3339 string as stored; it is the MAC's authenticated data. */
  readonly lastModified: string;
  /** ENC[...] string of the MAC. */
  readonly mac: string;
  readonly selector: EncryptionSelector;
  readonly version: string;
  /** Whether the file wrote `key_groups` (vs flat kms/pgp/age lists). */
  readonly usesKeyGroups: boolean;
}

export const SOPS_VERSION = '3.9.0';

/** `lastmodified` as sops writes it: RFC 3339, UTC, whole seconds. */
export function lastModifiedNow(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
