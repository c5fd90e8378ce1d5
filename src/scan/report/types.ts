import type { Finding, RuleSpec } from '../types.js';

export interface ReportOptions {
  /** Mask secrets (the default everywhere); false prints them in full (`--no-redact`). */
  readonly redact: boolean;
  /** Rules that were run; SARIF lists them all so rule indices stay stable between runs. */
  readonly rules?: readonly RuleSpec[];
  /** ANSI colour in the text report; the caller decides (a TTY and no NO_COLOR). */
  readonly color?: boolean;
  /** Version written into SARIF's tool.driver; defaults to the package version. */
  readonly toolVersion?: string;
}

/** Turns findings into the text of one report format. Pure: the caller writes the string where it wants. */
export interface Reporter {
  write(findings: readonly Finding[], opts: ReportOptions): string;
}

export type ReportFormat = 'text' | 'json' | 'sarif' | 'junit' | 'csv';

export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif', 'junit', 'csv'];

/** What to tell the user about any finding: how to fix it, and how to accept it without churn. */
export const FIX_HINT =
  "remove it and rotate the credential; to accept it: add 'sealguard:allow' on the line or put the fingerprint in .sealguardignore";
