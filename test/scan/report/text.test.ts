import { describe, expect, test } from 'vitest';
import { getReporter } from '../../../src/scan/report/index.js';
import { keyId, sampleFindings, specs, token } from './helpers.js';

const text = getReporter('text');

describe('text report', () => {
  test('each finding shows path:line:col, rule, description, the masked secret and how to fix or allow it', () => {
    const out = text.write(sampleFindings(), { redact: true, rules: specs });
    expect(out).toContain('src/config.ts:2:16  github-pat (high)  GitHub personal access token');
    expect(out).toContain('deploy/my env.sh:7:26  aws-access-key-id (critical)  AWS access key ID');
    expect(out).toContain('secret:      ghp_************');
    expect(out).toContain('match:       ghp_************');
    expect(out).toContain(`commit:      ${'a'.repeat(12)} Dev One <dev@example.org> 2024-05-01T10:00:00Z`);
    expect(out).toMatch(/fingerprint: src\/config\.ts:github-pat:[0-9a-f]{12}/);
    expect(out).toContain(
      "fix: remove it and rotate the credential; to accept it: add 'sealguard:allow' on the line or put the fingerprint in .sealguardignore",
    );
    expect(out.trimEnd().split('\n').at(-1)).toBe('2 leaks found in 2 files');
    expect(out).not.toContain(token);
    expect(out).not.toContain(keyId);
  });

  test('with redact off the full secret is shown', () => {
    const out = text.write(sampleFindings(), { redact: false });
    expect(out).toContain(`secret:      ${token}`);
  });

  test('no findings prints a one-line all-clear', () => {
    expect(text.write([], { redact: true })).toBe('no leaks found\n');
  });

  test('colour codes appear only when asked for', () => {
    const esc = String.fromCharCode(27) + '[';
    expect(text.write(sampleFindings(), { redact: true, color: false })).not.toContain(esc);
    expect(text.write(sampleFindings(), { redact: true, color: true })).toContain(esc);
  });
});
