import { createColors } from 'picocolors';
import type { Finding } from '../types.js';
import { shownMatch, shownSecret } from './mask.js';
import { fixHintFor } from './help.js';
import type { ReportOptions, Reporter } from './types.js';

/** Report for people: one block per finding, then a summary line. */
export const textReporter: Reporter = {
  write(findings: readonly Finding[], opts: ReportOptions): string {
    const c = createColors(opts.color ?? false);
    const blocks = findings.map((f) => {
      const lines = [`${c.bold(`${f.file}:${f.startLine}:${f.startColumn}`)}  ${c.red(f.ruleId)} ${c.dim(`(${f.severity})`)}  ${f.description}`];
      // A whole-file finding (sops-unencrypted-file) has no secret or match to show.
      if (f.secret.length > 0) {
        lines.push(`  secret:      ${c.yellow(shownSecret(f, opts.redact))}`);
        const match = shownMatch(f, opts.redact);
        if (!match.includes('\n')) lines.push(`  match:       ${match}`);
        else lines.push(`  lines:       ${f.startLine}-${f.endLine}`);
      }
      if (f.commit) {
        const who = f.commit.email ? `${f.commit.author} <${f.commit.email}>` : f.commit.author;
        lines.push(`  commit:      ${f.commit.sha.slice(0, 12)} ${who} ${f.commit.date}`);
      }
      for (const note of f.notes ?? []) lines.push(`  note:        ${note}`);
      lines.push(`  fingerprint: ${f.fingerprint}`);
      lines.push(`  ${c.dim(`fix: ${fixHintFor(f.ruleId)}`)}`);
      return lines.join('\n');
    });
    return [...blocks, summary(findings, c.bold)].join('\n\n') + '\n';
  },
};

function summary(findings: readonly Finding[], bold: (s: string) => string): string {
  if (findings.length === 0) return 'no leaks found';
  const files = new Set(findings.map((f) => f.file)).size;
  const n = findings.length;
  return bold(`${n} leak${n === 1 ? '' : 's'} found in ${files} file${files === 1 ? '' : 's'}`);
}
