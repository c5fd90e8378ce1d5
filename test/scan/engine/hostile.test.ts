import { describe, expect, test } from 'vitest';
import { detect } from '../../../src/scan/engine/index.js';
import { compileRules, loadBuiltinRules, loadRuleFile, type CompiledRules } from '../../../src/scan/rules/index.js';
import type { RuleSpec } from '../../../src/scan/types.js';
import { FIXTURE_RULES } from './helpers.js';

/**
 * A 1 MB single line built to make every rule work as hard as it can: each rule's keywords, followed by
 * runs of the characters secrets are made of, each run one character short or broken by a quote, and
 * the openings of multi-line blocks that never close. A backtracking engine would stall on this; RE2
 * must finish in time proportional to its length.
 */
function hostileLine(specs: readonly RuleSpec[], bytes = 1 << 20): string {
  const keywords = [...new Set(specs.flatMap((s) => s.keywords))];
  const runs = ['A1b2C3d4'.repeat(5), 'ABCDEFGHIJKLMNOP0123456789', 'abcdef0123456789'.repeat(3), '+/='.repeat(5)];
  const unit = [
    ...keywords.map((k) => `${k}${k.toUpperCase()}_= "${runs[k.length % runs.length].slice(0, 35)}'`),
    '-----BEGIN RSA PRIVATE KEY-----' + 'MIIE'.repeat(20),
    'ghp_' + 'a'.repeat(35),
    'AKIA' + 'A'.repeat(15),
    'password=' + 'p'.repeat(9) + ' token: "' + runs[0] + '\\',
  ].join(' ');
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

function scanHostile(compiled: CompiledRules, specs: readonly RuleSpec[]): { ms: number; findings: number } {
  const text = hostileLine(specs);
  expect(text.length).toBe(1 << 20);
  expect(text.includes('\n')).toBe(false);
  const started = performance.now();
  const findings = detect(compiled, { path: 'hostile.txt', text }).length;
  return { ms: performance.now() - started, findings };
}

describe('a crafted 1 MB line cannot hang the scanner', () => {
  test('every sample rule finishes on it', () => {
    const specs = loadRuleFile(FIXTURE_RULES);
    const { ms } = scanHostile(compileRules(specs), specs);
    // Generous on purpose: this guards against super-linear behaviour (minutes), not a benchmark.
    expect(ms).toBeLessThan(20_000);
  });

  test('every shipped rule finishes on it', () => {
    const specs = loadBuiltinRules();
    const { ms } = scanHostile(compileRules(specs), specs);
    expect(ms).toBeLessThan(30_000);
  });
});
