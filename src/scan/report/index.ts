import { SealguardError } from '../../shared/errors.js';
import { csvReporter } from './csv.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import { sarifReporter } from './sarif.js';
import { textReporter } from './text.js';
import { REPORT_FORMATS, type ReportFormat, type Reporter } from './types.js';

export { FIX_HINT, REPORT_FORMATS, type ReportFormat, type ReportOptions, type Reporter } from './types.js';
export { toGitleaksFinding, type GitleaksFinding } from './json.js';
export { fixHintFor, ruleHelp } from './help.js';

const REPORTERS: Record<ReportFormat, Reporter> = {
  text: textReporter,
  json: jsonReporter,
  sarif: sarifReporter,
  junit: junitReporter,
  csv: csvReporter,
};

export function getReporter(format: ReportFormat): Reporter {
  const reporter = (REPORTERS as Record<string, Reporter | undefined>)[format];
  if (!reporter) {
    throw new SealguardError('UNKNOWN_REPORT_FORMAT', `unknown report format '${String(format)}' (expected ${REPORT_FORMATS.join(', ')})`, {
      exitCode: 2,
    });
  }
  return reporter;
}
