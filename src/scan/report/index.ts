import { SealguardError } from '../../shared/errors.js';
import { jsonReporter } from './json.js';
import { sarifReporter } from './sarif.js';
import { textReporter } from './text.js';
import type { ReportFormat, Reporter } from './types.js';

export { FIX_HINT, type ReportFormat, type ReportOptions, type Reporter } from './types.js';
export { toGitleaksFinding, type GitleaksFinding } from './json.js';

const REPORTERS: Record<ReportFormat, Reporter> = { text: textReporter, json: jsonReporter, sarif: sarifReporter };

export function getReporter(format: ReportFormat): Reporter {
  const reporter = (REPORTERS as Record<string, Reporter | undefined>)[format];
  if (!reporter) {
    throw new SealguardError('UNKNOWN_REPORT_FORMAT', `unknown report format '${String(format)}' (expected text, json, sarif)`, {
      exitCode: 2,
    });
  }
  return reporter;
}
