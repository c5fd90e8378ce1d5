import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Document, LineCounter } from 'yaml';
import { SELECTOR_NAMES, type EncryptionSelector } from '../metadata.js';
import { ExitCode, SealguardError, errorMessage } from '../../shared/errors.js';
import type { CreationRule, KeyGroupSpec, KmsKeySpec, SopsConfig } from './types.js';
import { regexProblem } from './regex.js';
import { yamlLib } from '../../shared/yaml-lib.js';

const TOP_KEYS = ['creation_rules', 'destination_rules', 'stores'];

/** Rule keys that name keys of kinds this build does not implement: accepted, remembered as unsupported. */
const UNSUPPORTED_RULE_KEYS = ['gcp_kms', 'hckms', 'azure_keyvault', 'hc_vault_transit_uri', 'plugins'];
const SELECTOR_KEYS = SELECTOR_NAMES.map(([, name]) => name);
const RULE_KEYS = [
  'path_regex',
  'timeout',
  'kms',
  'aws_profile',
  'age',
  'pgp',
  'key_groups',
  'shamir_threshold',
  'mac_only_encrypted',
  ...SELECTOR_KEYS,
  ...UNSUPPORTED_RULE_KEYS,
];
const UNSUPPORTED_GROUP_KEYS = ['gcp_kms', 'hckms', 'azure_keyvault', 'hc_vault', 'plugins'];
const GROUP_KEYS = ['merge', 'kms', 'age', 'pgp', ...UNSUPPORTED_GROUP_KEYS];
const KMS_KEYS = ['arn', 'role', 'context', 'aws_profile'];

/** Misspellings common enough to name the intended key even when edit distance would not. */
const LIKELY: Readonly<Record<string, string>> = {
  path: 'path_regex',
  paths: 'path_regex',
  regex: 'path_regex',
  path_regexp: 'path_regex',
  pathregex: 'path_regex',
  gpg: 'pgp',
  keygroups: 'key_groups',
  key_group: 'key_groups',
  age_recipients: 'age',
};

type Raw = Record<string, unknown>;

