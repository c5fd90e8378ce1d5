import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import path from 'node:path';

export interface AgeKey {
  readonly identity: string;
  readonly recipient: string;
}

export async function newAgeKey(): Promise<AgeKey> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/**
 * Environment for a CLI run that sees only the keys a test gives it: no key, editor or gpg home of
 * the developer's machine leaks in. `work` is a test-owned folder used as HOME and config home.
 */
export function isolatedEnv(work: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    GNUPGHOME: path.join(work, 'no-gnupg'),
    XDG_CONFIG_HOME: path.join(work, 'xdg'),
    HOME: work,
    SOPS_AGE_KEY: undefined,
    SOPS_AGE_KEY_FILE: undefined,
    SOPS_AGE_KEY_CMD: undefined,
    SOPS_AGE_RECIPIENTS: undefined,
    SOPS_PGP_FP: undefined,
    SOPS_KMS_ARN: undefined,
    SEALGUARD_PGP_KEY_FILE: undefined,
    SOPS_EDITOR: undefined,
    EDITOR: undefined,
    ...extra,
  };
}
