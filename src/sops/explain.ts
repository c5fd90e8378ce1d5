/**
 * `explain F`: why sops would encrypt F the way it does — which `.sops.yaml` and creation rule
 * apply (and the path the rule's regex saw), the keys that rule names, the selector in force and
 * which values end up encrypted. Values are never read out: only key paths are reported.
 */
import path from 'node:path';
import { isEncValue } from './cipher/aes.js';
import { compileSelector, selectorsInUse } from './cipher/selector.js';
import { walkFile } from './cipher/tree-walk.js';
import { lookupSopsConfig, loadSopsConfig, matchCreationRule, pathForMatching, type KeyGroupSpec, type SopsConfig } from './config/index.js';
import { compileSopsRegex } from './config/regex.js';
import { SELECTOR_NAMES, type EncryptionSelector, type StoredKey } from './metadata.js';
import { metadataFromObject } from './metadata-codec.js';
import type { Store } from './stores/types.js';
import type { ListNode, MapNode, ParsedFile, ScalarNode } from './tree.js';

export interface ExplainedKeys {
  readonly age: readonly string[];
  readonly pgp: readonly string[];
  readonly kms: readonly string[];
  /** Key kinds this build cannot use (gcp_kms …). */
  readonly unsupported: readonly string[];
}

export interface ExplainedRule {
  readonly index: number;
  readonly line?: number;
  readonly pathRegex?: string;
  /** Whether this rule matches the file (only the first match is used). */
  readonly matches: boolean;
}

export interface Explanation {
  readonly file: string;
  /** The `.sops.yaml` used, if any. */
  readonly configPath?: string;
  /** Path the rules' `path_regex` is matched against (relative to the config's folder). */
  readonly matchedPath?: string;
  readonly rules: readonly ExplainedRule[];
  /** Index of the rule that applies. */
  readonly ruleIndex?: number;
  /** One sentence: why that rule (or none) applies. */
  readonly why: string;
  /** The key groups the rule names (one group when it has flat keys). */
  readonly keyGroups: readonly ExplainedKeys[];
  readonly usesKeyGroups: boolean;
  readonly shamirThreshold?: number;
  /** Selectors in force, sops spelling → value; empty means the default (`unencrypted_suffix: _unencrypted`). */
  readonly selector: Readonly<Record<string, string | boolean>>;
  /** Where the selector comes from: the rule (for a new encryption) or the file's own metadata. */
  readonly selectorSource: 'rule' | 'file' | 'default';
  readonly fileState: 'missing' | 'plaintext' | 'encrypted' | 'unparsable';
  /** Key paths of the file's values that are (or would be) encrypted, and left in plaintext. */
  readonly encryptedPaths: readonly string[];
  readonly plainPaths: readonly string[];
  /** Recipients in the encrypted file, for comparison with the rule's. */
  readonly fileKeyGroups?: readonly ExplainedKeys[];
  readonly warnings: readonly string[];
  /** Warnings that change which rule matches (a misspelt path_regex …): show them loudly. */
  readonly criticalWarnings: readonly string[];
}

function keysOf(g: KeyGroupSpec): ExplainedKeys {
  return { age: [...g.age], pgp: [...g.pgp], kms: g.kms.map((k) => k.arn), unsupported: [...g.unsupported] };
}

function storedKeysOf(group: readonly StoredKey[]): ExplainedKeys {
  const out = { age: [] as string[], pgp: [] as string[], kms: [] as string[], unsupported: [] as string[] };
  for (const k of group) {
    if (k.kind === 'age') out.age.push(k.recipient);
    else if (k.kind === 'pgp') out.pgp.push(k.fp);
    else if (k.kind === 'kms') out.kms.push(k.arn);
    else out.unsupported.push(k.list);
  }
  return out;
}

function selectorRecord(selector: EncryptionSelector): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const [field, name] of SELECTOR_NAMES) {
    const v = selector[field];
    if (v !== undefined && v !== '') out[name] = v;
  }
  if (selector.macOnlyEncrypted) out.mac_only_encrypted = true;
  return out;
}

/** Display paths (`["a"][0]["b"]`) of every scalar node, in document order. */
function displayPaths(file: ParsedFile): Map<ScalarNode, string> {
  const out = new Map<ScalarNode, string>();
  const multi = file.documents.length > 1;
  const visit = (node: MapNode | ListNode, prefix: string): void => {
    let index = 0;
    for (const item of node.items) {
      if (item.kind === 'comment') continue;
      const [child, where] = item.kind === 'entry' ? [item.value, `${prefix}[${JSON.stringify(item.key)}]`] : [item, `${prefix}[${index++}]`];
      if (child.kind === 'scalar') out.set(child, where);
      else visit(child, where);
    }
  };
  file.documents.forEach((doc, i) => visit(doc, multi ? `document ${i + 1}: ` : ''));
  return out;
}

