import { randomBytes } from 'node:crypto';
import { compileRules, loadRuleFile, type CompiledRules } from '../../../src/scan/rules/index.js';
import type { ScanConfig } from '../../../src/scan/rules/index.js';
import type { RuleSpec } from '../../../src/scan/types.js';
import { resolve } from 'node:path';

export const FIXTURE_RULES = resolve(import.meta.dirname, '../../fixtures/rules/sample.yaml');

/** The sample rule pack of test/fixtures/rules, compiled, optionally with a user config. */
export function sampleRules(config?: ScanConfig): CompiledRules {
  return compileRules(loadRuleFile(FIXTURE_RULES), config);
}

/** A rule spec written inline, with the fields a test does not care about filled in. */
export function rule(fields: Partial<RuleSpec> & Pick<RuleSpec, 'id' | 'regex'>): RuleSpec {
  return {
    description: `test rule ${fields.id}`,
    keywords: [],
    tags: [],
    severity: 'high',
    examples: { match: [], noMatch: [] },
    source: 'test.yaml',
    ...fields,
  };
}

export function config(fields: Partial<ScanConfig>): ScanConfig {
  return {
    extend: { useDefault: true },
    rules: [],
    disabledRules: [],
    allow: { paths: [], regexes: [], stopwords: [] },
    ...fields,
  };
}

// Fake secrets are assembled at run time so no realistic secret sits in a source file.
export const fakeGithubToken = (): string => 'ghp_' + 'A1b2C3d4'.repeat(4) + 'Zz9Y';
export const fakeAwsKeyId = (): string => 'AKIA' + 'Q7W2E5R8T1Y4U6I3';
/** A random alphanumeric value (high entropy, no placeholder words). */
export function randomToken(length = 32): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  // Guard against the rare random run that the placeholder filter would rightly reject.
  return /x{5,}|12345678|abcdefgh/i.test(out) ? randomToken(length) : out;
}
export function fakePemBlock(kind = 'RSA PRIVATE KEY', lines = 3): string {
  const body = Array.from({ length: lines }, () => randomBytes(48).toString('base64'));
  return [`-----BEGIN ${kind}-----`, ...body, `-----END ${kind}-----`].join('\n');
}
