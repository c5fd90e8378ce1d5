import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from './types.js';

export const IGNORE_FILE = '.sealguardignore';

/**
 * Fingerprints of accepted findings from `.sealguardignore` at the scan root: one per line,
 * `#` comments and blank lines skipped. A missing file accepts nothing.
 */
export function loadIgnoredFingerprints(root: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(path.join(root, IGNORE_FILE), 'utf8');
  } catch {
    return new Set();
  }
  const out = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line !== '') out.add(line);
  }
  return out;
}

export function withoutIgnored(findings: readonly Finding[], ignored: ReadonlySet<string>): Finding[] {
  if (ignored.size === 0) return [...findings];
  return findings.filter((f) => !ignored.has(f.fingerprint));
}
