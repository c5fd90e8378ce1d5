import { describe, expect, test } from 'vitest';
import { getReporter } from '../../../src/scan/report/index.js';
import type { Finding } from '../../../src/scan/types.js';
import { Secret } from '../../../src/shared/secret.js';
import { sampleFindings, specs } from './helpers.js';

type Json = Record<string, unknown>;
const sarif = getReporter('sarif');

function run(findings: Finding[]): { rules: Json[]; results: Json[] } {
  const log = JSON.parse(sarif.write(findings, { redact: true, rules: specs })) as Json;
  const r = (log.runs as Json[])[0];
  return { rules: ((r.tool as Json).driver as Json).rules as Json[], results: r.results as Json[] };
}

describe('sarif rule help and fingerprints', () => {
  test("every rule's help says what it found, how to fix it and how to accept it, in text and markdown", () => {
    const { rules } = run(sampleFindings());
    for (const rule of rules) {
      const help = rule.help as { text: string; markdown: string };
      const description = (rule.shortDescription as Json).text as string;
      expect(help.text).toContain(description);
      expect(help.text).toMatch(/rotate/);
      expect(help.text).toContain('.sealguardignore');
      expect(help.markdown).toContain(`\`${String(rule.id)}\``);
      expect((rule.fullDescription as Json).text).toContain(String(rule.id));
    }
  });

  test('every result carries a line-independent partial fingerprint', () => {
    const [f] = sampleFindings();
    const moved = { ...f, startLine: f.startLine + 10, endLine: f.endLine + 10 };
    const { results } = run([f, moved]);
    expect(results[0].partialFingerprints).toEqual({ 'sealguard/v1': f.fingerprint });
    expect(results[1].partialFingerprints).toEqual(results[0].partialFingerprints);
  });

  test('an unencrypted sops file gets its own fix (the encrypt command) and its notes in the message', () => {
    const finding: Finding = {
      ruleId: 'sops-unencrypted-file',
      description: 'File matches a .sops.yaml creation rule but is not SOPS-encrypted',
      file: 'secrets/prod.yaml',
      startLine: 1,
      endLine: 1,
      startColumn: 1,
      endColumn: 1,
      secret: new Secret(''),
      match: new Secret(''),
      entropy: 0,
      tags: ['sops'],
      severity: 'high',
      fingerprint: 'secrets/prod.yaml:sops-unencrypted-file:e3b0c44298fc',
      notes: ['encrypt it: sealguard encrypt -i secrets/prod.yaml'],
    };
    const { rules, results } = run([finding]);
    const rule = rules.find((r) => r.id === 'sops-unencrypted-file')!;
    expect((rule.help as Json).text).toContain('sealguard encrypt -i');
    expect((results[0].message as Json).text).toContain('encrypt it: sealguard encrypt -i secrets/prod.yaml');
  });
});

describe('whole-file findings in the other reports', () => {
  test('text and junit show no empty secret or match line for a finding without a secret', () => {
    const [f] = sampleFindings();
    const whole: Finding = { ...f, ruleId: 'sops-unencrypted-file', secret: new Secret(''), match: new Secret(''), notes: ['fix: sealguard encrypt -i x.yaml'] };
    const text = getReporter('text').write([whole], { redact: true });
    expect(text).not.toMatch(/secret:|match:/);
    expect(text).toContain('note:        fix: sealguard encrypt -i x.yaml');
    expect(getReporter('junit').write([whole], { redact: true })).not.toMatch(/secret: |match: /);
    const log = JSON.parse(getReporter('sarif').write([whole], { redact: true })) as Json;
    const region = ((((log.runs as Json[])[0].results as Json[])[0].locations as Json[])[0].physicalLocation as Json).region as Json;
    expect(region.snippet).toBeUndefined();
  });
});
