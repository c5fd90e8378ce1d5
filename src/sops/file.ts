/**
 * The one sops module that joins config, keys, cipher and stores: text in, text out. Reading and
 * writing files is the CLI's job; nothing here prints.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ExitCode, SealguardError } from '../shared/errors.js';
import type { EncryptionSelector, SopsMetadata } from './metadata.js';
import { SOPS_VERSION, lastModifiedNow } from './metadata.js';
import { metadataFromObject, metadataToObject } from './metadata-codec.js';
import { decryptTreeVerified, encryptMac, encryptTree, selectorsInUse } from './cipher/index.js';
import { lookupSopsConfig, loadSopsConfig, matchCreationRule, type RuleMatch, type SopsConfig } from './config/index.js';
import { masterKeyGroupsFromRule, masterKeysFrom, type MasterKeyFlags } from './keys/master-keys.js';
import { unwrapDataKey } from './keys/unwrap.js';
import { shamirThresholdFor, wrapDataKeyForGroups } from './keys/wrap.js';
import type { MasterKey } from './keys/types.js';
import type { Store, StoreFormat } from './stores/types.js';
import { formatFromPath, storeFor } from './stores/index.js';
import { scalarText } from './stores/scalar-text.js';
import type { ParsedFile, TreeNode } from './tree.js';
import { nodeAtPath, parseTreePath } from './tree-path.js';
import { openSession, type OpenOptions } from './session.js';

export { formatFromPath, storeFor } from './stores/index.js';

export interface EncryptOptions {
  readonly inputType?: StoreFormat;
  readonly outputType?: StoreFormat;
  /** Keys from flags; when none are given, the matching creation rule decides. */
  readonly keys?: MasterKeyFlags;
  /** `--shamir-secret-sharing-threshold`; overrides the creation rule's `shamir_threshold`. */
  readonly shamirThreshold?: number;
  /** Selector flags; override the creation rule's. */
  readonly selector?: EncryptionSelector;
  /** An explicit `.sops.yaml`, instead of searching up from the file. */
  readonly configPath?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: Date;
}

export interface SopsResult {
  readonly output: string;
  /** Things the user should know that did not stop the command (config warnings …). No values. */
  readonly warnings: readonly string[];
}

export { lastModifiedNow } from './metadata.js';

function loadConfigFor(file: string, explicit: string | undefined): { config?: SopsConfig; warnings: string[] } {
  if (explicit) {
    const config = loadSopsConfig(explicit);
    return { config, warnings: [...config.warnings] };
  }
  const lookup = lookupSopsConfig(path.dirname(path.resolve(file)));
  const warnings = lookup.warning ? [lookup.warning] : [];
  if (!lookup.path) return { warnings };
  const config = loadSopsConfig(lookup.path);
  return { config, warnings: [...warnings, ...config.warnings] };
}

/** The creation rule for `file`, if a `.sops.yaml` applies to it. */
export function creationRuleFor(file: string, configPath?: string): { match?: RuleMatch; config?: SopsConfig; warnings: string[] } {
  const { config, warnings } = loadConfigFor(file, configPath);
  if (!config || !config.hasCreationRules) return { config, warnings };
  return { config, match: matchCreationRule(config, file), warnings };
}

function hasSelector(s: EncryptionSelector | undefined): boolean {
  return s !== undefined && Object.values(s).some((v) => v !== undefined);
}

