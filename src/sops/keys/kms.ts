import type { KmsStoredKey } from '../metadata.js';
import type { KmsKeySpec } from '../config/types.js';
import type { MasterKey } from './types.js';
import { ExitCode, SealguardError } from '../../shared/errors.js';
import { requireKmsArn } from './kms-arn.js';
import { kmsDecrypt, kmsEncrypt } from './kms-client.js';
import { rfc3339Now } from './pgp.js';

export { kmsSpecFromArnString, parseEncryptionContext, stsSessionName, kmsArnRegion } from './kms-arn.js';
export { KmsCallError, SEALGUARD_AWS_TIMEOUT_MS } from './kms-client.js';

/**
 * An AWS KMS master key: the data key is sent to KMS `Encrypt` with the key's encryption context
 * (after assuming its role, with its AWS profile, when it has them) and the base64 ciphertext blob
 * is stored, as sops does. The ARN is checked here, before anything is encrypted.
 */
export function kmsMasterKey(spec: KmsKeySpec, env: NodeJS.ProcessEnv = process.env): MasterKey {
  requireKmsArn(spec.arn);
  return {
    kind: 'kms',
    id: spec.role ? `${spec.arn}+${spec.role}` : spec.arn,
    async wrap(dataKey: Uint8Array): Promise<KmsStoredKey> {
      let blob: Uint8Array;
      try {
        blob = await kmsEncrypt(spec, dataKey, env);
      } catch (e) {
        throw new SealguardError('KMS_ENCRYPT_FAILED', `cannot encrypt the data key with AWS KMS key ${spec.arn}: ${(e as Error).message}`, {
          // As sops: a master key that cannot wrap the data key is "could not generate data key", 128.
          exitCode: ExitCode.couldNotRetrieveKey,
        });
      }
      return {
        kind: 'kms',
        arn: spec.arn,
        ...(spec.role ? { role: spec.role } : {}),
        ...(spec.context && Object.keys(spec.context).length > 0 ? { context: { ...spec.context } } : {}),
        ...(spec.awsProfile ? { awsProfile: spec.awsProfile } : {}),
        createdAt: rfc3339Now(),
        enc: Buffer.from(blob).toString('base64'),
      };
    },
  };
}

/**
 * Opens a KMS-wrapped data key: KMS `Decrypt` of the stored blob with the stored ARN, role, context
 * and profile. Throws an Error whose message says why (access denied, throttled, unreachable …).
 */
export async function unwrapKms(stored: KmsStoredKey, env: NodeJS.ProcessEnv = process.env): Promise<Uint8Array> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(stored.enc.trim()) || stored.enc.trim() === '') {
    throw new SealguardError('KMS_ENC_INVALID', 'the stored KMS key is not valid base64');
  }
  const blob = Buffer.from(stored.enc.trim(), 'base64');
  return kmsDecrypt(stored, blob, env);
}
