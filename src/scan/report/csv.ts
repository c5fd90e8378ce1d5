import type { Finding } from '../types.js';
import { shownMatch, shownSecret } from './mask.js';
import type { ReportOptions, Reporter } from './types.js';

/**
 * gitleaks' CSV columns, in its order, so spreadsheets and scripts built for `gitleaks -f csv` read
 * ours. We have no symlink resolution, so SymlinkFile stays empty as gitleaks leaves it for plain files.
 */
export const CSV_COLUMNS = [
  'RuleID', 'Commit', 'File', 'SymlinkFile', 'Secret', 'Match', 'StartLine', 'EndLine', 'StartColumn',
  'EndColumn', 'Author', 'Message', 'Date', 'Email', 'Fingerprint', 'Tags',
] as const;

/**
 * RFC 4180 quoting, with the same trigger set as Go's encoding/csv (what gitleaks writes): a field is
 * quoted when it holds a comma, a quote, a line break, or starts with a space or tab. Values are not
 * altered otherwise (no spreadsheet-formula escaping): the report must round-trip exactly.
 */
export function csvField(value: string): string {
  if (value === '') return '';
  if (/[",\r\n]/.test(value) || value[0] === ' ' || value[0] === '\t') return `"${value.replace(/"/g, '""')}"`;
  return value;
}

function row(f: Finding, redact: boolean): string[] {
  return [
    f.ruleId,
    f.commit?.sha ?? '',
    f.file,
    '',
    shownSecret(f, redact),
    shownMatch(f, redact),
    String(f.startLine),
    String(f.endLine),
    String(f.startColumn),
    String(f.endColumn),
    f.commit?.author ?? '',
    f.commit?.message ?? '',
    f.commit?.date ?? '',
    f.commit?.email ?? '',
    f.fingerprint,
    f.tags.join(' '),
  ];
}

/**
 * One header line, then one line per finding. Unlike gitleaks (which writes an empty file when there
 * is nothing to report) the header is always written, so a clean run is still a valid CSV table.
 */
export const csvReporter: Reporter = {
  write(findings: readonly Finding[], opts: ReportOptions): string {
    const lines = [CSV_COLUMNS.join(','), ...findings.map((f) => row(f, opts.redact).map(csvField).join(','))];
    return lines.join('\n') + '\n';
  },
};
