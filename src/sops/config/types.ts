import type { EncryptionSelector } from '../metadata.js';

/** An AWS KMS key as a `.sops.yaml` names it. */
export interface KmsKeySpec {
  readonly arn: string;
  readonly role?: string;
  readonly context?: Readonly<Record<string, string>>;
  readonly awsProfile?: string;
}

/** The keys of one key group (or of a rule's flat key lists). */
export interface KeyGroupSpec {
  readonly age: readonly string[];
  readonly pgp: readonly string[];
  readonly kms: readonly KmsKeySpec[];
  /** Key kinds present that this build cannot use (e.g. 'gcp_kms', 'azure_keyvault'); their values are not kept. */
  readonly unsupported: readonly string[];
}

/**
 * One `creation_rules` entry. Flat `age`/`pgp`/`kms` are always parsed; as in sops they are only
 * used when the rule has no (non-empty) `key_groups`.
 */
export interface CreationRule extends KeyGroupSpec {
  /** 0-based position in `creation_rules`; messages say `creation_rules[index]`. */
  readonly index: number;
  /** 1-based line of the rule in the config file, when known. */
  readonly line?: number;
  /** Unanchored RE2 pattern; undefined (or empty in the file) matches every path. */
  readonly pathRegex?: string;
  readonly awsProfile?: string;
  /** Present when the rule has a non-empty `key_groups` (sops ignores an empty one). */
  readonly keyGroups?: readonly KeyGroupSpec[];
  readonly shamirThreshold?: number;
  /** Selector and comment settings, in the same shape as the file metadata. */
  readonly selector: EncryptionSelector;
}

export interface SopsConfig {
  /** Absolute path of the `.sops.yaml`. */
  readonly path: string;
  /** Absolute folder of the config: `path_regex` is matched on paths relative to it. */
  readonly dir: string;
  /** False when the file has no `creation_rules` key (sops then behaves as if there were no config). */
  readonly hasCreationRules: boolean;
  readonly creationRules: readonly CreationRule[];
  /** Problems that do not stop sops but probably are mistakes (unknown keys …), for the CLI to show. */
  readonly warnings: readonly string[];
}

export interface RuleMatch {
  readonly rule: CreationRule;
  readonly index: number;
  /** The path the rule's regex was matched against ('/' separators, relative to the config's folder). */
  readonly matchedPath: string;
}