/** Which values of a parsed file the selector encrypts (plaintext file) or are encrypted (encrypted file). */
function classify(file: ParsedFile, selector: EncryptionSelector, encrypted: boolean): { enc: string[]; plain: string[] } {
  const names = displayPaths(file);
  const select = encrypted ? undefined : compileSelector(selector);
  const enc: string[] = [];
  const plain: string[] = [];
  walkFile(file, {
    scalar(node, keyPath, comments) {
      const where = names.get(node) ?? keyPath.join('.');
      const s = node.scalar;
      const isEnc = select ? select.value(keyPath, comments) && !(s.type === 'str' && s.value === '') : s.type === 'str' && isEncValue(s.value);
      (isEnc ? enc : plain).push(where);
    },
    comment(node) {
      return node.text;
    },
  });
  return { enc, plain };
}

function loadConfig(file: string, configPath: string | undefined): { config?: SopsConfig; warnings: string[] } {
  if (configPath) {
    const config = loadSopsConfig(configPath);
    return { config, warnings: [...config.warnings] };
  }
  const lookup = lookupSopsConfig(path.dirname(file));
  const warnings = lookup.warning ? [lookup.warning] : [];
  if (!lookup.path) return { warnings };
  const config = loadSopsConfig(lookup.path);
  return { config, warnings: [...warnings, ...config.warnings] };
}

export interface ExplainInput {
  /** Absolute path of the file. */
  readonly file: string;
  /** Its content, when it exists. */
  readonly text?: string;
  /** Undefined when the format has no store in this build: the values are then not listed. */
  readonly store?: Store;
  readonly configPath?: string;
}

export function explainFile(input: ExplainInput): Explanation {
  const { config, warnings } = loadConfig(input.file, input.configPath);
  const criticalWarnings = warnings.filter((w) => /unknown key "[^"]*" ignored/.test(w) && /creation_rules|path_regex/.test(w));

  let fileState: Explanation['fileState'] = 'missing';
  let parsed: ParsedFile | undefined;
  let fileSelector: EncryptionSelector | undefined;
  let fileKeyGroups: ExplainedKeys[] | undefined;
  if (input.text !== undefined) {
    try {
      if (!input.store) throw new Error('no store');
      const result = input.store.parse(input.text);
      parsed = result.file;
      if (result.metadata !== undefined) {
        fileState = 'encrypted';
        const meta = metadataFromObject(result.metadata);
        fileSelector = meta.selector;
        fileKeyGroups = meta.keyGroups.map(storedKeysOf);
      } else fileState = 'plaintext';
    } catch {
      fileState = 'unparsable';
    }
  }

  const base = {
    file: input.file,
    fileState,
    fileKeyGroups,
    warnings,
    criticalWarnings,
  };
  const match = config?.hasCreationRules ? matchCreationRule(config, input.file) : undefined;
  const rule = match?.rule;
  const ruleSelector = rule?.selector ?? {};
  const selector = fileSelector ?? ruleSelector;
  const selectorSource: Explanation['selectorSource'] = fileSelector ? 'file' : selectorsInUse(ruleSelector).length > 0 ? 'rule' : 'default';
  const { enc, plain } = parsed ? classify(parsed, selector, fileState === 'encrypted') : { enc: [], plain: [] };

  if (!config) {
    return {
      ...base,
      rules: [],
      why: 'no .sops.yaml was found in the file\'s folder or any parent folder: keys must be given on the command line',
      keyGroups: [],
      usesKeyGroups: false,
      selector: selectorRecord(selector),
      selectorSource,
      encryptedPaths: enc,
      plainPaths: plain,
    };
  }
  const matchedPath = pathForMatching(config, input.file);
  const rules: ExplainedRule[] = config.creationRules.map((r) => ({
    index: r.index,
    line: r.line,
    pathRegex: r.pathRegex,
    matches: !r.pathRegex || compileSopsRegex(r.pathRegex).test(matchedPath),
  }));
  let why: string;
  if (!config.hasCreationRules) why = `${config.path} has no creation_rules: keys must be given on the command line`;
  else if (!rule) why = `no creation rule's path_regex matches "${matchedPath}": keys must be given on the command line`;
  else if (!rule.pathRegex) why = `creation_rules[${rule.index}] has no path_regex, so it matches every file`;
  else {
    why = `creation_rules[${rule.index}] is the first rule whose path_regex /${rule.pathRegex}/ matches "${matchedPath}" (unanchored, relative to ${config.dir})`;
  }
  const groups = rule ? (rule.keyGroups ?? [rule]).map(keysOf) : [];
  return {
    ...base,
    configPath: config.path,
    matchedPath,
    rules,
    ruleIndex: rule?.index,
    why,
    keyGroups: groups,
    usesKeyGroups: rule?.keyGroups !== undefined,
    shamirThreshold: rule?.shamirThreshold,
    selector: selectorRecord(selector),
    selectorSource,
    encryptedPaths: enc,
    plainPaths: plain,
  };
}
