import type { Finding } from '../types.js';

/** The secret as a report shows it: masked unless the user asked for the plaintext. */
export function shownSecret(f: Finding, redact: boolean): string {
  return redact ? f.secret.masked() : f.secret.reveal();
}

/**
 * The match as a report shows it. Masking the whole match would hide the useful context (`token = "`),
 * so only the secret's occurrences inside it are masked.
 */
export function shownMatch(f: Finding, redact: boolean): string {
  const match = f.match.reveal();
  if (!redact) return match;
  const secret = f.secret.reveal();
  return secret.length > 0 ? match.split(secret).join(f.secret.masked()) : f.match.masked();
}
