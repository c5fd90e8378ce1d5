/**
 * AWS KMS key references as sops reads them: ARNs (with an optional `+role` suffix), encryption
 * contexts given as `k:v,k2:v2`, and the STS session name sops uses. Pure: no SDK here.
 */
import os from 'node:os';
import { ExitCode, SealguardError } from '../../shared/errors.js';
import type { KmsKeySpec } from '../config/types.js';

/** sops' pattern; the region is the first capture. */
const KMS_ARN = /^arn:aws[\w-]*:kms:(.+):[0-9]+:(key|alias)\/.+$/;

/** Region of a KMS key ARN, or undefined when `arn` is not a KMS key or alias ARN. */
export function kmsArnRegion(arn: string): string | undefined {
  return KMS_ARN.exec(arn)?.[1];
}

/** Throws KMS_ARN_INVALID unless `arn` is a KMS key or alias ARN; returns its region. */
export function requireKmsArn(arn: string): string {
  const region = kmsArnRegion(arn);
  if (region === undefined) {
    throw new SealguardError('KMS_ARN_INVALID', `not an AWS KMS key ARN: ${JSON.stringify(arn.length > 120 ? `${arn.slice(0, 120)}…` : arn)}`, {
      exitCode: ExitCode.usage,
      details: ['a KMS key ARN looks like arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (or …:alias/NAME)'],
    });
  }
  return region;
}

/**
 * One ARN entry as sops reads it from `--kms`, SOPS_KMS_ARN or a flat `kms:` list: spaces removed,
 * and a `+arn:aws:iam::…` suffix taken as the role to assume.
 */
export function kmsSpecFromArnString(
  entry: string,
  context?: Readonly<Record<string, string>>,
  awsProfile?: string,
): KmsKeySpec {
  const arn = entry.replace(/\s+/g, '');
  const i = arn.indexOf('+arn:aws:iam::');
  const base: KmsKeySpec = i > 0 ? { arn: arn.slice(0, i), role: arn.slice(i + 1) } : { arn };
  return {
    ...base,
    ...(context && Object.keys(context).length > 0 ? { context } : {}),
    ...(awsProfile ? { awsProfile } : {}),
  };
}

/**
 * `--encryption-context` as sops parses it: comma-separated `key:value` pairs. sops silently drops
 * a malformed context and then refuses the command; we refuse it with the reason.
 */
export function parseEncryptionContext(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined || text === '') return undefined;
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const parts = pair.split(':');
    if (parts.length !== 2) {
      throw new SealguardError(
        'KMS_CONTEXT_INVALID',
        `invalid KMS encryption context ${JSON.stringify(pair.length > 60 ? `${pair.slice(0, 60)}…` : pair)}: expected key:value pairs separated by commas`,
        { exitCode: ExitCode.usage },
      );
    }
    Object.defineProperty(out, parts[0], { value: parts[1], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** AWS allows at most 64 characters in a role session name. */
const SESSION_NAME_LIMIT = 64;

/**
 * `sops@HOSTNAME` with characters AWS does not accept removed and cut to 64 characters, as sops names
 * its STS sessions (so CloudTrail shows the same name whichever tool opened the file). sops' filter
 * keeps letters, digits, `=,.` and the ASCII range `@`…`_`.
 */
export function stsSessionName(hostname: string = os.hostname()): string {
  const clean = hostname.replace(/[^a-zA-Z0-9=,.@-_]+/g, '');
  return `sops@${clean}`.slice(0, SESSION_NAME_LIMIT);
}
