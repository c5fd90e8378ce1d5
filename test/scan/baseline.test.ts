import { describe, expect, test } from 'vitest';
import { buildBaseline, parseBaseline, renderBaseline } from '../../src/scan/baseline.js';
import { withoutIgnored } from '../../src/scan/ignore-file.js';
import { getReporter } from '../../src/scan/report/index.js';
import { SealguardError } from '../../src/shared/errors.js';
import { caught } from '../helpers/errors.js';
import { keyId, sampleFindings, token } from './report/helpers.js';

describe('baseline file', () => {
  test('holds fingerprints and secret hashes only: no secret, no line numbers, no dates', () => {
    const text = renderBaseline(buildBaseline(sampleFindings()));
    expect(text).not.toContain(token);
    expect(text).not.toContain(keyId);
    expect(text).not.toMatch(/line|date|20\d\d-/i);
    const doc = JSON.parse(text) as { findings: Record<string, string>[] };
    expect(doc.findings.every((e) => Object.keys(e).join() === 'fingerprint,sha256')).toBe(true);
    expect(doc.findings[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('is the same bytes whatever order the findings come in, sorted, 2-space JSON with a trailing newline', () => {
    const findings = sampleFindings();
    const a = renderBaseline(buildBaseline(findings));
    const b = renderBaseline(buildBaseline([...findings].reverse()));
    expect(a).toBe(b);
    expect(a.endsWith('}\n')).toBe(true);
    expect(a).toContain('\n  "findings": [\n    {\n      "fingerprint"');
    const prints = (JSON.parse(a) as { findings: { fingerprint: string }[] }).findings.map((e) => e.fingerprint);
    expect(prints).toEqual([...prints].sort());
  });

  test('the same secret found in several commits is one entry', () => {
    const [f] = sampleFindings();
    const again = { ...f, startLine: 40, commit: { sha: 'c'.repeat(40), author: 'x', email: 'x@y', date: '2024-01-01', message: 'm' } };
    expect(buildBaseline([f, again]).findings).toHaveLength(1);
  });

  test('findings in the baseline are accepted, others are reported', () => {
    const [fromFile, fromCommit] = sampleFindings();
    const accepted = parseBaseline(renderBaseline(buildBaseline([fromFile])), 'b.json');
    expect(withoutIgnored([fromFile, fromCommit], accepted)).toEqual([fromCommit]);
  });

  test('a tree baseline also accepts the same secret found in a commit by a history scan', () => {
    const [fromFile] = sampleFindings();
    const sha = 'e'.repeat(40);
    const inHistory = { ...fromFile, fingerprint: `${sha}:${fromFile.fingerprint}`, commit: { sha, author: 'a', email: 'a@b', date: '2024-01-01T00:00:00Z', message: 'm' } };
    const elsewhere = { ...inHistory, fingerprint: `${sha}:other/file.ts:github-pat:0123456789ab` };
    const accepted = parseBaseline(renderBaseline(buildBaseline([fromFile])), 'b.json');
    expect(withoutIgnored([inHistory, elsewhere], accepted)).toEqual([elsewhere]);
  });

  test('a JSON report (ours, or gitleaks-style fingerprints) also works as a baseline', () => {
    const [fromFile, fromCommit] = sampleFindings();
    const ours = parseBaseline(getReporter('json').write([fromFile], { redact: true }), 'report.json');
    expect(withoutIgnored([fromFile, fromCommit], ours)).toEqual([fromCommit]);
    const gitleaks = JSON.stringify([{ RuleID: 'aws-access-key-id', Fingerprint: `${'a'.repeat(40)}:deploy/my env.sh:aws-access-key-id:${fromCommit.startLine}` }]);
    expect(withoutIgnored([fromFile, fromCommit], parseBaseline(gitleaks, 'gitleaks.json'))).toEqual([fromFile]);
  });

  test('a file that is not a baseline is a usage error naming it', async () => {
    for (const text of ['not json', '{"findings": 3}', '{"version": 9, "findings": []}', '[{"x": 1}]']) {
      const e = await caught(() => parseBaseline(text, 'old.json'));
      expect(e).toBeInstanceOf(SealguardError);
      expect(e.exitCode).toBe(2);
      expect(e.message).toMatch(/^old\.json: not a baseline file/);
    }
  });
});
