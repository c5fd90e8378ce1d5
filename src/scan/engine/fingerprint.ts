import { createHash } from 'node:crypto';

/**
 * `file:rule-id:` + the first 12 hex digits of sha256(secret). No line number and no commit, so the
 * fingerprint survives edits above the secret and squash-merges; only a hash of the secret is kept.
 */
export function fingerprint(file: string, ruleId: string, secret: string): string {
  return `${file}:${ruleId}:${createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 12)}`;
}
