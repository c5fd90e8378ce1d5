import { maskSecret } from '../../shared/secret.js';
import type { Finding, Severity } from '../types.js';

/**
 * AWS credentials come in pairs. A secret access key has no prefix, so on its own a 40-character
 * base64 value is only a guess; with an access key ID a few lines away it is almost certainly a
 * working credential. Both findings then say so, and the secret key is raised to critical.
 *
 * A lone unnamed 40-character value (rule aws-secret-access-key-unnamed: quoted, with '+' or '/', no
 * key name) is still reported, at its rule's lower severity with a note that nothing pairs it — unlike
 * gitleaks, which needs a keyword: positional credentials (`new Credentials("AKIA…", "…")`) have none.
 */

/** How far apart, in lines, the two halves may be (an INI profile, a .env block, a constructor call). */
export const PAIR_DISTANCE = 5;

const KEY_ID_RULES = new Set(['aws-access-key-id']);
const SECRET_RULES = new Set(['aws-secret-access-key', 'aws-secret-access-key-unnamed']);
const LONE_NOTE = 'no AWS access key id within 5 lines: may be any 40-character base64 value';

export function pairAwsKeys(findings: readonly Finding[]): Finding[] {
  const ids = findings.filter((f) => KEY_ID_RULES.has(f.ruleId));
  const secrets = findings.filter((f) => SECRET_RULES.has(f.ruleId));
  if (secrets.length === 0) return [...findings];
  const pairedIds = new Map<Finding, Finding>();
  const updated = new Map<Finding, Finding>();
  for (const secret of secrets) {
    const id = nearest(ids, secret);
    if (id === undefined) {
      if (secret.ruleId === 'aws-secret-access-key-unnamed') updated.set(secret, withNote(secret, LONE_NOTE));
      continue;
    }
    updated.set(secret, withNote(secret, `paired with access key id ${maskSecret(id.secret.reveal())} on line ${id.startLine}`, 'critical'));
    if (!pairedIds.has(id)) pairedIds.set(id, secret);
  }
  for (const [id, secret] of pairedIds) {
    updated.set(id, withNote(id, `paired with a secret access key on line ${secret.startLine}`, 'critical'));
  }
  return findings.map((f) => updated.get(f) ?? f);
}

function nearest(ids: readonly Finding[], secret: Finding): Finding | undefined {
  let best: Finding | undefined;
  let bestDistance = Infinity;
  for (const id of ids) {
    if (id.file !== secret.file || id.commit?.sha !== secret.commit?.sha) continue;
    const distance = Math.abs(id.startLine - secret.startLine);
    if (distance <= PAIR_DISTANCE && distance < bestDistance) {
      best = id;
      bestDistance = distance;
    }
  }
  return best;
}

function withNote(f: Finding, note: string, severity?: Severity): Finding {
  return { ...f, notes: [...(f.notes ?? []), note], ...(severity ? { severity } : {}) };
}
