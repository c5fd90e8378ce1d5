import type { Finding } from '../types.js';
import { compileRe2, re2Test } from './regex.js';

/**
 * An allowlist applied to finished findings, for what the engine's own allowlists cannot express:
 * gitleaks' `condition = "AND"`, `commits`, `regexTarget = "match" | "line"` and `targetRules`.
 * Semantics follow gitleaks: with OR any one list that matches accepts the finding; with AND every
 * non-empty list must match.
 */
export interface FindingAllowlist {
  /** Where it was written, for messages: `.gitleaks.toml: [[allowlists]] #2`. */
  readonly source: string;
  /** Rule ids it applies to; undefined = every rule. */
  readonly ruleIds?: readonly string[];
  readonly condition: 'or' | 'and';
  /** Lower-case commit ids (a prefix of at least 7 characters matches). */
  readonly commits: readonly string[];
  /**
   * Unanchored RE2 patterns on the finding's path. Patterns are kept as text (already checked by the
   * loader): a ScanConfig is plain data that is copied to worker threads.
   */
  readonly paths: readonly string[];
  /**
   * What `regexes` are tested against. Findings do not keep their source line, so `line` is tested
   * against the whole regex match — for the assignment-style rules it is used with, that is the line
   * less its indentation and trailing text.
   */
  readonly regexTarget: 'secret' | 'match' | 'line';
  readonly regexes: readonly string[];
  /** Lower-case; a secret containing one is accepted. */
  readonly stopwords: readonly string[];
}

function commitListed(f: Finding, commits: readonly string[]): boolean {
  const sha = f.commit?.sha.toLowerCase();
  return sha !== undefined && commits.some((c) => (c.length >= 7 ? sha.startsWith(c) : sha === c));
}

/** The loader compiled every pattern already, so this is a cache hit; a bad one never matches. */
function test(pattern: string, text: string): boolean {
  const r = compileRe2(pattern, '');
  return r.ok && re2Test(r.regex, text);
}

/** Whether `a` accepts finding `f`. */
export function allowlistAccepts(a: FindingAllowlist, f: Finding): boolean {
  if (a.ruleIds && !a.ruleIds.includes(f.ruleId)) return false;
  const checks: (() => boolean)[] = [];
  if (a.commits.length > 0) checks.push(() => commitListed(f, a.commits));
  if (a.paths.length > 0) checks.push(() => a.paths.some((p) => test(p, f.file)));
  if (a.regexes.length > 0) {
    checks.push(() => {
      const target = a.regexTarget === 'secret' ? f.secret.reveal() : f.match.reveal();
      return a.regexes.some((r) => test(r, target));
    });
  }
  if (a.stopwords.length > 0) {
    checks.push(() => {
      const secret = f.secret.reveal().toLowerCase();
      return a.stopwords.some((w) => secret.includes(w));
    });
  }
  if (checks.length === 0) return false;
  return a.condition === 'and' ? checks.every((c) => c()) : checks.some((c) => c());
}

export function withoutAllowlisted(findings: readonly Finding[], allowlists: readonly FindingAllowlist[] | undefined): Finding[] {
  if (!allowlists || allowlists.length === 0) return [...findings];
  return findings.filter((f) => !allowlists.some((a) => allowlistAccepts(a, f)));
}
