import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from './types.js';

export const IGNORE_FILE = '.sealguardignore';
export const GITLEAKS_IGNORE_FILE = '.gitleaksignore';

/**
 * A `.gitleaksignore` line. gitleaks fingerprints are `file:rule-id:start-line` (matches in any commit
 * and in plain files) or `commit:file:rule-id:start-line` (only in that commit); recent gitleaks also
 * accepts `*` for any field. They hold no hash of the secret, so file + rule + line is the only
 * identity they give: we match on exactly that, as gitleaks does, which means such an entry stops
 * matching when the secret moves to another line — our own fingerprints do not have that problem.
 */
export interface GitleaksIgnoreEntry {
  /** Undefined for a global entry; '*' matches any commit. */
  readonly commit?: string;
  readonly file: string;
  readonly rule: string;
  /** Decimal line number or '*'. */
  readonly line: string;
}

export interface IgnoreList {
  /** Our fingerprints (`file:rule-id:hash`) from `.sealguardignore`. */
  readonly fingerprints: ReadonlySet<string>;
  readonly gitleaks: readonly GitleaksIgnoreEntry[];
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Non-blank lines without `#` comments (a fingerprint never contains '#'). */
function entries(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line !== '') out.push(line);
  }
  return out;
}

/** `.sealguardignore` fingerprints. */
export function parseIgnoreFile(text: string): Set<string> {
  return new Set(entries(text));
}

const COMMIT = /^(?:[0-9a-fA-F]{7,64}|\*)$/;

/**
 * `.gitleaksignore` entries; lines that are not a gitleaks fingerprint are skipped. Parsed from the
 * right (line, then rule), as gitleaks does, so a path containing ':' still works; what is left is
 * `commit:file` when it starts with something shaped like a commit id, else the file.
 */
export function parseGitleaksIgnore(text: string): GitleaksIgnoreEntry[] {
  const out: GitleaksIgnoreEntry[] = [];
  for (const entry of entries(text)) {
    const lineSep = entry.lastIndexOf(':');
    const ruleSep = lineSep > 0 ? entry.lastIndexOf(':', lineSep - 1) : -1;
    if (ruleSep <= 0) continue;
    const line = entry.slice(lineSep + 1);
    const rule = entry.slice(ruleSep + 1, lineSep);
    if (!/^(?:\d+|\*)$/.test(line) || rule === '') continue;
    let rest = entry.slice(0, ruleSep);
    let commit: string | undefined;
    const commitSep = rest.indexOf(':');
    if (commitSep > 0 && COMMIT.test(rest.slice(0, commitSep))) {
      commit = rest.slice(0, commitSep).toLowerCase();
      rest = rest.slice(commitSep + 1);
    }
    // gitleaks writes Windows paths with backslashes; our finding paths always use '/'.
    const file = rest.replace(/\\/g, '/').replace(/^\.\//, '');
    if (file === '') continue;
    out.push({ ...(commit !== undefined ? { commit } : {}), file, rule, line });
  }
  return out;
}

/**
 * Accepted findings at the scan root: `.sealguardignore` fingerprints and `.gitleaksignore` entries.
 * Missing files accept nothing.
 */
export function loadIgnoreList(root: string): IgnoreList {
  const own = readOptional(path.join(root, IGNORE_FILE));
  const theirs = readOptional(path.join(root, GITLEAKS_IGNORE_FILE));
  return {
    fingerprints: own === undefined ? new Set() : parseIgnoreFile(own),
    gitleaks: theirs === undefined ? [] : parseGitleaksIgnore(theirs),
  };
}

/** Fingerprints from `.sealguardignore` at the scan root only. */
export function loadIgnoredFingerprints(root: string): Set<string> {
  const text = readOptional(path.join(root, IGNORE_FILE));
  return text === undefined ? new Set() : parseIgnoreFile(text);
}

function matchesGitleaks(f: Finding, e: GitleaksIgnoreEntry): boolean {
  if (e.commit !== undefined && e.commit !== '*') {
    const sha = f.commit?.sha.toLowerCase();
    // gitleaks compares full ids; an abbreviated id in the file is accepted as a prefix.
    if (sha === undefined || !sha.startsWith(e.commit)) return false;
  }
  if (e.file !== '*' && e.file !== f.file) return false;
  if (e.rule !== '*' && e.rule !== f.ruleId) return false;
  return e.line === '*' || Number(e.line) === f.startLine;
}

/**
 * History findings are fingerprinted `commit:file:rule-id:hash`; a listed `file:rule-id:hash` (what
 * a baseline of the tree holds) accepts that secret in every commit.
 */
/**
 * Whether a fingerprint list accepts a finding: its own fingerprint, or, for a history finding, the
 * `file:rule-id:hash` form without the commit (which accepts that secret in every commit).
 */
export function fingerprintListed(f: Finding, listed: ReadonlySet<string>): boolean {
  if (listed.has(f.fingerprint)) return true;
  const prefix = f.commit ? `${f.commit.sha}:` : undefined;
  return prefix !== undefined && f.fingerprint.startsWith(prefix) && listed.has(f.fingerprint.slice(prefix.length));
}

export function isIgnored(f: Finding, list: IgnoreList): boolean {
  return fingerprintListed(f, list.fingerprints) || list.gitleaks.some((e) => matchesGitleaks(f, e));
}

export function withoutIgnored(findings: readonly Finding[], ignored: ReadonlySet<string> | IgnoreList): Finding[] {
  const list: IgnoreList = ignored instanceof Set ? { fingerprints: ignored, gitleaks: [] } : (ignored as IgnoreList);
  if (list.fingerprints.size === 0 && list.gitleaks.length === 0) return [...findings];
  return findings.filter((f) => !isIgnored(f, list));
}
