import type { Finding } from '../types.js';
import { shownMatch, shownSecret } from './mask.js';
import { fixHintFor } from './help.js';
import type { ReportOptions, Reporter } from './types.js';
import { xmlAttr, xmlText } from './xml.js';

/**
 * JUnit XML for CI test views (GitLab, Jenkins, Azure DevOps). One <testsuite> per file, one failing
 * <testcase> per finding: the file is where the fix happens, so a developer reading the CI page sees
 * "config/prod.env: 2 failures" rather than one rule spread over many files. A clean scan is one
 * passing test case, so CI shows "1 passed" instead of an empty (and sometimes rejected) report.
 */
export const junitReporter: Reporter = {
  write(findings: readonly Finding[], opts: ReportOptions): string {
    const byFile = new Map<string, Finding[]>();
    for (const f of findings) {
      const list = byFile.get(f.file);
      if (list) list.push(f);
      else byFile.set(f.file, [f]);
    }
    const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
    const total = findings.length;
    out.push(`<testsuites name="sealguard" tests="${Math.max(total, 1)}" failures="${total}" errors="0">`);
    if (total === 0) {
      out.push('  <testsuite name="sealguard" tests="1" failures="0" errors="0" skipped="0">');
      out.push('    <testcase classname="sealguard" name="no leaks found"/>');
      out.push('  </testsuite>');
    }
    for (const [file, list] of byFile) {
      out.push(`  <testsuite name="${xmlAttr(file)}" tests="${list.length}" failures="${list.length}" errors="0" skipped="0">`);
      for (const f of list) out.push(...testCase(f, opts.redact));
      out.push('  </testsuite>');
    }
    out.push('</testsuites>');
    return out.join('\n') + '\n';
  },
};

function testCase(f: Finding, redact: boolean): string[] {
  const where = `${f.file}:${f.startLine}:${f.startColumn}`;
  const name = f.commit ? `${f.ruleId} at ${where} in commit ${f.commit.sha.slice(0, 12)}` : `${f.ruleId} at ${where}`;
  const message = `${f.description} (${f.ruleId}) in ${f.file}, line ${f.startLine}`;
  const body = [
    `rule:        ${f.ruleId} (${f.severity})`,
    `location:    ${where}`,
    ...(f.secret.length > 0 ? [`secret:      ${shownSecret(f, redact)}`, `match:       ${shownMatch(f, redact)}`] : []),
    `fingerprint: ${f.fingerprint}`,
    ...(f.commit ? [`commit:      ${f.commit.sha} ${f.commit.author} <${f.commit.email}> ${f.commit.date}`] : []),
    ...(f.notes ?? []).map((n) => `note:        ${n}`),
    `fix:         ${fixHintFor(f.ruleId)}`,
  ].join('\n');
  return [
    `    <testcase classname="${xmlAttr(f.file)}" name="${xmlAttr(name)}" file="${xmlAttr(f.file)}" line="${f.startLine}">`,
    `      <failure message="${xmlAttr(message)}" type="${xmlAttr(f.ruleId)}">${xmlText(body)}</failure>`,
    '    </testcase>',
  ];
}