/** Parsing state: where we are, every error and warning so far. */
class Reader {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** 1-based line of the node at `at`, or of its nearest ancestor that has one. */
  line(at: readonly (string | number)[]): number | undefined {
    for (let n = at.length; n >= 0; n--) {
      const node = this.doc.getIn(at.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  /** 1-based line of `key` itself inside the map at `at` (a value may start on a later line). */
  keyLine(at: readonly (string | number)[], key: string): number | undefined {
    const map = this.doc.getIn(at, true);
    if (yamlLib().isMap(map)) {
      for (const pair of map.items) {
        const k = pair.key as { value?: unknown; range?: [number, number, number] } | null;
        if (k && k.value === key && k.range) return this.lines.linePos(k.range[0]).line;
      }
    }
    return this.line(at);
  }

  where(label: string, at: readonly (string | number)[]): string {
    const line = this.line(at);
    return line === undefined ? label : `${label} (line ${line})`;
  }

  unknownKeys(obj: Raw, known: readonly string[], label: string, at: readonly (string | number)[]): void {
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const guess = suggest(key, known);
      const hint = guess ? `; did you mean ${guess}?` : '';
      const trap =
        guess === 'path_regex' && obj.path_regex === undefined ? ' Without path_regex this rule matches every file.' : '';
      const line = this.keyLine(at, key);
      const where = line === undefined ? label : `${label} (line ${line})`;
      this.warnings.push(`${where}: unknown key "${key}" ignored${hint}${trap}`);
    }
  }
}

function suggest(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  if (LIKELY[k] && known.includes(LIKELY[k])) return LIKELY[k];
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(k, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

function isMap(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A key list given as a comma-separated string or a list of strings (each may hold commas too). */
function keyList(r: Reader, value: unknown, label: string): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      r.errors.push(`${label}: expected a string or a list of strings, got ${describeType(item)} (quote the value)`);
      continue;
    }
    for (const part of item.split(',')) {
      const p = part.trim();
      if (p !== '' && !out.includes(p)) out.push(p);
    }
  }
  return out;
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a map' : `a ${typeof v}`;
}

function optionalString(r: Reader, obj: Raw, key: string, label: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') {
    r.errors.push(`${label}: ${key} must be a string, got ${describeType(v)}`);
    return undefined;
  }
  return v;
}

/** `arn+role` as sops writes roles in a flat kms list. */
function kmsFromArnString(entry: string, awsProfile: string | undefined): KmsKeySpec {
  const arn = entry.replace(/\s+/g, '');
  const i = arn.indexOf('+arn:aws:iam::');
  const spec = i > 0 ? { arn: arn.slice(0, i), role: arn.slice(i + 1) } : { arn };
  return awsProfile ? { ...spec, awsProfile } : spec;
}

function kmsEntry(r: Reader, v: unknown, label: string, at: (string | number)[]): KmsKeySpec | undefined {
  if (!isMap(v)) {
    r.errors.push(`${label}: expected a map with arn (and optionally role, context, aws_profile)`);
    return undefined;
  }
  r.unknownKeys(v, KMS_KEYS, label, at);
  const arn = optionalString(r, v, 'arn', label);
  if (!arn) {
    r.errors.push(`${label}: arn is missing`);
    return undefined;
  }
  const role = optionalString(r, v, 'role', label);
  const awsProfile = optionalString(r, v, 'aws_profile', label);
  let context: Record<string, string> | undefined;
  if (v.context !== undefined && v.context !== null) {
    if (!isMap(v.context)) r.errors.push(`${label}: context must be a map of strings`);
    else context = Object.fromEntries(Object.entries(v.context).map(([k, val]) => [k, String(val ?? '')]));
  }
  return { arn, ...(role ? { role } : {}), ...(context ? { context } : {}), ...(awsProfile ? { awsProfile } : {}) };
}

function keyGroup(r: Reader, v: unknown, label: string, at: (string | number)[]): KeyGroupSpec {
  const group = { age: [] as string[], pgp: [] as string[], kms: [] as KmsKeySpec[], unsupported: [] as string[] };
  if (v === null || v === undefined) return group;
  if (!isMap(v)) {
    r.errors.push(`${r.where(label, at)}: a key group must be a map (age:, pgp:, kms: …)`);
    return group;
  }
  r.unknownKeys(v, GROUP_KEYS, label, at);
  const addAll = <T>(into: T[], items: readonly T[], same: (a: T, b: T) => boolean): void => {
    for (const item of items) if (!into.some((x) => same(x, item))) into.push(item);
  };
  // sops flattens `merge` sub-groups into the group that holds them.
  if (v.merge !== undefined && v.merge !== null) {
    if (!Array.isArray(v.merge)) r.errors.push(`${label}: merge must be a list of key groups`);
    else
      v.merge.forEach((sub, i) => {
        const g = keyGroup(r, sub, `${label}.merge[${i}]`, [...at, 'merge', i]);
        addAll(group.age, g.age, (a, b) => a === b);
        addAll(group.pgp, g.pgp, (a, b) => a === b);
        addAll(group.kms, g.kms, (a, b) => a.arn === b.arn && a.role === b.role);
        addAll(group.unsupported, g.unsupported, (a, b) => a === b);
      });
  }
  addAll(group.age, keyList(r, v.age, `${label}.age`), (a, b) => a === b);
  addAll(group.pgp, keyList(r, v.pgp, `${label}.pgp`), (a, b) => a === b);
  if (v.kms !== undefined && v.kms !== null) {
    if (!Array.isArray(v.kms)) r.errors.push(`${label}.kms: expected a list of {arn, role, context, aws_profile}`);
    else {
      const specs = v.kms
        .map((k, i) => kmsEntry(r, k, `${label}.kms[${i}]`, [...at, 'kms', i]))
        .filter((k): k is KmsKeySpec => k !== undefined);
      addAll(group.kms, specs, (a, b) => a.arn === b.arn && a.role === b.role);
    }
  }
  for (const kind of UNSUPPORTED_GROUP_KEYS) if (present(v[kind])) addAll(group.unsupported, [kind], (a, b) => a === b);
  return group;
}

function present(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  return !(Array.isArray(v) && v.length === 0);
}

function selectorOf(r: Reader, obj: Raw, label: string): EncryptionSelector {
  const set = SELECTOR_KEYS.filter((k) => present(obj[k]));
  if (set.length > 1) {
    r.errors.push(`${label}: cannot use more than one of ${SELECTOR_KEYS.join(', ')} in one rule (found ${set.join(', ')})`);
  }
  const str = (k: string): string | undefined => optionalString(r, obj, k, label);
  for (const k of ['unencrypted_regex', 'encrypted_regex', 'unencrypted_comment_regex', 'encrypted_comment_regex']) {
    const pattern = str(k);
    const problem = pattern === undefined ? undefined : regexProblem(pattern);
    if (problem) r.errors.push(`${label}: invalid ${k}: ${problem}`);
  }
  let macOnlyEncrypted: boolean | undefined;
  if (obj.mac_only_encrypted !== undefined && obj.mac_only_encrypted !== null) {
    if (typeof obj.mac_only_encrypted === 'boolean') macOnlyEncrypted = obj.mac_only_encrypted;
    else r.errors.push(`${label}: mac_only_encrypted must be true or false`);
  }
  const selector: Record<string, string | boolean> = {};
  const put = (name: keyof EncryptionSelector, value: string | boolean | undefined): void => {
    if (value !== undefined) selector[name] = value;
  };
  for (const [field, name] of SELECTOR_NAMES) put(field, str(name));
  put('macOnlyEncrypted', macOnlyEncrypted);
  return selector as EncryptionSelector;
}

function creationRule(r: Reader, v: unknown, index: number): CreationRule | undefined {
  const at = ['creation_rules', index];
  const label = `creation_rules[${index}]`;
  if (!isMap(v)) {
    r.errors.push(`${r.where(label, at)}: a creation rule must be a map`);
    return undefined;
  }
  const where = r.where(label, at);
  r.unknownKeys(v, RULE_KEYS, label, at);
  const pathRegex = optionalString(r, v, 'path_regex', where);
  if (pathRegex !== undefined) {
    const problem = regexProblem(pathRegex);
    if (problem) r.errors.push(`${where}: invalid path_regex: ${problem}`);
  }
  const awsProfile = optionalString(r, v, 'aws_profile', where);
  let keyGroups: KeyGroupSpec[] | undefined;
  if (v.key_groups !== undefined && v.key_groups !== null) {
    if (!Array.isArray(v.key_groups)) r.errors.push(`${where}: key_groups must be a list of key groups`);
    else if (v.key_groups.length > 0) {
      keyGroups = v.key_groups.map((g, i) => keyGroup(r, g, `${label}.key_groups[${i}]`, [...at, 'key_groups', i]));
    }
  }
  let shamirThreshold: number | undefined;
  if (v.shamir_threshold !== undefined && v.shamir_threshold !== null) {
    const t = v.shamir_threshold;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0) {
      r.errors.push(`${where}: shamir_threshold must be a whole number`);
    } else if (t > 0) shamirThreshold = t;
  }
  const unsupported = UNSUPPORTED_RULE_KEYS.filter((k) => present(v[k]));
  return {
    index,
    line: r.line(at),
    ...(pathRegex !== undefined ? { pathRegex } : {}),
    ...(awsProfile ? { awsProfile } : {}),
    age: keyList(r, v.age, `${where}: age`),
    pgp: keyList(r, v.pgp, `${where}: pgp`),
    kms: keyList(r, v.kms, `${where}: kms`).map((arn) => kmsFromArnString(arn, awsProfile)),
    unsupported,
    ...(keyGroups ? { keyGroups } : {}),
    ...(shamirThreshold !== undefined ? { shamirThreshold } : {}),
    selector: selectorOf(r, v, where),
  };
}

