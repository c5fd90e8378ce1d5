import type { MasterKey } from './types.js';
import type { StoredKey } from '../metadata.js';
import { ExitCode, SealguardError } from '../../shared/errors.js';
import { ageMasterKey } from './age.js';
import { pgpMasterKey, type PgpKeyOptions } from './pgp.js';
import { kmsMasterKey } from './kms.js';
import { kmsSpecFromArnString, parseEncryptionContext } from './kms-arn.js';
import type { CreationRule, KeyGroupSpec } from '../config/types.js';

export interface MasterKeyFlags {
  /** `--age` values; each may hold several comma-separated recipients. */
  readonly age?: readonly string[];
  /** `--pgp` values; each may hold several comma-separated fingerprints. */
  readonly pgp?: readonly string[];
  /** `--kms` values: comma-separated KMS key ARNs, each optionally `ARN+ROLE-ARN`. */
  readonly kms?: readonly string[];
  /** `--encryption-context k:v,k2:v2`, applied to the `--kms` keys as in sops. */
  readonly encryptionContext?: string;
  /** `--aws-profile`, applied to the `--kms` keys as in sops. */
  readonly awsProfile?: string;
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
 * first, then PGP, then KMS. Invalid recipients, fingerprints, ARNs or encryption contexts throw
 * before anything is encrypted.
 */
export function masterKeysFrom(
  opts: MasterKeyFlags,
  env: NodeJS.ProcessEnv = process.env,
  pgpOptions: Omit<PgpKeyOptions, 'env'> = {},
): MasterKey[] {
  const pick = (flag: readonly string[] | undefined, variable: string): string[] =>
    splitKeyList(flag && flag.length > 0 ? flag : env[variable] ? [env[variable] as string] : []);
  const context = parseEncryptionContext(opts.encryptionContext);
  const kms = pick(opts.kms, 'SOPS_KMS_ARN').map((arn) => kmsSpecFromArnString(arn, context, opts.awsProfile));
  return [
    ...pick(opts.age, 'SOPS_AGE_RECIPIENTS').map((r) => ageMasterKey(r)),
    ...pick(opts.pgp, 'SOPS_PGP_FP').map((fp) => pgpMasterKey(fp, { ...pgpOptions, env })),
    ...kms.map((spec) => kmsMasterKey(spec, env)),
  ];
}

/**
 * The key groups a creation rule asks for, as master keys: its `key_groups` when it has them,
 * else one group of its flat `age`/`pgp`/`kms` keys. Key kinds this build cannot write (GCP KMS,
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
    if (g.unsupported.length > 0) {
      throw new SealguardError('KEY_KIND_UNSUPPORTED', `${where} uses ${g.unsupported.join(', ')}, not supported in this build`, {
        exitCode: ExitCode.errorReadingConfig,
      });
    }
    try {
      return [
        ...g.age.map((r) => ageMasterKey(r)),
        ...g.pgp.map((fp) => pgpMasterKey(fp, { ...pgpOptions, env })),
        ...g.kms.map((spec) => kmsMasterKey(spec, env)),
      ];
    } catch (e) {
      // Name the rule: the user fixes the recipient in .sops.yaml, not on a command line.
      if (e instanceof SealguardError) {
        throw new SealguardError(e.code, `${where}: ${e.message}`, { exitCode: ExitCode.errorReadingConfig, details: e.details });
      }
      throw e;
    }
  });
}

/**
 * A master key for the same recipient as a key stored in a file, so a new data key can be wrapped
 * for the same people (rotate). Keys of kinds this build cannot write give undefined.
 */
export function masterKeyFromStored(
  stored: StoredKey,
  env: NodeJS.ProcessEnv = process.env,
  pgpOptions: Omit<PgpKeyOptions, 'env'> = {},
): MasterKey | undefined {
  switch (stored.kind) {
    case 'age':
      return ageMasterKey(stored.recipient);
    case 'pgp':
      return pgpMasterKey(stored.fp, { ...pgpOptions, env });
    case 'kms':
      return kmsMasterKey(
        {
          arn: stored.arn,
          ...(stored.role ? { role: stored.role } : {}),
          ...(stored.context ? { context: stored.context } : {}),
          ...(stored.awsProfile ? { awsProfile: stored.awsProfile } : {}),
        },
        env,
      );
    case 'foreign':
      return undefined;
  }
}
