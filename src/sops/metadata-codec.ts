/**
 * The `sops` metadata block ⇄ the plain nested object sops writes (YAML/JSON layout; flattened
 * stores un-flatten to it). Field names and order follow sops' stores.Metadata struct, with empty
 * key lists omitted as current sops does. Reading validates every field and names the faulty one.
 */
import { SealguardError } from '../shared/errors.js';
import { parseRfc3339 } from './cipher/go-time.js';
import { DEFAULT_UNENCRYPTED_SUFFIX, selectorsInUse } from './cipher/selector.js';
import type {
  AgeStoredKey,
  EncryptionSelector,
  ForeignStoredKey,
  KmsStoredKey,
  PgpStoredKey,
  SopsMetadata,
  StoredKey,
} from './metadata.js';
import { SELECTOR_NAMES } from './metadata.js';

type Obj = Record<string, unknown>;

/** Key lists in the order sops reads a flat group (internalGroupFrom), then writes them. */
const KNOWN_LISTS = ['kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'age', 'pgp'] as const;
/** Fields of the metadata struct that are not key lists. */
const SCALAR_FIELDS = new Set([
  'shamir_threshold',
  'key_groups',
  'lastmodified',
  'mac',
  'unencrypted_suffix',
  'encrypted_suffix',
  'unencrypted_regex',
  'encrypted_regex',
  'unencrypted_comment_regex',
  'encrypted_comment_regex',
  'mac_only_encrypted',
  'version',
]);


function invalid(field: string, problem: string): SealguardError {
  return new SealguardError('INVALID_METADATA', `invalid sops metadata: ${field} ${problem}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** A YAML store may hand over an unquoted timestamp as a Date; sops writes whole seconds. */
function timestampText(v: unknown): unknown {
  return v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString().replace(/\.000Z$/, 'Z') : v;
}

function str(obj: Obj, name: string, field: string, required: true): string;
function str(obj: Obj, name: string, field: string, required: false): string | undefined;
function str(obj: Obj, name: string, field: string, required: boolean): string | undefined {
  const v = timestampText(obj[name]);
  if (v === undefined || v === null) {
    if (required) throw invalid(field, 'is missing');
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(field, 'must be a string');
  return v;
}

function timestamp(obj: Obj, name: string, field: string): string {
  const v = str(obj, name, field, true);
  if (!parseRfc3339(v)) throw invalid(field, 'must be an RFC 3339 timestamp');
  return v;
}

function pgpKey(e: Obj, at: string): PgpStoredKey {
  return {
    kind: 'pgp',
    fp: str(e, 'fp', `${at}.fp`, true),
    createdAt: timestamp(e, 'created_at', `${at}.created_at`),
    enc: str(e, 'enc', `${at}.enc`, true),
  };
}

function ageKey(e: Obj, at: string): AgeStoredKey {
  return { kind: 'age', recipient: str(e, 'recipient', `${at}.recipient`, true), enc: str(e, 'enc', `${at}.enc`, true) };
}

function kmsKey(e: Obj, at: string): KmsStoredKey {
  let context: Record<string, string> | undefined;
  const rawContext = e['context'];
  if (rawContext !== undefined && rawContext !== null) {
    if (!isObj(rawContext)) throw invalid(`${at}.context`, 'must be a map of strings');
    context = {};
    for (const [k, v] of Object.entries(rawContext)) {
      if (typeof v !== 'string') throw invalid(`${at}.context.${k}`, 'must be a string');
      Object.defineProperty(context, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  const role = str(e, 'role', `${at}.role`, false);
  const awsProfile = str(e, 'aws_profile', `${at}.aws_profile`, false);
  return {
    kind: 'kms',
    arn: str(e, 'arn', `${at}.arn`, true),
    ...(role ? { role } : {}),
    ...(context && Object.keys(context).length > 0 ? { context } : {}),
    ...(awsProfile ? { awsProfile } : {}),
    createdAt: timestamp(e, 'created_at', `${at}.created_at`),
    enc: str(e, 'enc', `${at}.enc`, true),
  };
}

function storedKey(list: string, e: Obj, at: string): StoredKey {
  switch (list) {
    case 'pgp':
      return pgpKey(e, at);
    case 'age':
      return ageKey(e, at);
    case 'kms':
      return kmsKey(e, at);
    default:
      return { kind: 'foreign', list, raw: e } satisfies ForeignStoredKey;
  }
}

/** Names of key lists in `obj`: the known ones in sops' order, then any list of objects sops may add later. */
function listNames(obj: Obj): string[] {
  const extra = Object.keys(obj).filter(
    (k) => !SCALAR_FIELDS.has(k) && !(KNOWN_LISTS as readonly string[]).includes(k) && Array.isArray(obj[k]) && (obj[k] as unknown[]).every(isObj),
  );
  return [...KNOWN_LISTS, ...extra];
}

function keysOf(obj: Obj, at: string): StoredKey[] {
  const keys: StoredKey[] = [];
  for (const list of listNames(obj)) {
    const raw = obj[list];
    if (raw === undefined || raw === null) continue;
    if (!Array.isArray(raw)) throw invalid(`${at}${list}`, 'must be a list');
    raw.forEach((entry, i) => {
      const where = `${at}${list}[${i}]`;
      if (!isObj(entry)) throw invalid(where, 'must be a map');
      keys.push(storedKey(list, entry, where));
    });
  }
  return keys;
}

function selectorOf(obj: Obj): EncryptionSelector {
  const selector: Record<string, string | boolean> = {};
  for (const [field, name] of SELECTOR_NAMES) {
    const v = str(obj, name, `sops.${name}`, false);
    if (v) selector[field] = v;
  }
  const macOnly = obj['mac_only_encrypted'];
  if (macOnly !== undefined && macOnly !== null && typeof macOnly !== 'boolean') {
    throw invalid('sops.mac_only_encrypted', 'must be true or false');
  }
  if (macOnly === true) selector['macOnlyEncrypted'] = true;
  const inUse = selectorsInUse(selector);
  if (inUse.length > 1) throw invalid(`sops.${inUse.join(', sops.')}`, 'are mutually exclusive: set only one');
  if (inUse.length === 0) selector['unencryptedSuffix'] = DEFAULT_UNENCRYPTED_SUFFIX;
  return selector as EncryptionSelector;
}

/** Read and validate the plain `sops` object of a file. Throws INVALID_METADATA naming the field. */
export function metadataFromObject(obj: Record<string, unknown>): SopsMetadata {
  if (!isObj(obj)) throw invalid('sops', 'must be a map');
  const flat = keysOf(obj, 'sops.');
  let keyGroups: StoredKey[][];
  let usesKeyGroups = false;
  if (flat.length > 0) {
    keyGroups = [flat];
  } else {
    const groups = obj['key_groups'];
    if (groups !== undefined && groups !== null && !Array.isArray(groups)) throw invalid('sops.key_groups', 'must be a list');
    keyGroups = (groups ?? []).map((g: unknown, i: number) => {
      if (!isObj(g)) throw invalid(`sops.key_groups[${i}]`, 'must be a map');
      return keysOf(g, `sops.key_groups[${i}].`);
    });
    usesKeyGroups = keyGroups.length > 0;
    if (keyGroups.every((g) => g.length === 0)) throw invalid('sops', 'lists no keys (kms, pgp, age, key_groups … are all empty)');
  }

  const threshold = obj['shamir_threshold'];
  if (threshold !== undefined && threshold !== null && (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 0)) {
    throw invalid('sops.shamir_threshold', 'must be a whole number');
  }

  const version = obj['version'];
  if (typeof version === 'number') throw invalid('sops.version', 'must be a string (files written by sops 1.x are not supported)');

  return {
    keyGroups,
    ...(typeof threshold === 'number' && threshold > 0 ? { shamirThreshold: threshold } : {}),
    lastModified: timestamp(obj, 'lastmodified', 'sops.lastmodified'),
    mac: str(obj, 'mac', 'sops.mac', true),
    selector: selectorOf(obj),
    version: str(obj, 'version', 'sops.version', false) ?? '',
    usesKeyGroups,
  };
}

function keyObject(key: StoredKey): Obj {
  switch (key.kind) {
    case 'pgp':
      return { created_at: key.createdAt, enc: key.enc, fp: key.fp };
    case 'age':
      return { recipient: key.recipient, enc: key.enc };
    case 'kms':
      return {
        arn: key.arn,
        ...(key.role ? { role: key.role } : {}),
        ...(key.context && Object.keys(key.context).length > 0 ? { context: { ...key.context } } : {}),
        created_at: key.createdAt,
        enc: key.enc,
        // sops writes aws_profile even when empty (no omitempty on the field).
        aws_profile: key.awsProfile ?? '',
      };
    case 'foreign':
      return { ...key.raw };
  }
}

function listName(key: StoredKey): string {
  return key.kind === 'foreign' ? key.list : key.kind;
}

/** Group keys by list name, non-empty lists only, in the given order (unknown names last). */
function lists(group: readonly StoredKey[], order: readonly string[]): [string, Obj[]][] {
  const byName = new Map<string, Obj[]>();
  for (const key of group) {
    const name = listName(key);
    byName.set(name, [...(byName.get(name) ?? []), keyObject(key)]);
  }
  const names = [...order.filter((n) => byName.has(n)), ...[...byName.keys()].filter((n) => !order.includes(n))];
  return names.map((n) => [n, byName.get(n) as Obj[]]);
}

/** Struct order of sops' keygroup. */
const GROUP_ORDER = ['pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'age'];
/** Struct order of the key lists that precede `lastmodified` in sops' Metadata. */
const TOP_ORDER = ['kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'age'];

/** The plain `sops` object exactly as sops writes it (field names and order). */
export function metadataToObject(meta: SopsMetadata): Record<string, unknown> {
  const out: Obj = {};
  if (meta.shamirThreshold !== undefined && meta.shamirThreshold > 0) out['shamir_threshold'] = meta.shamirThreshold;
  let pgp: Obj[] | undefined;
  if (meta.usesKeyGroups || meta.keyGroups.length !== 1) {
    out['key_groups'] = meta.keyGroups.map((g) => Object.fromEntries(lists(g, GROUP_ORDER)));
  } else {
    for (const [name, entries] of lists(meta.keyGroups[0] ?? [], TOP_ORDER)) {
      if (name === 'pgp') pgp = entries;
      else out[name] = entries;
    }
  }
  out['lastmodified'] = meta.lastModified;
  out['mac'] = meta.mac;
  if (pgp) out['pgp'] = pgp;
  const selector = meta.selector;
  const anySet = selectorsInUse(selector).length > 0;
  for (const [field, name] of SELECTOR_NAMES) {
    const v = selector[field];
    if (v) out[name] = v;
    else if (!anySet && name === 'unencrypted_suffix') out[name] = DEFAULT_UNENCRYPTED_SUFFIX;
  }
  if (selector.macOnlyEncrypted === true) out['mac_only_encrypted'] = true;
  out['version'] = meta.version;
  return out;
}