/**
 * Parses `.sops.yaml` text. Every problem that would make sops fail (or silently misbehave) is an
 * error; all of them are reported at once, each naming its rule. Unknown keys are warnings.
 */
export function parseSopsConfig(text: string, configPath: string): SopsConfig {
  const abs = path.resolve(configPath);
  const yaml = yamlLib();
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  const fail = (errors: readonly string[]): never => {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new SealguardError('SOPS_CONFIG_INVALID', `${abs}: ${errors[0]}${more}`, {
      exitCode: ExitCode.errorReadingConfig,
      details: errors.length > 1 ? errors : [],
    });
  };
  if (doc.errors.length > 0) {
    fail(doc.errors.map((e) => `YAML error at line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`));
  }
  const root: unknown = doc.toJS();
  const r = new Reader(doc, lines);
  if (root !== null && root !== undefined && !isMap(root)) fail(['the file must be a YAML map (creation_rules: …)']);
  const top: Raw = isMap(root) ? root : {};
  r.unknownKeys(top, TOP_KEYS, 'top level', []);
  const rulesRaw = top.creation_rules;
  const rules: CreationRule[] = [];
  if (rulesRaw !== undefined && rulesRaw !== null) {
    if (!Array.isArray(rulesRaw)) r.errors.push(`${r.where('creation_rules', ['creation_rules'])}: must be a list of rules`);
    else
      rulesRaw.forEach((raw, i) => {
        const rule = creationRule(r, raw, i);
        if (rule) rules.push(rule);
      });
  }
  if (r.errors.length > 0) fail(r.errors);
  return {
    path: abs,
    dir: path.dirname(abs),
    hasCreationRules: rulesRaw !== undefined && rulesRaw !== null,
    creationRules: rules,
    warnings: r.warnings,
  };
}

/** Reads and parses a `.sops.yaml`. */
export function loadSopsConfig(configPath: string): SopsConfig {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (e) {
    throw new SealguardError('SOPS_CONFIG_UNREADABLE', `cannot read ${configPath}: ${errorMessage(e)}`, {
      exitCode: ExitCode.errorReadingConfig,
    });
  }
  return parseSopsConfig(text, configPath);
}
