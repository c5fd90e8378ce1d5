import type { MasterKey } from './types.js';
import { ExitCode, SealguardError } from '../../shared/errors.js';
import { ageMasterKey } from './age.js';
import { pgpMasterKey, type PgpKeyOptions } from './pgp.js';
import type { CreationRule, KeyGroupSpec } from '../config/types.js';

export interface MasterKeyFlags {
  /** `--age` values; each may hold several comma-separated recipients. */
  readonly age?: readonly string[];
  /** `--pgp` values; each may hold several comma-separated fingerprints. */
  readonly pgp?: readonly string[];
  /** `--kms` values. Accepted so the error can say plainly that KMS is not in this build. */
  readonly kms?: readonly string[];
}

/** Splits flag values the way sops does: every value may be a comma-separated list; blanks dropped. */
export function splitKeyList(values: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const v of values ?? []) {
    for (const part of v.split(',')) {
      const p = part.trim();
      if (p !== '' && !out.includes(p)) out.push(p);
    }
  }
  return out;
}

/**
 * Master keys named on the command line, each kind falling back to its environment variable as in
 * sops (`--age` ← SOPS_AGE_RECIPIENTS, `--pgp` ← SOPS_PGP_FP, `--kms` ← SOPS_KMS_ARN). Age keys
 * first, then PGP. Invalid recipients or fingerprints throw before anything is encrypted.
 */
export function masterKeysFrom(
  opts: MasterKeyFlags,
  env: NodeJS.ProcessEnv = process.env,
  pgpOptions: Omit<PgpKeyOptions, 'env'> = {},
): MasterKey[] {
  const pick = (flag: readonly string[] | undefined, variable: string): string[] =>
    splitKeyList(flag && flag.length > 0 ? flag : env[variable] ? [env[variable] as string] : []);
  const kms = pick(opts.kms, 'SOPS_KMS_ARN');
  if (kms.length > 0) throw kmsUnsupported();
  return [
    ...pick(opts.age, 'SOPS_AGE_RECIPIENTS').map((r) => ageMasterKey(r)),
    ...pick(opts.pgp, 'SOPS_PGP_FP').map((fp) => pgpMasterKey(fp, { ...pgpOptions, env })),
  ];
}

/**
 * The key groups a creation rule asks for, as master keys: its `key_groups` when it has them,
 * else one group of its flat `age`/`pgp` keys. Key kinds this build cannot write (KMS, GCP KMS,
 * Azure Key Vault, Vault transit) are an error, never silently dropped: the user expects them in
 * the file.
 */
export function masterKeyGroupsFromRule(
  rule: CreationRule,
  env: NodeJS.ProcessEnv = process.env,
  pgpOptions: Omit<PgpKeyOptions, 'env'> = {},
): MasterKey[][] {
  const groups: readonly KeyGroupSpec[] = rule.keyGroups ?? [
    { age: rule.age, pgp: rule.pgp, kms: rule.kms, unsupported: rule.unsupported },
  ];
  return groups.map((g, i) => {
    const where = rule.keyGroups ? `creation_rules[${rule.index}].key_groups[${i}]` : `creation_rules[${rule.index}]`;
    if (g.kms.length > 0) throw kmsUnsupported(where);
    if (g.unsupported.length > 0) {
      throw new SealguardError('KEY_KIND_UNSUPPORTED', `${where} uses ${g.unsupported.join(', ')}, not supported in this build`, {
        exitCode: ExitCode.errorReadingConfig,
      });
    }
    try {
      return [...g.age.map((r) => ageMasterKey(r)), ...g.pgp.map((fp) => pgpMasterKey(fp, { ...pgpOptions, env }))];
    } catch (e) {
      // Name the rule: the user fixes the recipient in .sops.yaml, not on a command line.
      if (e instanceof SealguardError) {
        throw new SealguardError(e.code, `${where}: ${e.message}`, { exitCode: ExitCode.errorReadingConfig, details: e.details });
      }
      throw e;
    }
  });
}

function kmsUnsupported(where?: string): SealguardError {
  return new SealguardError(
    'KEY_KIND_UNSUPPORTED',
    `${where ? `${where} uses AWS KMS, which is` : 'AWS KMS is'} not supported in this build`,
    { exitCode: ExitCode.noMasterKeys },
  );
}
