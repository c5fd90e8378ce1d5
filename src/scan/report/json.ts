import type { Finding } from '../types.js';
import { shownMatch, shownSecret } from './mask.js';
import type { ReportOptions, Reporter } from './types.js';

/** One finding with gitleaks' JSON field names, so tooling written for gitleaks reads our report. */
export interface GitleaksFinding {
  RuleID: string;
  Description: string;
  File: string;
  StartLine: number;
  EndLine: number;
  StartColumn: number;
  EndColumn: number;
  Match: string;
  Secret: string;
  Entropy: number;
  Commit: string;
  Author: string;
  Email: string;
  Date: string;
  Message: string;
  Tags: string[];
  Fingerprint: string;
}

export function toGitleaksFinding(f: Finding, redact: boolean): GitleaksFinding {
  return {
    RuleID: f.ruleId,
    Description: f.description,
    File: f.file,
    StartLine: f.startLine,
    EndLine: f.endLine,
    StartColumn: f.startColumn,
    EndColumn: f.endColumn,
    Match: shownMatch(f, redact),
    Secret: shownSecret(f, redact),
    Entropy: Math.round(f.entropy * 1e4) / 1e4,
    // gitleaks writes empty strings, not nulls, when a finding is not from a commit.
    Commit: f.commit?.sha ?? '',
    Author: f.commit?.author ?? '',
    Email: f.commit?.email ?? '',
    Date: f.commit?.date ?? '',
    Message: f.commit?.message ?? '',
    Tags: [...f.tags],
    Fingerprint: f.fingerprint,
  };
}

export const jsonReporter: Reporter = {
  write(findings: readonly Finding[], opts: ReportOptions): string {
    return JSON.stringify(findings.map((f) => toGitleaksFinding(f, opts.redact)), null, 2) + '\n';
  },
};
