import type { Secret } from '../shared/secret.js';

/**
 * A piece of text to scan, produced by a source (files, stdin, staged diff, history).
 * For diffs, `text` holds only the added lines joined by '\n', and `lines[i]` is the line number in
 * the new file of the i-th line of `text` (so findings point at the real file). For whole files
 * `lines` is omitted and line i of `text` is line i+1 of the file.
 */
export interface Fragment {
  /** Path relative to the scan root (or repository root for git sources), '/' separated. */
  readonly path: string;
  readonly text: string;
  /** 1-based line number in the original file of each line of `text`; absent = identity. */
  readonly lines?: readonly number[];
  readonly commit?: CommitInfo;
  /**
   * `text` as UTF-8, when the source read exactly these bytes (a valid UTF-8 file): the engine then
   * skips encoding the text again. Must equal Buffer.from(text, 'utf8') byte for byte.
   */
  readonly utf8?: Buffer;
}

export interface CommitInfo {
  readonly sha: string;
  readonly author: string;
  readonly email: string;
  /** ISO 8601 date of the commit. */
  readonly date: string;
  readonly message: string;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/**
 * Rule as written in rules/*.yaml or a user config, after schema validation.
 * Field meanings are in DESIGN.md ("Rule").
 */
export interface RuleSpec {
  readonly id: string;
  readonly description: string;
  readonly regex: string;
  readonly secretGroup?: number;
  /** Lower-case literals; the rule runs only where one occurs. Empty = always runs. */
  readonly keywords: readonly string[];
  readonly entropy?: number;
  /** Regex on the path; the rule applies only to matching paths. */
  readonly path?: string;
  readonly allow?: RuleAllow;
  /** A checksum the token format carries, checked on every match (`github-crc32`: GitHub and npm tokens). */
  readonly validate?: 'github-crc32';
  readonly tags: readonly string[];
  readonly severity: Severity;
  readonly examples: { readonly match: readonly string[]; readonly noMatch: readonly string[] };
  /** Where the rule came from, for messages: `rules/github.yaml` or `.sealguard.yaml`. */
  readonly source: string;
}

export interface RuleAllow {
  readonly regexes?: readonly string[];
  readonly stopwords?: readonly string[];
  readonly paths?: readonly string[];
}

/** One secret found. The secret itself is a `Secret`, masked when printed. */
export interface Finding {
  readonly ruleId: string;
  readonly description: string;
  readonly file: string;
  readonly startLine: number;
  readonly endLine: number;
  /** 1-based columns, as gitleaks reports them. */
  readonly startColumn: number;
  readonly endColumn: number;
  readonly secret: Secret;
  /** The whole regex match; also a Secret since it contains the secret. */
  readonly match: Secret;
  readonly entropy: number;
  readonly tags: readonly string[];
  readonly severity: Severity;
  /** `file:rule-id:sha256(secret)[:12]` — stable across line moves and commits. */
  readonly fingerprint: string;
  readonly commit?: CommitInfo;
  /** Free-text remarks (e.g. "found in base64-decoded text", "paired with access key id"). */
  readonly notes?: readonly string[];
}