/** Encrypt `text` (the content of `file`) and return the encrypted document. */
export async function encryptText(text: string, file: string, opts: EncryptOptions = {}): Promise<SopsResult> {
  const env = opts.env ?? process.env;
  const inStore = storeFor(opts.inputType ?? formatFromPath(file));
  const outStore = storeFor(opts.outputType ?? opts.inputType ?? formatFromPath(file));
  const parsed = inStore.parse(text);
  if (parsed.metadata !== undefined) {
    throw new SealguardError('ALREADY_ENCRYPTED', `${file} is already encrypted`, { exitCode: ExitCode.alreadyEncrypted });
  }

  let groups: MasterKey[][];
  let selector: EncryptionSelector = opts.selector ?? {};
  let shamirThreshold: number | undefined;
  const warnings: string[] = [];
  const fromFlags = masterKeysFrom(opts.keys ?? {}, env);
  if (fromFlags.length > 0) {
    groups = [fromFlags];
    if (!hasSelector(opts.selector)) {
      // Selectors still come from the matching rule when only the keys were given on the command line.
      const { match, warnings: w } = creationRuleFor(file, opts.configPath);
      warnings.push(...w);
      if (match) selector = match.rule.selector;
    }
  } else {
    const { match, config, warnings: w } = creationRuleFor(file, opts.configPath);
    warnings.push(...w);
    if (!match) {
      const why = config ? `no creation rule in ${config.path} matches ${file}` : 'no .sops.yaml was found';
      throw new SealguardError('NO_MASTER_KEYS', `no keys to encrypt with: ${why}; pass --age, --pgp or --kms, or set SOPS_AGE_RECIPIENTS`, {
        exitCode: ExitCode.noMasterKeys,
      });
    }
    groups = masterKeyGroupsFromRule(match.rule, env);
    if (!hasSelector(opts.selector)) selector = match.rule.selector;
    shamirThreshold = match.rule.shamirThreshold;
  }
  if (groups.length === 0 || groups.every((g) => g.length === 0)) {
    throw new SealguardError('NO_MASTER_KEYS', 'no keys to encrypt with: the matching creation rule names none', {
      exitCode: ExitCode.noMasterKeys,
    });
  }
  // As sops: --shamir-secret-sharing-threshold wins over the rule's shamir_threshold.
  shamirThreshold = shamirThresholdFor(groups.length, opts.shamirThreshold ?? shamirThreshold);
  if (selectorsInUse(selector).length > 1) {
    throw new SealguardError('SELECTOR_CONFLICT', `only one of ${selectorsInUse(selector).join(', ')} may be used`, { exitCode: ExitCode.usage });
  }

  const dataKey = randomBytes(32);
  // The data key is wrapped while the values are encrypted: a gpg key lookup or a KMS call then
  // waits on its process or the network alongside the tree's work instead of after it (measured:
  // `gpg --export` took about 50 ms after the tree was done). The wrap settles before the key is wiped.
  const wrapping = wrapDataKeyForGroups(dataKey, groups, shamirThreshold);
  wrapping.catch(() => undefined);
  try {
    const lastModified = lastModifiedNow(opts.now);
    const { mac } = encryptTree(parsed.file, dataKey, selector);
    const keyGroups = await wrapping;
    const meta: SopsMetadata = {
      keyGroups,
      shamirThreshold,
      lastModified,
      mac: encryptMac(mac, dataKey, lastModified),
      selector,
      version: SOPS_VERSION,
      usesKeyGroups: false,
    };
    return { output: outStore.emit(parsed.file, metadataToObject(meta)), warnings };
  } finally {
    await wrapping.catch(() => undefined);
    dataKey.fill(0);
  }
}

export interface DecryptOptions extends OpenOptions {
  readonly outputType?: StoreFormat;
  /** sops tree path of one value to print, e.g. `["db"]["password"]`. */
  readonly extract?: string;
}

export interface OpenedFile {
  readonly file: ParsedFile;
  readonly metadata: SopsMetadata;
  readonly store: Store;
  readonly warnings: readonly string[];
}

/**
 * Parse an encrypted document, recover its data key and decrypt it in memory, MAC verified.
 * Throws before returning anything when a value, the MAC or the key cannot be trusted.
 */
export async function openEncrypted(text: string, file: string, opts: OpenOptions = {}): Promise<OpenedFile> {
  const session = await openSession(text, file, { ...opts, readOnly: true });
  session.close();
  return { file: session.file, metadata: session.metadata, store: session.store, warnings: session.warnings };
}

/** Render one extracted value: a scalar raw (null as `null`), a subtree in the output format. */
function renderExtract(node: TreeNode, store: Store): string {
  if (node.kind !== 'scalar') return store.emitValue(node);
  return node.scalar.type === 'null' ? 'null' : scalarText(node.scalar);
}

/** Decrypt `text` (the content of `file`) and return the plaintext document or the extracted value. */
export async function decryptText(text: string, file: string, opts: DecryptOptions = {}): Promise<SopsResult> {
  const extractPath = opts.extract !== undefined ? parseTreePath(opts.extract) : undefined;
  const opened = await openEncrypted(text, file, opts);
  const outStore = opts.outputType ? storeFor(opts.outputType) : opened.store;
  if (extractPath) {
    // As sops, --extract reads the first document of a multi-document file.
    const root = opened.file.documents[0];
    if (!root) throw new SealguardError('PATH_NOT_FOUND', 'the file has no document', { exitCode: ExitCode.invalidTreePath });
    const node = nodeAtPath(root, extractPath);
    return { output: renderExtract(node, outStore), warnings: opened.warnings };
  }
  return { output: outStore.emit(opened.file), warnings: opened.warnings };
}

/** Whether a document carries sops metadata (sops' `filestatus`). */
export function isEncryptedText(text: string, format: StoreFormat): boolean {
  try {
    return storeFor(format).parse(text).metadata !== undefined;
  } catch {
    return false;
  }
}
